"""Per-village and per-unit figures behind the dashboards, equal to a recount of the raw tables.

Database triggers (migration 0003) mark a village or unit whenever a row it counts is written,
by the ORM, a bulk update or a COPY alike. ``bring_up_to_date`` recounts the marked ones, and
every village whose date-dependent counts are for another day, before any figures are read;
the marks are taken in the same transaction as the recount, so a change committed meanwhile
leaves its mark for the next reader. Reading the figures of the whole city then sums about
6,000 village rows instead of millions of households and visits.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import Assessment, RectificationItem
from common.aggregates import count_subquery, sum_subquery
from projects.models import GRANTED, Activity, Allocation, Project
from shuanglian.models import (
    RollupMark,
    UnitFigures,
    VillageFigures,
    VillageFunds,
    WorkGroupFigures,
)
from units.coverage import HouseholdCoverageQuerySet
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages.models import County, Household, Township, Village
from visits.models import Need, Satisfaction, Visit

PERIODS = (30, 90)
MONEY = DecimalField(max_digits=16, decimal_places=2)
# Above this many marked villages, one recount of everything is cheaper than a long IN list.
RECOUNT_ALL_ABOVE = 2000
# Any constant number; it names the lock that keeps two recounts from taking the same marks.
LOCK_KEY = 7_317_001


def since(today: datetime.date, days: int) -> datetime.date:
    """The first day of the last ``days`` days, today included."""
    return today - datetime.timedelta(days=days - 1)


def bring_up_to_date(today: datetime.date | None = None) -> None:
    """Recount what changed since the last reader, and counts that belong to another day.

    One query when nothing changed; otherwise a fixed number, whatever was marked.
    """
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {RollupMark._meta.db_table}),"  # noqa: S608
            f" EXISTS (SELECT 1 FROM {VillageFigures._meta.db_table} WHERE as_of <> %s)",
            [today],
        )
        marked, other_day = cursor.fetchone()
    if not (marked or other_day):
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        villages, units = _take_marks()
        villages |= set(
            VillageFigures.objects.exclude(as_of=today).values_list("village_id", flat=True)
        )
        every_unit = False
        if villages:
            every_unit = len(villages) > RECOUNT_ALL_ABOVE
            recount_villages(None if every_unit else villages, today)
            # A unit's work of the year sums its work groups' figures, just recounted.
            if not every_unit:
                units |= set(
                    WorkGroupFigures.objects.filter(village_id__in=villages).values_list(
                        "unit_id", flat=True
                    )
                )
        if every_unit or units:
            recount_units(None if every_unit else units)


def recount_after_task(sender: object, **kwargs: object) -> None:
    """After a background task (an import, say), recount what it marked, there and then.

    The worker bears the cost of a large import's recount, not the next coordinator who
    opens a dashboard. Connected to django-tasks' ``task_finished`` by the app config.
    """
    bring_up_to_date()


def rebuild(today: datetime.date | None = None) -> None:
    """Recount every village and unit from the raw tables, e.g. after a bulk load."""
    today = today or timezone.localdate()
    with transaction.atomic():
        RollupMark.objects.all().delete()
        recount_villages(None, today)
        recount_units(None)


def _take_marks() -> tuple[set[int], set[int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RollupMark._meta.db_table} RETURNING kind, object_id")  # noqa: S608
        marks = cursor.fetchall()
    villages = {pk for kind, pk in marks if kind == RollupMark.Kind.VILLAGE}
    units = {pk for kind, pk in marks if kind == RollupMark.Kind.UNIT}
    return villages, units


def _only(queryset: QuerySet, field: str, ids: Iterable[int] | None) -> QuerySet:
    return queryset if ids is None else queryset.filter(**{f"{field}__in": list(ids)})


def recount_villages(ids: Iterable[int] | None, today: datetime.date) -> None:
    """Recount the figures of the villages ``ids`` (None: all) as of ``today``, with their
    work groups' and pooled funds' figures of today's year: five statements."""
    ids = None if ids is None else set(ids)
    _upsert(VillageFigures, "village_id", _village_counts(ids, today))
    gone = VillageFigures.objects.exclude(village__in=Village.objects.all())
    _only(gone, "village", ids).delete()
    # A work group that is gone took its figures with it (on_delete=CASCADE); one that moved
    # to another village is counted again under it, since both villages were marked.
    _upsert(WorkGroupFigures, "work_group_id", _work_group_counts(ids, today.year))
    _only(VillageFunds.objects.all(), "village", ids).delete()
    _insert(VillageFunds, _village_funds(ids, today.year))


def _village_counts(ids: set[int] | None, today: datetime.date) -> QuerySet:
    """The villages, each annotated with its figures as correlated counts."""
    households = Household.objects.all()
    coverage = HouseholdCoverageQuerySet.of(households)
    covered, assigned = coverage.covered(), coverage.assigned()

    def seen(days: int) -> QuerySet:
        contacts = Visit.objects.contacts().filter(
            household=OuterRef("pk"), visited_on__gte=since(today, days)
        )
        return households.filter(Exists(contacts))

    needs = Need.objects.all()
    rated = Visit.objects.contacts().exclude(satisfaction="")
    pleased = [Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED]
    assessed = Assessment.objects.filter(year=today.year)
    approved = assessed.filter(status=Assessment.Status.APPROVED)
    unaccepted = RectificationItem.objects.exclude(status=RectificationItem.Status.ACCEPTED)
    counts = {
        "township_id": F("township_id"),
        "county_id": F("township__county_id"),
        "has_work_group": Exists(WorkGroup.objects.filter(village=OuterRef("pk"))),
        "households": count_subquery(households, "village"),
        "covered": count_subquery(covered, "village"),
        "assigned": count_subquery(assigned, "village"),
        "visited_30": count_subquery(seen(30), "village"),
        "visited_90": count_subquery(seen(90), "village"),
        "needs_raised": count_subquery(needs, "household__village"),
        "needs_open": count_subquery(needs.open(), "household__village"),
        "needs_resolved": count_subquery(
            needs.filter(status=Need.Status.RESOLVED), "household__village"
        ),
        "needs_overdue": count_subquery(needs.overdue(today), "household__village"),
        "rated": count_subquery(rated, "household__village"),
        "pleased": count_subquery(rated.filter(satisfaction__in=pleased), "household__village"),
        **{
            f"assessed_{status}": count_subquery(assessed.filter(status=status), "village")
            for status in Assessment.Status.values
        },
        **{f"stars_{n}": count_subquery(approved.filter(stars=n), "village") for n in range(1, 6)},
        "up_to_standard": count_subquery(approved.filter(up_to_standard=True), "village"),
        "rectification_open": count_subquery(unaccepted, "assessment__village"),
        "rectification_overdue": count_subquery(
            unaccepted.filter(deadline__lt=today), "assessment__village"
        ),
        "as_of": Value(today, DateField()),
    }
    return _only(Village.objects.order_by(), "pk", ids).annotate(
        **{f"n_{column}": value for column, value in counts.items()}
    )


def _work_group_counts(ids: set[int] | None, year: int) -> QuerySet:
    """The work groups of the villages, each annotated with its projects and activities of
    ``year`` as correlated counts and sums."""
    projects = Project.objects.filter(year=year)
    activities = Activity.objects.filter(held_on__year=year)
    counts = {
        "unit_id": F("unit_id"),
        "village_id": F("village_id"),
        "township_id": F("village__township_id"),
        "county_id": F("village__township__county_id"),
        "projects": count_subquery(projects, "work_group"),
        **{
            status: count_subquery(projects.filter(status=status), "work_group")
            for status in Project.Status.values
        },
        "beneficiaries": sum_subquery(projects, "work_group", "beneficiary_count", IntegerField()),
        "activities": count_subquery(activities, "work_group"),
        **{
            budget: sum_subquery(projects, "work_group", budget, MONEY)
            for budget in ("budget_pooled", "budget_unit", "budget_donation", "budget_village")
        },
    }
    return _only(WorkGroup.objects.order_by(), "village", ids).annotate(
        **{f"n_{column}": value for column, value in counts.items()}
    )


def _village_funds(ids: set[int] | None, year: int) -> QuerySet:
    """The pooled funds of ``year``'s pools granted to the villages' projects, and paid, by
    village and source: a row for each village and source that has any."""
    granted = _only(
        Allocation.objects.order_by().filter(pool__year=year, status__in=GRANTED),
        "project__village",
        ids,
    )
    return granted.values(
        n_village_id=F("project__village_id"),
        n_township_id=F("project__village__township_id"),
        n_county_id=F("project__village__township__county_id"),
        n_source=F("pool__source"),
    ).annotate(n_allocated=Sum("amount"), n_paid=Sum("paid"))


def recount_units(ids: Iterable[int] | None) -> None:
    """Recount the figures of the units ``ids`` (None: all), their work of the year from their
    work groups' figures (recount the villages first): two statements."""
    ids = None if ids is None else set(ids)
    cadres = Cadre.objects.in_service()
    linking = HouseholdAssignment.objects.active().filter(cadre=OuterRef("pk"))
    loads = (
        HouseholdAssignment.objects.active()
        .filter(cadre__unit=OuterRef("pk"), cadre__in_service=True)
        .order_by()
        .values("cadre")
        .annotate(load=Count("pk"))
        .order_by("-load")
        .values("load")[:1]
    )
    groups = WorkGroupFigures.objects.filter(unit=OuterRef("pk")).order_by().values("unit")

    def summed(expression: Any, zero: Any = 0) -> Coalesce:
        return Coalesce(Subquery(groups.annotate(total=Sum(expression)).values("total")), zero)

    rows = _only(Unit.objects.order_by(), "pk", ids).annotate(
        n_links_village=Exists(WorkGroup.objects.filter(unit=OuterRef("pk"))),
        n_cadres=count_subquery(cadres, "unit"),
        n_cadres_linked=count_subquery(cadres.filter(Exists(linking)), "unit"),
        n_most_households=Coalesce(Subquery(loads), 0),
        n_projects=summed("projects"),
        n_activities=summed("activities"),
        n_work_done=summed(F("projects") + F("activities")),
        n_money=summed(
            F("budget_pooled") + F("budget_unit") + F("budget_donation") + F("budget_village"),
            Value(Decimal("0.00"), DecimalField(max_digits=16, decimal_places=2)),
        ),
    )
    _upsert(UnitFigures, "unit_id", rows)
    gone = UnitFigures.objects.exclude(unit__in=Unit.objects.all())
    _only(gone, "unit", ids).delete()


def _upsert(model: type, key: str, rows: QuerySet) -> None:
    """Write ``rows`` in one statement: each has its key and an ``n_<column>`` per other column."""
    columns = [key] + [field.column for field in model._meta.concrete_fields if field.column != key]
    named = rows.values_list("pk", *(f"n_{column}" for column in columns[1:]))
    select, params = named.query.sql_with_params()
    table = model._meta.db_table
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:])
    with connection.cursor() as cursor:
        # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT * FROM ({select}) AS counted WHERE true "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
            params,
        )


def _insert(model: type, rows: QuerySet) -> None:
    """Write ``rows`` in one statement: each has an ``n_<column>`` per column but the key."""
    columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    named = rows.values_list(*(f"n_{column}" for column in columns))
    select, params = named.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT * FROM ({select}) AS counted",
            params,
        )


def sums_by_row(area: County | Township | Village | None, key: str) -> list[dict[str, Any]]:
    """Every figure of the area's villages summed once for each value of ``key`` (the county,
    township or village of a row of the dashboard's table), with how many villages there are
    and how many have a work group."""
    counted = [
        field.name
        for field in VillageFigures._meta.concrete_fields
        if isinstance(field, models.PositiveIntegerField)
    ]
    sums = (
        VillageFigures.objects.order_by()
        .in_area(area)
        .values(key)
        .annotate(
            villages=Count("pk"),
            linked=Count("pk", filter=Q(has_work_group=True)),
            **{name: Sum(name) for name in counted},
        )
        .order_by()
    )
    return list(sums)


def figures_of_villages(villages: QuerySet) -> QuerySet:
    """The figures of the villages of ``villages`` (a queryset of villages)."""
    return VillageFigures.objects.filter(village__in=villages.order_by().values("pk")).order_by()


def units_with_a_cadre_above(households: int) -> QuerySet:
    """Keys of the units one of whose in-service cadres links more than ``households`` now."""
    return UnitFigures.objects.filter(most_households__gt=households).values("unit_id")


def unit_figures_in(units: QuerySet) -> QuerySet:
    return UnitFigures.objects.filter(unit__in=units.order_by().values("pk")).order_by()
