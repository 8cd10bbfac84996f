"""走访与诉求: how many households were reached lately, and how their needs fare, by area.

A household counts as visited only when a visit met the head or the family
(``Visit.objects.contacts()``). "The last 30 days" are today and the 29 days before it.
Every figure is read from the per-village figures (``shuanglian.figures.rollups``): a fixed number
of queries, whatever the data size.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from shuanglian.figures.coverage import Area, Rate, row_level
from shuanglian.figures.rollups import since
from units.models import HouseholdAssignment
from villages.models import Village
from visits.models import Visit

NONE = Rate(0, 0)


@dataclass(frozen=True)
class NeedCounts:
    raised: int = 0
    open: int = 0
    resolved: int = 0
    overdue: int = 0

    def __add__(self, other: "NeedCounts") -> "NeedCounts":
        return NeedCounts(
            self.raised + other.raised,
            self.open + other.open,
            self.resolved + other.resolved,
            self.overdue + other.overdue,
        )

    @property
    def unresolvable(self) -> int:
        """Closed as 无法解决: every need is open, resolved or this, so the parts add up."""
        return self.raised - self.open - self.resolved


@dataclass(frozen=True)
class VisitRow:
    """The figures of one area: the whole area, or one row of the dashboard's table."""

    visited_30: Rate = NONE
    visited_90: Rate = NONE
    needs: NeedCounts = field(default_factory=NeedCounts)
    # Satisfied or fairly satisfied, of the visits that recorded a satisfaction.
    satisfaction: Rate = NONE


@dataclass
class VisitFigures:
    area: Area
    today: datetime.date
    total: VisitRow
    rows: dict[int, VisitRow]

    def row(self, pk: int) -> VisitRow:
        return self.rows.get(pk, VisitRow())


def _sum(rates: list[Rate]) -> Rate:
    return Rate(sum(r.done for r in rates), sum(r.total for r in rates))


def visit_figures_from(
    area: Area, sums: list[dict[str, Any]], *, today: datetime.date
) -> VisitFigures:
    """Visit and need figures for the area and for each area one level down, from the village
    figures summed by row (``rollups.sums_by_row``), counted for ``today``.

    The tests compare them with a recount of the raw tables (tests/oracles.py).
    """
    key = row_level(area)
    rows = {
        row[key]: VisitRow(
            visited_30=Rate(row["visited_30"], row["households"]),
            visited_90=Rate(row["visited_90"], row["households"]),
            needs=NeedCounts(
                row["needs_raised"], row["needs_open"], row["needs_resolved"], row["needs_overdue"]
            ),
            satisfaction=Rate(row["pleased"], row["rated"]),
        )
        for row in sums
    }
    return VisitFigures(area=area, today=today, total=_total(rows), rows=rows)


def _total(rows: dict[int, VisitRow]) -> VisitRow:
    values = list(rows.values())
    return VisitRow(
        visited_30=_sum([row.visited_30 for row in values]),
        visited_90=_sum([row.visited_90 for row in values]),
        needs=sum((row.needs for row in values), NeedCounts()),
        satisfaction=_sum([row.satisfaction for row in values]),
    )


def rows_beside(figures: VisitFigures, area_rows: list) -> list[tuple[object, VisitRow]]:
    """Pair the coverage table's rows with their visit figures, in the same order."""
    return [(row, figures.row(row.pk)) for row in area_rows]


@dataclass(frozen=True)
class CadreRow:
    """A cadre responsible for households in one village, with how many of them were reached."""

    name: str
    unit: str
    in_service: bool
    households: int
    visited_30: Rate


def cadres_in_village(village: Village, *, today: datetime.date | None = None) -> list[CadreRow]:
    """The cadres responsible for the village's households now; one query."""
    today = today or timezone.localdate()
    seen = Exists(
        Visit.objects.contacts().filter(
            household=OuterRef("household"), visited_on__gte=since(today, 30)
        )
    )
    rows = (
        HouseholdAssignment.objects.active()
        .filter(household__village=village)
        .annotate(seen=seen)
        .values("cadre", "cadre__name", "cadre__unit__name", "cadre__in_service")
        .annotate(households=Count("pk"), visited=Count("pk", filter=Q(seen=True)))
        .order_by("cadre__unit__name", "cadre__name", "cadre")
    )
    return [
        CadreRow(
            name=row["cadre__name"],
            unit=row["cadre__unit__name"],
            in_service=row["cadre__in_service"],
            households=row["households"],
            visited_30=Rate(row["visited"], row["households"]),
        )
        for row in rows
    ]
