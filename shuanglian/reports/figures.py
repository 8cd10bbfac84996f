"""The figures of a periodic report: one row per division of the area, and their total.

Standing figures (villages, households, coverage, approved assessments, measured
satisfaction) come from the rollups as of the day the report is made; flows (visits, needs,
projects and money) are counted from the raw tables between the period's first and last day,
through their date indexes. The total is counted over the whole area by its own queries, not
added up from the rows, so that a row lost or counted twice shows up as a difference.
A fixed number of queries, whatever the size of the area.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.models import GRANTED, Allocation, Disbursement, Project
from shuanglian.access.decisions import may_see_area_figures
from shuanglian.figures import rollups
from shuanglian.figures.ranking import RankedRow, ranking
from shuanglian.models import VillageFigures
from shuanglian.reports.periods import Period
from villages.models import City, County, Township, Village
from villages.models.areas import area_with_code
from villages.validators import mask_resident_id
from visits.models import Need, Visit

ReportArea = City | County | Township
ZERO = Decimal("0.00")
OVERDUE_LISTED = 20

# The division each level's rows are of, as a lookup from a village and from VillageFigures.
_DIVISION = {"city": "county", "county": "township", "township": "village"}
_THROUGH_VILLAGE = {
    "county": "village__township__county",
    "township": "village__township",
    "village": "village",
}


@dataclasses.dataclass
class Row:
    """One division's figures, or the area's total."""

    pk: int | None
    code: str
    name: str
    villages: int = 0
    villages_linked: int = 0
    households: int = 0
    households_covered: int = 0
    visits: int = 0
    households_visited: int = 0
    needs_raised: int = 0
    needs_resolved: int = 0
    needs_overdue: int = 0
    projects: int = 0
    money_allocated: Decimal = ZERO
    money_paid: Decimal = ZERO
    assessed_approved: int = 0
    rated: int = 0
    pleased: int = 0
    # The previous period's flows, for 环比.
    visits_before: int = 0
    needs_raised_before: int = 0
    needs_resolved_before: int = 0

    @property
    def coverage(self) -> float | None:
        """Households covered as a share (0–1); None without households."""
        return self.households_covered / self.households if self.households else None

    @property
    def satisfaction(self) -> float | None:
        """Pleased visits of the rated ones (0–1); None when none was rated."""
        return self.pleased / self.rated if self.rated else None

    @property
    def visits_change(self) -> float | None:
        return change(self.visits, self.visits_before)

    @property
    def needs_change(self) -> float | None:
        return change(self.needs_raised, self.needs_raised_before)

    def figures(self) -> dict[str, Any]:
        """The counted figures by name, without the key, code and name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("pk", "code", "name")
        }


# Figures a total reconciles with its rows on.
SUMMED = [f.name for f in dataclasses.fields(Row) if f.name not in ("pk", "code", "name")]


def change(now: int, before: int) -> float | None:
    """The change from ``before`` to ``now`` as a share (0.125 is +12.5%); None from zero."""
    if not before:
        return None
    return (now - before) / before


@dataclasses.dataclass(frozen=True)
class OverdueNeed:
    village: str
    household: str
    category: str
    raised_on: datetime.date
    level: str
    days_without_progress: int


@dataclasses.dataclass
class ReportFigures:
    area: ReportArea
    period: Period
    previous: Period
    # The standing figures are as of this day; the flows run to ``flows_to``.
    as_of: datetime.date
    flows_to: datetime.date
    division_label: str
    rows: list[Row]
    total: Row
    townships: list[RankedRow]
    units: list[RankedRow]
    overdue: list[OverdueNeed]
    summary: str

    @property
    def area_name(self) -> str:
        return self.area.name

    @property
    def overdue_more(self) -> int:
        """How many overdue needs are left out of the list."""
        return max(self.total.needs_overdue - len(self.overdue), 0)


# --- finding the area ----------------------------------------------------------------


def find_area(code: str) -> ReportArea:
    """The city, county or township with this code; ValueError (in Chinese) otherwise."""
    code = (code or "").strip()
    area: Any = City.objects.filter(code=code).first()
    if area is None and len(code) == 12 and code.isdigit():
        area = area_with_code(code)
    if area is None:
        raise ValueError(
            _("No city, county or township has the area code %(code)s.") % {"code": code}
        )
    if isinstance(area, Village):
        raise ValueError(refused_village())
    return area


def refused_village() -> str:
    return _("Reports are made for the city, a county or a township, not for a village.")


def check_access(user: Any, area: ReportArea) -> None:
    """PermissionDenied unless ``user`` (None: the system) may see the area's figures."""
    if user is None:
        return
    if not may_see_area_figures(user, None if isinstance(area, City) else area):
        raise PermissionDenied(_("You may not see the figures of %(area)s.") % {"area": area.name})


# --- counting ---------------------------------------------------------------------------


def report_figures(
    *, user: Any, area: ReportArea, period: Period, today: datetime.date
) -> ReportFigures:
    """The report's figures for ``area`` over ``period``, for ``user`` (None: the system)."""
    if isinstance(area, Village):
        raise ValueError(refused_village())
    check_access(user, area)
    rollups.bring_up_to_date(today)
    level = area.level
    division = _DIVISION[level]
    scope = None if level == "city" else area
    previous = period.previous()
    as_of = today
    flows_to = min(period.end, today)

    divisions = _divisions(area)
    rows = {d.pk: Row(d.pk, d.code, d.name) for d in divisions}
    total = Row(None, area.code, _("Total"))

    standing = VillageFigures.objects.order_by().in_area(scope)
    for values in standing.values(division).annotate(**_standing_sums()).order_by():
        _fill(rows.get(values.pop(division)), values)
    _fill(total, standing.aggregate(**_standing_sums()))

    group = _THROUGH_VILLAGE[division]
    visits = Visit.objects.order_by().in_area(scope).contacts()
    visits = visits.filter(visited_on__gte=previous.start, visited_on__lte=period.end)
    visit_counts = _visit_counts(period)
    for values in visits.values(group).annotate(**visit_counts).order_by():
        _fill(rows.get(values.pop(group)), values)
    _fill(total, visits.aggregate(**visit_counts))

    needs = Need.objects.order_by().in_area(scope).filter(raised_on__lte=period.end)
    need_counts = _need_counts(period, previous, flows_to)
    for values in needs.values(group).annotate(**need_counts).order_by():
        _fill(rows.get(values.pop(group)), values)
    _fill(total, needs.aggregate(**need_counts))

    projects = Project.objects.order_by().in_area(scope)
    projects = projects.filter(created_at__date__gte=period.start, created_at__date__lte=period.end)
    for values in projects.values(group).annotate(projects=Count("pk")).order_by():
        _fill(rows.get(values.pop(group)), values)
    _fill(total, projects.aggregate(projects=Count("pk")))

    allocated = _money(
        Allocation.objects.order_by().filter(status__in=GRANTED),
        "project__",
        scope,
        approved_at__date__gte=period.start,
        approved_at__date__lte=period.end,
    )
    for values in (
        allocated.values(f"project__{group}").annotate(money_allocated=Sum("amount")).order_by()
    ):
        _fill(rows.get(values.pop(f"project__{group}")), values)
    _fill(total, allocated.aggregate(money_allocated=Sum("amount")))

    paid = _money(
        Disbursement.objects.order_by(),
        "allocation__project__",
        scope,
        paid_on__gte=period.start,
        paid_on__lte=period.end,
    )
    key = f"allocation__project__{group}"
    for values in paid.values(key).annotate(money_paid=Sum("amount")).order_by():
        _fill(rows.get(values.pop(key)), values)
    _fill(total, paid.aggregate(money_paid=Sum("amount")))

    overdue = _overdue_list(needs.filter(_overdue_at(flows_to)), flows_to)
    ranked = ranking(scope, today=today)
    figures = ReportFigures(
        area=area,
        period=period,
        previous=previous,
        as_of=as_of,
        flows_to=flows_to,
        division_label=_division_label(division),
        rows=list(rows.values()),
        total=total,
        townships=ranked.townships,
        units=ranked.units,
        overdue=overdue,
        summary="",
    )
    figures.summary = summary(figures)
    return figures


def _divisions(area: ReportArea) -> list[Any]:
    if isinstance(area, City):
        found: QuerySet = County.objects.filter(city=area)
    elif isinstance(area, County):
        found = Township.objects.filter(county=area)
    else:
        found = Village.objects.filter(township=area)
    return list(found.only("pk", "code", "name").order_by("code"))


def _division_label(division: str) -> str:
    return {
        "county": _("County or district"),
        "township": _("Township or subdistrict"),
        "village": _("Village or community"),
    }[division]


def _standing_sums() -> dict[str, Any]:
    return {
        "villages": Count("pk"),
        "villages_linked": Count("pk", filter=Q(has_work_group=True)),
        "households": Sum("households"),
        "households_covered": Sum("covered"),
        "assessed_approved": Sum("assessed_approved"),
        "rated": Sum("rated"),
        "pleased": Sum("pleased"),
    }


def _visit_counts(period: Period) -> dict[str, Any]:
    now = Q(visited_on__gte=period.start)
    return {
        "visits": Count("pk", filter=now),
        "households_visited": Count("household", filter=now, distinct=True),
        "visits_before": Count("pk", filter=~now),
    }


def _overdue_at(day: datetime.date) -> Q:
    """Open on ``day`` and overdue then, as ``NeedQuerySet.overdue`` decides it on that day:
    for today, exactly its needs; for a day past, from the dates the needs keep."""
    limit = day - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)
    still_open = Q(closed_on__isnull=True) | Q(closed_on__gt=day)
    late = Q(progressed_on__lt=limit) | (~Q(level=Need.Level.CADRE) & Q(due_on__lt=day))
    return Q(raised_on__lte=day) & still_open & late


def _need_counts(period: Period, previous: Period, day: datetime.date) -> dict[str, Any]:
    def raised(p: Period) -> Q:
        return Q(raised_on__gte=p.start, raised_on__lte=p.end)

    def resolved(p: Period) -> Q:
        return Q(status=Need.Status.RESOLVED, closed_on__gte=p.start, closed_on__lte=p.end)

    return {
        "needs_raised": Count("pk", filter=raised(period)),
        "needs_resolved": Count("pk", filter=resolved(period)),
        "needs_overdue": Count("pk", filter=_overdue_at(day)),
        "needs_raised_before": Count("pk", filter=raised(previous)),
        "needs_resolved_before": Count("pk", filter=resolved(previous)),
    }


def _money(rows: QuerySet, to_project: str, scope: ReportArea | None, **dates: Any) -> QuerySet:
    rows = rows.filter(**dates)
    if scope is not None:
        rows = rows.filter(**{f"{to_project}{_THROUGH_VILLAGE[scope.level]}": scope.pk})
    return rows


def _fill(row: Row | None, values: dict[str, Any]) -> None:
    if row is None:
        return
    for name, value in values.items():
        if value is None:
            continue
        setattr(row, name, getattr(row, name) + value)


def mask_name(name: str) -> str:
    """The family name and a star for every other character: 张**."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _overdue_list(needs: QuerySet, day: datetime.date) -> list[OverdueNeed]:
    rows = needs.select_related("household", "village__township").order_by("progressed_on", "pk")
    listed = []
    for need in rows[:OVERDUE_LISTED]:
        village = need.village or need.household.village
        listed.append(
            OverdueNeed(
                village=f"{village.township.name}{village.name}",
                household=f"{mask_name(need.household.head_name)}（{mask_resident_id(need.household.id_number)}）",
                category=need.get_category_display(),
                raised_on=need.raised_on,
                level=need.get_level_display(),
                days_without_progress=need.days_without_progress(day),
            )
        )
    return listed


def percent_text(share: float | None) -> str:
    if share is None:
        return "—"
    return f"{share * 100:+.1f}%"


def summary(figures: ReportFigures) -> str:
    """本期走访农户…户次，环比…；新增诉求…件，办结…件；超期诉求…件：…"""
    total = figures.total
    parts = [
        _(
            "This period %(visits)d visits were made to households (%(households)d households), "
            "%(change)s on the previous period;"
        )
        % {
            "visits": total.visits,
            "households": total.households_visited,
            "change": _change_words(total.visits_change),
        },
        _("%(raised)d needs were raised (%(change)s) and %(resolved)d resolved;")
        % {
            "raised": total.needs_raised,
            "change": _change_words(total.needs_change),
            "resolved": total.needs_resolved,
        },
    ]
    if total.needs_overdue:
        named = "、".join(f"{n.village}{n.household}" for n in figures.overdue[:3])
        if total.needs_overdue > 3:
            named += etc(total.needs_overdue)
        parts.append(
            _("%(overdue)d needs are overdue: %(named)s.")
            % {"overdue": total.needs_overdue, "named": named}
        )
    else:
        parts.append(_("no need is overdue."))
    return "".join(parts)


def etc(count: int) -> str:
    """等N件: the end of a list that names only some of ``count`` needs."""
    return ngettext(", %(count)d in all", ", %(count)d in all", count) % {"count": count}


def _change_words(share: float | None) -> str:
    if share is None:
        return _("no comparison")
    if share >= 0:
        return _("up %(percent).1f%%") % {"percent": share * 100}
    return _("down %(percent).1f%%") % {"percent": -share * 100}


def sum_rows(rows: Iterable[Row]) -> dict[str, Any]:
    """Every summed figure added up over ``rows``: what the total must equal."""
    sums: dict[str, Any] = dict.fromkeys(SUMMED, 0)
    for row in rows:
        for name in SUMMED:
            sums[name] += getattr(row, name)
    return sums
