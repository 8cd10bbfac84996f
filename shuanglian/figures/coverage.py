"""The campaign's two participations and two coverages, for the city or one of its areas.

全参与: units that link at least one village; in-service cadres that link households.
全覆盖: villages with a linked unit; households with a responsible cadre.
Every figure comes from a fixed number of aggregate queries, whatever the data size.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from assessments.models import RectificationItem
from common.aggregates import count_subquery
from shuanglian.figures import rollups
from shuanglian.models import VillageFigures, WorkGroupFigures
from units.coverage import HouseholdCoverageQuerySet
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    WorkGroup,
    WorkGroupMember,
)
from villages.models import County, Household, Township, Village

Area = County | Township | Village | None


@dataclass(frozen=True)
class Rate:
    done: int
    total: int

    @property
    def missing(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> float | None:
        """Share done, in percent with one decimal; None when there is nothing to count."""
        if not self.total:
            return None
        return round(100 * self.done / self.total, 1)


@dataclass
class AreaRow:
    """One county, township or village of the table under the headline figures."""

    pk: int
    code: str
    name: str
    villages: Rate
    households: Rate
    units: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    area: Area
    units: Rate
    cadres: Rate
    villages: Rate
    households: Rate
    row_level: str
    rows: list[AreaRow]


def has_work_group() -> Exists:
    return Exists(WorkGroup.objects.filter(village=OuterRef("pk")))


def units_linking_villages_in(area: Area) -> int:
    """How many units, wherever they are based, link at least one village in the area."""
    return (
        WorkGroup.objects.filter(village__in=Village.objects.in_area(area).values("pk"))
        .values("unit")
        .distinct()
        .count()
    )


def row_areas(area: Area) -> QuerySet:
    """The areas of the table under an area: the city's counties, or the area's divisions."""
    return County.objects.all() if area is None else area.divisions()


def row_level(area: Area) -> str:
    """The level of the table's rows; also the field of a village's figures that names the
    row it belongs to."""
    return row_areas(area).model.level


def coverage_from(area: Area, sums: list[dict[str, Any]]) -> Coverage:
    """The four rates for the area, and the table of the areas one level down, from the
    village figures summed by row (``rollups.sums_by_row``) and the unit figures.

    The tests compare them with a recount of the raw tables (tests/oracles.py).
    """
    areas = row_areas(area)
    key = areas.model.level
    by_key = {row[key]: row for row in sums}
    rows = []
    for area_row in areas.order_by("code").values("pk", "code", "name"):
        counts = by_key.get(area_row["pk"], {})
        rows.append(
            AreaRow(
                **area_row,
                villages=Rate(counts.get("linked", 0), counts.get("villages", 0)),
                households=Rate(counts.get("covered", 0), counts.get("households", 0)),
            )
        )
    if areas.model.is_village:
        _attach_units(area, rows)
    units = rollups.unit_figures_in(Unit.objects.in_area(area)).aggregate(
        units=Count("pk"),
        linking=Count("pk", filter=Q(links_village=True)),
        cadres=Coalesce(Sum("cadres"), 0),
        linked=Coalesce(Sum("cadres_linked"), 0),
    )
    return Coverage(
        area=area,
        units=Rate(units["linking"], units["units"]),
        cadres=Rate(units["linked"], units["cadres"]),
        villages=Rate(sum(r.villages.done for r in rows), sum(r.villages.total for r in rows)),
        households=Rate(
            sum(r.households.done for r in rows), sum(r.households.total for r in rows)
        ),
        row_level=key,
        rows=rows,
    )


def _attach_units(area: Township | Village, rows: list[AreaRow]) -> None:
    """List each village row's linked units, by name."""
    by_village = {row.pk: row for row in rows}
    for village_id, unit_name in (
        WorkGroup.objects.filter(village__in=Village.objects.in_area(area))
        .order_by("unit__name")
        .values_list("village_id", "unit__name")
    ):
        by_village[village_id].units.append(unit_name)


# --- Gap lists: what keeps each rate below 100 % -----------------------------------------


@dataclass(frozen=True)
class Gap:
    slug: str
    title: Any
    rate: str


GAPS = {
    gap.slug: gap
    for gap in (
        Gap("villages", _("Villages without a linked unit"), "villages"),
        Gap("households", _("Households without a responsible cadre"), "households"),
        Gap("units", _("Units that link no village"), "units"),
        Gap("cadres", _("In-service cadres without households"), "cadres"),
        Gap("overloaded", _("Cadres above the maximum number of households"), "cadres"),
        Gap("groups", _("Work groups with no project or activity this year"), "groups"),
        Gap("rectification", _("Overdue rectification items"), "rectification"),
    )
}


def max_households_per_cadre() -> int:
    return settings.ASSIGNMENT_MAX_PER_CADRE


def gap_queryset(slug: str, area: Area) -> QuerySet:
    """The rows of one gap list, ready to show: related rows joined, stable order."""
    if slug == "villages":
        return (
            Village.objects.in_area(area)
            .filter(~has_work_group())
            .select_related("township__county")
            .annotate(household_count=count_subquery(Household.objects.all(), "village"))
            .order_by("code")
        )
    if slug == "households":
        return (
            HouseholdCoverageQuerySet.of(Household.objects.in_area(area))
            .not_covered()
            .select_related("village__township__county")
            .order_by("village__code", "pk")
        )
    if slug == "units":
        return (
            Unit.objects.in_area(area)
            .filter(~Exists(WorkGroup.objects.filter(unit=OuterRef("pk"))))
            .select_related("county", "township")
            .annotate(cadre_count=count_subquery(Cadre.objects.in_service(), "unit"))
            .order_by("level", "name")
        )
    if slug == "groups":
        # From the rollups, as the dashboard counts them: this year's projects and activities.
        rollups.bring_up_to_date()
        idle = WorkGroupFigures.objects.order_by().in_area(area).idle()
        return (
            WorkGroup.objects.filter(pk__in=idle.values("work_group_id"))
            .select_related("unit", "leader", "village__township__county")
            .order_by("village__code", "unit__name", "pk")
        )
    if slug == "rectification":
        return (
            RectificationItem.objects.in_area(area)
            .overdue()
            .select_related("assessment__village__township__county", "criterion")
            .order_by("deadline", "pk")
        )
    active_load = count_subquery(HouseholdAssignment.objects.active(), "cadre")
    cadres = (
        Cadre.objects.in_service().in_area(area).select_related("unit").annotate(load=active_load)
    )
    if slug == "cadres":
        return cadres.filter(load=0).order_by("unit__name", "name", "pk")
    if slug == "overloaded":
        # Only the units whose figures say one of their cadres is above the maximum: counting
        # every cadre's households in the city reads millions of assignments.
        maximum = max_households_per_cadre()
        rollups.bring_up_to_date()
        units = rollups.units_with_a_cadre_above(maximum)
        return cadres.filter(unit__in=units, load__gt=maximum).order_by("-load", "pk")
    raise KeyError(slug)


def gap_count(slug: str, area: Area) -> int | None:
    """The length of a gap list, from the rollups where they hold it; None: count the rows."""
    if slug == "households":
        rollups.bring_up_to_date()
        total = (
            VillageFigures.objects.order_by()
            .in_area(area)
            .aggregate(missing=Coalesce(Sum(F("households") - F("covered")), 0))
        )
        return total["missing"]
    if slug == "cadres":
        rollups.bring_up_to_date()
        total = rollups.unit_figures_in(Unit.objects.in_area(area)).aggregate(
            missing=Coalesce(Sum(F("cadres") - F("cadres_linked")), 0)
        )
        return total["missing"]
    if slug == "groups":
        rollups.bring_up_to_date()
        return WorkGroupFigures.objects.order_by().in_area(area).idle().count()
    if slug == "rectification":
        rollups.bring_up_to_date()
        total = (
            VillageFigures.objects.order_by()
            .in_area(area)
            .aggregate(overdue=Coalesce(Sum("rectification_overdue"), 0))
        )
        return total["overdue"]
    return None


# The household list's "linked cadre" choices (shuanglian.admin_households.CadreStatusFilter).
LINKED_IN_SERVICE, NOT_LINKED, LINKED_LEFT_SERVICE = "active", "none", "stale"


def household_list_length(villages: QuerySet, linked: str | None) -> int:
    """How many households of ``villages`` have the linked-cadre state ``linked`` (anything
    else: all of them), from the rollups: exact, without reading the households."""
    rollups.bring_up_to_date()
    total = rollups.figures_of_villages(villages).aggregate(
        households=Coalesce(Sum("households"), 0),
        covered=Coalesce(Sum("covered"), 0),
        assigned=Coalesce(Sum("assigned"), 0),
    )
    if linked == LINKED_IN_SERVICE:
        return total["covered"]
    if linked == NOT_LINKED:
        return total["households"] - total["assigned"]
    if linked == LINKED_LEFT_SERVICE:
        return total["assigned"] - total["covered"]
    return total["households"]


def attach_group_villages(cadres: list[Cadre]) -> None:
    """Set ``group_villages`` on each cadre: the villages of the work groups they are in."""
    by_cadre: dict[int, dict[int, Village]] = {cadre.pk: {} for cadre in cadres}
    # Leaders and members each found through their own index, then united: an OR across the
    # members' join reads every membership of the city.
    leading = WorkGroup.objects.filter(leader__in=by_cadre).values_list(
        "leader_id", "village_id", "village__name"
    )
    members = WorkGroupMember.objects.filter(cadre__in=by_cadre).values_list(
        "cadre_id", "work_group__village_id", "work_group__village__name"
    )
    for cadre_id, village_id, village_name in leading.order_by().union(members.order_by()):
        by_cadre[cadre_id][village_id] = Village(pk=village_id, name=village_name)
    for cadre in cadres:
        cadre.group_villages = sorted(by_cadre[cadre.pk].values(), key=lambda v: v.name)


def subareas(area: Area) -> QuerySet:
    """The counties of the city, or the townships of a county, to narrow a list down."""
    areas = row_areas(area)
    # A list narrows down to a township at most, not to one of its villages.
    return areas.none() if areas.model.is_village else areas.order_by("code")
