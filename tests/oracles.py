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
  satisfied ones are the pleased ones.

Records belong to their household's village. Each figure is an aggregate query over the raw
tables grouped by the row of the dashboard's table: the benchmarks time these as the baseline.
"""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shuanglian.figures.coverage import AreaRow, Coverage, Rate
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
