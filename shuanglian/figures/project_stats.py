"""项目与资金: what units did for the villages this year, and what the pooled funds paid for.

- Pooled funds of this year's pools granted to an area's projects (approved or later), what of
  it was paid, and what is left to pay, by source department; for the whole city also what
  each department's pools hold and have not yet allocated.
- The area's projects of this year by status, their budget by source of funds, the households
  they serve, and the activities of its work groups this year.
- The units linking its villages that did most and least: projects and activities, then money.

Every figure is read from the per-work-group and per-village rollups
(``shuanglian.figures.rollups``): a fixed number of queries, whatever the data size.
"""

from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext

from projects.models import FundPool
from shuanglian.figures.coverage import Area, Rate, row_level
from shuanglian.models import UnitFigures, VillageFunds, WorkGroupFigures

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
NO_GROUPS = Rate(0, 0)
# How many units the dashboard names as doing most, and as doing least.
RANKED = 5


@dataclass(frozen=True)
class ProjectCounts:
    """Projects by status (``Project.Status``)."""

    planned: int = 0
    underway: int = 0
    completed: int = 0
    accepted: int = 0

    def __add__(self, other: "ProjectCounts") -> "ProjectCounts":
        return ProjectCounts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def total(self) -> int:
        return self.planned + self.underway + self.completed + self.accepted


@dataclass(frozen=True)
class Budget:
    """Projects' budgets by source of funds, in 元."""

    pooled: Decimal = ZERO
    unit: Decimal = ZERO
    donation: Decimal = ZERO
    village: Decimal = ZERO

    def __add__(self, other: "Budget") -> "Budget":
        return Budget(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def total(self) -> Decimal:
        return self.pooled + self.unit + self.donation + self.village


@dataclass(frozen=True)
class ProjectRow:
    """The figures of one area: the whole area, or one row of the dashboard's table."""

    projects: ProjectCounts = field(default_factory=ProjectCounts)
    budget: Budget = field(default_factory=Budget)
    # Households the projects serve, as each project counts them.
    beneficiaries: int = 0
    activities: int = 0
    # Work groups with a project or an activity this year, of all the work groups.
    groups: Rate = NO_GROUPS
    # Pooled funds granted to the projects (approved or later), and paid.
    allocated: Decimal = ZERO
    paid: Decimal = ZERO

    def __add__(self, other: "ProjectRow") -> "ProjectRow":
        return ProjectRow(
            projects=self.projects + other.projects,
            budget=self.budget + other.budget,
            beneficiaries=self.beneficiaries + other.beneficiaries,
            activities=self.activities + other.activities,
            groups=Rate(
                self.groups.done + other.groups.done, self.groups.total + other.groups.total
            ),
            allocated=self.allocated + other.allocated,
            paid=self.paid + other.paid,
        )

    @property
    def left(self) -> Decimal:
        """Granted and not yet paid."""
        return self.allocated - self.paid

    @property
    def per_household(self) -> Decimal | None:
        """The projects' whole budget per household served; None when they name none."""
        if not self.beneficiaries:
            return None
        return (self.budget.total / self.beneficiaries).quantize(CENT)


@dataclass(frozen=True)
class SourceFunds:
    """One source department's pooled funds: granted in the area, and paid."""

    source: str
    allocated: Decimal = ZERO
    paid: Decimal = ZERO
    # For the whole city: what the department's pools of the year hold and have allocated.
    pools: Decimal | None = None
    pools_allocated: Decimal | None = None

    @property
    def label(self) -> str:
        return str(FundPool.Source(self.source).label)

    @property
    def left(self) -> Decimal:
        return self.allocated - self.paid

    @property
    def unallocated(self) -> Decimal | None:
        if self.pools is None or self.pools_allocated is None:
            return None
        return self.pools - self.pools_allocated


@dataclass(frozen=True)
class UnitRank:
    """A unit linking villages in the area, by what it did there this year."""

    pk: int
    name: str
    projects: int
    activities: int
    # The whole budget of its projects there.
    money: Decimal

    @property
    def done(self) -> int:
        return self.projects + self.activities


@dataclass
class ProjectFigures:
    area: Area
    year: int
    total: ProjectRow
    rows: dict[int, ProjectRow]
    sources: list[SourceFunds]
    most: list[UnitRank]
    least: list[UnitRank]

    def row(self, pk: int) -> ProjectRow:
        return self.rows.get(pk, ProjectRow())

    @property
    def has_pools(self) -> bool:
        return any(source.pools is not None for source in self.sources)

    @property
    def pools(self) -> Decimal:
        return sum((source.pools or ZERO for source in self.sources), start=ZERO)

    @property
    def unallocated(self) -> Decimal:
        return sum((source.unallocated or ZERO for source in self.sources), start=ZERO)


def _values(obj: object) -> list[object]:
    return [getattr(obj, f.name) for f in fields(obj)]


STATUSES = [f.name for f in fields(ProjectCounts)]
BUDGETS = [f"budget_{f.name}" for f in fields(Budget)]


def project_figures(area: Area, *, year: int) -> ProjectFigures:
    """The area's project and fund figures of ``year``, from the rollups, which must be up to
    date for that year (``rollups.bring_up_to_date``): three queries, four for the city.

    The tests compare them with a recount of the raw tables (tests/oracles.py).
    """
    key = row_level(area)
    groups = WorkGroupFigures.objects.order_by().in_area(area)
    counted = ["beneficiaries", "activities", *STATUSES, *BUDGETS]
    by_row = groups.values(key).annotate(
        groups=Count("pk"),
        active=Count("pk", filter=~Q(projects=0, activities=0)),
        **{name: Sum(name) for name in counted},
    )
    funds = (
        VillageFunds.objects.order_by()
        .in_area(area)
        .values(key, "source")
        .annotate(allocated=Sum("allocated"), paid=Sum("paid"))
    )
    rows: dict[int, ProjectRow] = {}
    for sums in by_row.order_by():
        rows[sums[key]] = ProjectRow(
            projects=ProjectCounts(*(sums[status] for status in STATUSES)),
            budget=Budget(*(sums[budget] for budget in BUDGETS)),
            beneficiaries=sums["beneficiaries"],
            activities=sums["activities"],
            groups=Rate(sums["active"], sums["groups"]),
        )
    by_source: dict[str, tuple[Decimal, Decimal]] = {}
    for sums in funds.order_by():
        row = rows.get(sums[key], ProjectRow())
        rows[sums[key]] = ProjectRow(
            **{f.name: getattr(row, f.name) for f in fields(row)}
            | {"allocated": row.allocated + sums["allocated"], "paid": row.paid + sums["paid"]}
        )
        allocated, paid = by_source.get(sums["source"], (ZERO, ZERO))
        by_source[sums["source"]] = (allocated + sums["allocated"], paid + sums["paid"])
    pools = _pools(year) if area is None else {}
    sources = [
        SourceFunds(source, *by_source.get(source, (ZERO, ZERO)), *pools.get(source, (None, None)))
        for source in FundPool.Source.values
    ]
    most, least = _ranked(groups) if area is not None else _ranked_in_city()
    return ProjectFigures(
        area=area,
        year=year,
        total=sum(rows.values(), start=ProjectRow()),
        rows=rows,
        sources=sources,
        most=most,
        least=least,
    )


def _pools(year: int) -> dict[str, tuple[Decimal, Decimal]]:
    """What each department's pools of the year hold and have allocated."""
    pools = FundPool.objects.filter(year=year).order_by().values("source")
    return {
        row["source"]: (row["amount"], row["allocated"])
        for row in pools.annotate(amount=Sum("amount"), allocated=Sum("allocated"))
    }


def _ranked_in_city() -> tuple[list[UnitRank], list[UnitRank]]:
    """The same ranking of the whole city, from the units' own figures (the sums of their work
    groups'): two queries over one row per unit instead of grouping every work group."""
    units = (
        UnitFigures.objects.filter(links_village=True)
        .order_by()
        .values("unit", "unit__name", "projects", "activities", "work_done", "money")
    )

    def ranks(rows: QuerySet) -> list[UnitRank]:
        return [
            UnitRank(
                row["unit"], row["unit__name"], row["projects"], row["activities"], row["money"]
            )
            for row in rows[:RANKED]
        ]

    # Ties go by key, so that both orders read the rank index (unit_figures_rank) alone.
    most = ranks(units.order_by("-work_done", "-money", "-unit"))
    rest = units.exclude(unit__in=[rank.pk for rank in most])
    least = ranks(rest.order_by("work_done", "money", "unit"))
    return most, least


def _ranked(groups: QuerySet) -> tuple[list[UnitRank], list[UnitRank]]:
    """The units that did most, and of the others those that did least: one query, the units
    of an area being few enough to be ordered here."""
    by_unit = groups.values("unit", "unit__name").annotate(
        n_projects=Sum("projects"),
        n_activities=Sum("activities"),
        money=Sum(
            F("budget_pooled") + F("budget_unit") + F("budget_donation") + F("budget_village")
        ),
    )
    ranks = [
        UnitRank(
            row["unit"], row["unit__name"], row["n_projects"], row["n_activities"], row["money"]
        )
        for row in by_unit.order_by()
    ]
    most = sorted(ranks, key=lambda r: (-r.done, -r.money, -r.pk))[:RANKED]
    chosen = {rank.pk for rank in most}
    rest = [rank for rank in ranks if rank.pk not in chosen]
    least = sorted(rest, key=lambda r: (r.done, r.money, r.pk))[:RANKED]
    return most, least


def money_chart(figures: ProjectFigures) -> dict[str, object]:
    """Pooled funds by source department in 万元: granted and paid; for the city, the pools too."""
    sources = [s for s in figures.sources if s.allocated or s.pools]
    series = []
    if figures.has_pools:
        series.append(
            {
                "name": gettext("in the pools (10,000 yuan)"),
                "data": [_wan(s.pools or ZERO) for s in sources],
            }
        )
    series += [
        {"name": gettext("allocated (10,000 yuan)"), "data": [_wan(s.allocated) for s in sources]},
        {"name": gettext("disbursed (10,000 yuan)"), "data": [_wan(s.paid) for s in sources]},
    ]
    return {"names": [s.label for s in sources], "percent": False, "money": True, "series": series}


def status_chart(figures: ProjectFigures, names: dict[int, str]) -> dict[str, object]:
    """This year's projects by status, stacked, for each area one level down (``names``)."""
    labels = {
        "planned": gettext("planned"),
        "underway": gettext("underway"),
        "completed": gettext("completed"),
        "accepted": gettext("accepted"),
    }
    return {
        "names": list(names.values()),
        "percent": False,
        "series": [
            {
                "name": label,
                "stack": "projects",
                "data": [getattr(figures.row(pk).projects, status) for pk in names],
            }
            for status, label in labels.items()
        ],
    }


def _wan(amount: Decimal) -> float:
    """An amount in 万元 (10,000 yuan) for a chart, to two places."""
    return float((amount / 10000).quantize(CENT))
