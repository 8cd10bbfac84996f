"""The dashboards' figures counted straight from the raw tables, to check the rollups against.

Written from the campaign's rules, not from the code they check: nothing here calls the
coverage, visit-figure or rollup modules, nor the models' named filters (``active()``,
``in_service()``, ``contacts()``, ``open()``, ``overdue()``), so a mistake in any of them
shows up as a difference. Only the result types are shared. The rules:

- a village is linked when a unit has a work group in it;
- a household is covered when one of its assignments has not ended and that cadre is still
  in service; a unit takes part when it has a work group in any village; a cadre in service
  takes part when one of their assignments has not ended;
- the units of a county are those with that county (its county- and township-level units),
  of a township those with that township, of a village those with a work group in it;
- a household was visited in the last N days when a visit dated today or one of the N - 1
  days before met the head or the family;
- a need is open while to do or in progress; it is overdue when open and either its last
  progress is more than ``settings.NEED_OVERDUE_DAYS`` days before today, or it has been
  escalated above the cadre and its deadline is before today;
- of the visits that met someone and recorded a satisfaction, the satisfied and the fairly
  satisfied ones are the pleased ones;
- a project counts in the year it is of, an activity in the year it was held, and each in
  its own village; pooled funds count for the projects they were granted to once the city
  approved them (approved, disbursed or accepted), from the pools of the year; a work group
  is at work when it has a project or an activity of the year; a unit's part in an area is
  its projects and activities there, then their whole budget, and the most are named first
  (ties: the later unit first); of the units left, the fewest are named first (ties: the
  earlier unit first).

Records belong to their household's village. Each figure is an aggregate query over the raw
tables grouped by the row of the dashboard's table: the benchmarks time these as the baseline.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from projects.models import Activity, Allocation, FundPool, Project
from shuanglian.figures.coverage import AreaRow, Coverage, Rate
from shuanglian.figures.project_stats import (
    Budget,
    ProjectCounts,
    ProjectFigures,
    ProjectRow,
    SourceFunds,
    UnitRank,
)
from shuanglian.figures.visit_stats import NeedCounts, VisitFigures, VisitRow
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages.models import County, Household, Township, Village
from visits.models import Need, Satisfaction, Visit

Area = County | Township | Village | None

OPEN = [Need.Status.PENDING, Need.Status.IN_PROGRESS]
PLEASED = [Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED]


def _path(village: str, field: str) -> str:
    """``field`` of the village reached by ``village`` ("" for a village itself)."""
    return f"{village}__{field}" if village else field


def _within(area: Area, village: str) -> Q:
    """Rows whose village, reached by ``village``, lies in the area."""
    if area is None:
        return Q()
    if isinstance(area, County):
        return Q(**{_path(village, "township__county"): area})
    if isinstance(area, Township):
        return Q(**{_path(village, "township"): area})
    return Q(**{village or "pk": area.pk})


def _row_of(area: Area, village: str) -> str:
    """The field naming the table row that the village reached by ``village`` falls in."""
    if area is None:
        return _path(village, "township__county")
    if isinstance(area, County):
        return _path(village, "township")
    return village or "pk"


def _table(area: Area) -> tuple[str, QuerySet]:
    """The level of the table's rows under the area, and its rows: one level down."""
    if area is None:
        return "county", County.objects.all()
    if isinstance(area, County):
        return "township", Township.objects.filter(county=area)
    if isinstance(area, Township):
        return "village", Village.objects.filter(township=area)
    return "village", Village.objects.filter(pk=area.pk)


def _units(area: Area) -> QuerySet:
    if area is None:
        return Unit.objects.all()
    if isinstance(area, County):
        return Unit.objects.filter(county=area)
    if isinstance(area, Township):
        return Unit.objects.filter(township=area)
    return Unit.objects.filter(pk__in=WorkGroup.objects.filter(village=area).values("unit"))


def _by_row(queryset: QuerySet, row: str, **counts: Count) -> dict[int, dict[str, int]]:
    """``counts`` over ``queryset``, one dict per table row (keyed by the row's pk)."""
    return {
        values.pop(row): values for values in queryset.values(row).annotate(**counts).order_by()
    }


def _added(rates: list[Rate]) -> Rate:
    return Rate(sum(rate.done for rate in rates), sum(rate.total for rate in rates))


def recount_coverage(area: Area) -> Coverage:
    """``figures_for(area).coverage`` (shuanglian.figures.summary), counted from the raw tables."""
    linked = Exists(WorkGroup.objects.filter(village=OuterRef("pk")))
    villages = _by_row(
        Village.objects.filter(_within(area, "")),
        _row_of(area, ""),
        total=Count("pk"),
        done=Count("pk", filter=linked),
    )
    covered = Exists(
        HouseholdAssignment.objects.filter(
            household=OuterRef("pk"), ended_on=None, cadre__in_service=True
        )
    )
    households = _by_row(
        Household.objects.filter(_within(area, "village")),
        _row_of(area, "village"),
        total=Count("pk"),
        done=Count("pk", filter=covered),
    )
    level, table = _table(area)
    rows = [
        AreaRow(
            **row,
            villages=Rate(**villages.get(row["pk"], {"done": 0, "total": 0})),
            households=Rate(**households.get(row["pk"], {"done": 0, "total": 0})),
        )
        for row in table.order_by("code").values("pk", "code", "name")
    ]
    if level == "village":
        # Each village's linked units, by name.
        by_pk = {row.pk: row for row in rows}
        for village, unit in (
            WorkGroup.objects.filter(village__in=by_pk)
            .order_by("unit__name")
            .values_list("village", "unit__name")
        ):
            by_pk[village].units.append(unit)

    units = _units(area)
    taking_part = Exists(WorkGroup.objects.filter(unit=OuterRef("pk")))
    unit_counts = units.aggregate(total=Count("pk"), done=Count("pk", filter=taking_part))
    linking = Exists(HouseholdAssignment.objects.filter(cadre=OuterRef("pk"), ended_on=None))
    cadre_counts = Cadre.objects.filter(in_service=True, unit__in=units).aggregate(
        total=Count("pk"), done=Count("pk", filter=linking)
    )
    return Coverage(
        area=area,
        units=Rate(**unit_counts),
        cadres=Rate(**cadre_counts),
        villages=_added([row.villages for row in rows]),
        households=_added([row.households for row in rows]),
        row_level=level,
        rows=rows,
    )


def recount_visit_figures(area: Area, *, today: datetime.date | None = None) -> VisitFigures:
    """``figures_for(area, today=today).visits``, from the raw
    tables."""
    today = today or timezone.localdate()

    def met_in_last(days: int) -> Exists:
        first_day = today - datetime.timedelta(days=days - 1)
        return Exists(
            Visit.objects.filter(
                household=OuterRef("pk"),
                outcome=Visit.Outcome.MET,
                visited_on__range=(first_day, today),
            )
        )

    households = _by_row(
        Household.objects.filter(_within(area, "village")),
        _row_of(area, "village"),
        households=Count("pk"),
        visited_30=Count("pk", filter=met_in_last(30)),
        visited_90=Count("pk", filter=met_in_last(90)),
    )
    no_progress_since = today - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)
    needs = _by_row(
        Need.objects.filter(_within(area, "household__village")),
        _row_of(area, "household__village"),
        raised=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN)),
        resolved=Count("pk", filter=Q(status=Need.Status.RESOLVED)),
        overdue=Count(
            "pk",
            filter=Q(status__in=OPEN)
            & (
                Q(progressed_on__lt=no_progress_since)
                | (~Q(level=Need.Level.CADRE) & Q(due_on__lt=today))
            ),
        ),
    )
    ratings = _by_row(
        Visit.objects.filter(
            _within(area, "household__village"), outcome=Visit.Outcome.MET
        ).exclude(satisfaction=""),
        _row_of(area, "household__village"),
        total=Count("pk"),
        done=Count("pk", filter=Q(satisfaction__in=PLEASED)),
    )

    rows = {}
    for pk in households.keys() | needs.keys() | ratings.keys():
        reached = households.get(pk, {"households": 0, "visited_30": 0, "visited_90": 0})
        rows[pk] = VisitRow(
            visited_30=Rate(reached["visited_30"], reached["households"]),
            visited_90=Rate(reached["visited_90"], reached["households"]),
            needs=NeedCounts(**needs.get(pk, {})),
            satisfaction=Rate(**ratings.get(pk, {"done": 0, "total": 0})),
        )
    parts = ("raised", "open", "resolved", "overdue")
    total = VisitRow(
        visited_30=_added([row.visited_30 for row in rows.values()]),
        visited_90=_added([row.visited_90 for row in rows.values()]),
        needs=NeedCounts(
            **{part: sum(getattr(row.needs, part) for row in rows.values()) for part in parts}
        ),
        satisfaction=_added([row.satisfaction for row in rows.values()]),
    )
    return VisitFigures(area=area, today=today, total=total, rows=rows)


GRANTED = [Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.ACCEPTED]
ZERO = Decimal("0.00")
RANKED = 5


def recount_project_figures(area: Area, *, year: int | None = None) -> ProjectFigures:
    """``figures_for(area).projects`` for ``year`` (default: this year), from the raw tables."""
    year = year or timezone.localdate().year
    row = _row_of(area, "village")
    projects = Project.objects.filter(_within(area, "village"), year=year)
    by_status = {status: Count("pk", filter=Q(status=status)) for status in Project.Status.values}
    budgets = ("budget_pooled", "budget_unit", "budget_donation", "budget_village")
    project_sums = {
        values.pop(row): values
        for values in projects.values(row)
        .annotate(
            beneficiaries=Sum("beneficiary_count"),
            **by_status,
            **{budget: Sum(budget) for budget in budgets},
        )
        .order_by()
    }
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    activities = Activity.objects.filter(_within(area, "village"), held_on__range=(first, last))
    activity_counts = _by_row(activities, row, n=Count("pk"))
    at_work = Exists(Project.objects.filter(work_group=OuterRef("pk"), year=year)) | Exists(
        Activity.objects.filter(work_group=OuterRef("pk"), held_on__range=(first, last))
    )
    groups = _by_row(
        WorkGroup.objects.filter(_within(area, "village")),
        row,
        total=Count("pk"),
        done=Count("pk", filter=at_work),
    )
    granted = Allocation.objects.filter(
        _within(area, "project__village"), pool__year=year, status__in=GRANTED
    )
    funds = {}
    for values in (
        granted.values(_row_of(area, "project__village"), "pool__source")
        .annotate(allocated=Sum("amount"), paid=Sum("paid"))
        .order_by()
    ):
        key = values[_row_of(area, "project__village")]
        allocated, paid = funds.get(key, (ZERO, ZERO))
        funds[key] = (allocated + values["allocated"], paid + values["paid"])

    rows = {}
    for pk in project_sums.keys() | activity_counts.keys() | groups.keys() | funds.keys():
        sums = project_sums.get(pk, {})
        rows[pk] = ProjectRow(
            projects=ProjectCounts(**{s: sums.get(s, 0) for s in Project.Status.values}),
            budget=Budget(*(sums.get(budget) or ZERO for budget in budgets)),
            beneficiaries=sums.get("beneficiaries") or 0,
            activities=activity_counts.get(pk, {}).get("n", 0),
            groups=Rate(**groups.get(pk, {"done": 0, "total": 0})),
            allocated=funds.get(pk, (ZERO, ZERO))[0],
            paid=funds.get(pk, (ZERO, ZERO))[1],
        )
    total = ProjectRow()
    for values in rows.values():
        total += values

    by_source = {
        values["pool__source"]: values
        for values in granted.values("pool__source")
        .annotate(allocated=Sum("amount"), paid=Sum("paid"))
        .order_by()
    }
    pools = {}
    if area is None:
        for values in (
            FundPool.objects.filter(year=year)
            .values("source")
            .annotate(amount=Sum("amount"))
            .order_by()
        ):
            pools[values["source"]] = (
                values["amount"],
                by_source.get(values["source"], {}).get("allocated") or ZERO,
            )
    sources = [
        SourceFunds(
            source,
            by_source.get(source, {}).get("allocated") or ZERO,
            by_source.get(source, {}).get("paid") or ZERO,
            *pools.get(source, (None, None)),
        )
        for source in FundPool.Source.values
    ]
    most, least = _ranked_units(area, projects, activities)
    return ProjectFigures(
        area=area, year=year, total=total, rows=rows, sources=sources, most=most, least=least
    )


def _ranked_units(
    area: Area, projects: QuerySet, activities: QuerySet
) -> tuple[list[UnitRank], list[UnitRank]]:
    """The units with a work group in the area, by their projects and activities there."""
    linking = Unit.objects.filter(
        pk__in=WorkGroup.objects.filter(_within(area, "village")).values("unit")
    )
    done = {unit.pk: [unit.name, 0, 0, ZERO] for unit in linking}
    for project in projects:
        done[project.unit_id][1] += 1
        done[project.unit_id][3] += (
            project.budget_pooled
            + project.budget_unit
            + project.budget_donation
            + project.budget_village
        )
    for unit_id in activities.values_list("unit_id", flat=True):
        done[unit_id][2] += 1
    ranks = [UnitRank(pk, *values) for pk, values in done.items()]
    most = sorted(ranks, key=lambda r: (-r.done, -r.money, -r.pk))[:RANKED]
    rest = [rank for rank in ranks if rank not in most]
    least = sorted(rest, key=lambda r: (r.done, r.money, r.pk))[:RANKED]
    return most, least
