"""Spreading a village's uncovered households evenly over the cadres of its work groups."""

import datetime
import hashlib
import heapq
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext

from common.aggregates import count_subquery
from units.assignments import link_households
from units.coverage import HouseholdCoverageQuerySet
from units.models import (
    Cadre,
    CadreQuerySet,
    HouseholdAssignment,
    WorkGroup,
    WorkGroupMember,
)
from villages.models import Household, Village


@dataclass(frozen=True)
class CadreLoad:
    """A cadre's number of households in force, before and after the plan."""

    cadre: Cadre
    before: int
    after: int

    @property
    def added(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class DistributionPlan:
    """Who would get which uncovered household of a village, and what is left over."""

    village: Village
    max_per_cadre: int
    assignments: list[tuple[Household, Cadre]]
    leftovers: list[Household]
    loads: list[CadreLoad]
    # Only looked up when the village has no cadre to give households to.
    has_work_group: bool = True

    @property
    def household_count(self) -> int:
        """Uncovered households of the village when the plan was made."""
        return len(self.assignments) + len(self.leftovers)

    @property
    def fingerprint(self) -> str:
        """Names this exact plan, so a confirmation applies what the coordinator saw."""
        pairs = ";".join(f"{household.pk}:{cadre.pk}" for household, cadre in self.assignments)
        text = f"{self.village.pk}|{self.max_per_cadre}|{pairs}"
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def shortage(self) -> str:
        """Why households are left over, naming the village; "" when none are."""
        values = {"village": self.village, "max": self.max_per_cadre}
        if not self.leftovers:
            return ""
        if not self.has_work_group:
            return (
                gettext(
                    "%(village)s has no work group: no unit links this village yet. Link a "
                    "unit's work group to it first."
                )
                % values
            )
        if not self.loads:
            return (
                gettext(
                    "The work groups of %(village)s have no cadre in service. Add cadres in "
                    "service to a work group first."
                )
                % values
            )
        return (
            gettext(
                "Every cadre of the work groups of %(village)s has reached the maximum of "
                "%(max)s households."
            )
            % values
        )


@dataclass(frozen=True)
class DistributionResult:
    assigned: int
    skipped: int  # found a cadre meanwhile, or their planned cadre left service
    # Of the skipped, when the preview was confirmed: heads of households that found a cadre
    # after the preview, and how many were planned for a cadre who left the work groups or
    # service.
    taken_meanwhile: list[str] = field(default_factory=list)
    cadre_gone: int = 0


def village_cadres(village: Village, *, by: AbstractBaseUser | None = None) -> CadreQuerySet:
    """The village's in-service group leaders and members, with ``load``, least loaded first.

    Each cadre appears once; ``load`` counts their households in force in every village. With
    ``by``, only the cadres that user may assign (a liaison: their own unit's).
    """
    leads = WorkGroup.objects.filter(village=village, leader=OuterRef("pk"))
    belongs = WorkGroupMember.objects.filter(work_group__village=village, cadre=OuterRef("pk"))
    cadres = Cadre.objects.all() if by is None else Cadre.objects.visible_to(by)
    return (
        cadres.in_service()
        .filter(Q(Exists(leads)) | Q(Exists(belongs)))
        .select_related("unit")
        .annotate(load=count_subquery(HouseholdAssignment.objects.active(), "cadre"))
        .order_by("load", "pk")
    )


def plan_distribution(
    *, village: Village, max_per_cadre: int | None = None, by: AbstractBaseUser | None = None
) -> DistributionPlan:
    """Plan giving each uncovered household of ``village`` to the least-loaded cadre (of those
    ``by`` may assign, when given)."""
    if max_per_cadre is None:
        max_per_cadre = settings.ASSIGNMENT_MAX_PER_CADRE
    households = list(
        HouseholdCoverageQuerySet.of(Household.objects.in_area(village)).uncovered().order_by("pk")
    )
    for household in households:
        household.village = village
    cadres = list(village_cadres(village, by=by))
    has_work_group = bool(cadres) or WorkGroup.objects.filter(village=village).exists()

    # Smallest (load, pk) first: even loads, ties to the longest-serving record.
    heap = [(cadre.load, cadre.pk, index) for index, cadre in enumerate(cadres)]
    heapq.heapify(heap)
    loads = [cadre.load for cadre in cadres]
    assignments: list[tuple[Household, Cadre]] = []
    for household in households:
        if not heap or heap[0][0] >= max_per_cadre:
            break
        load, pk, index = heapq.heappop(heap)
        assignments.append((household, cadres[index]))
        loads[index] = load + 1
        heapq.heappush(heap, (load + 1, pk, index))

    return DistributionPlan(
        village=village,
        max_per_cadre=max_per_cadre,
        assignments=assignments,
        leftovers=households[len(assignments) :],
        loads=[
            CadreLoad(cadre=cadre, before=cadre.load, after=after)
            for cadre, after in zip(cadres, loads, strict=True)
        ],
        has_work_group=has_work_group,
    )


def apply_distribution(
    *,
    plan: DistributionPlan,
    on: datetime.date,
    by: AbstractBaseUser | None = None,
    over_maximum: bool = False,
) -> DistributionResult:
    """Start the plan's assignments from ``on``, skipping households that found a cadre."""
    return _distribute(links=plan.assignments, on=on, by=by, over_maximum=over_maximum)


def _distribute(
    *,
    links: list[tuple[Household | int, Cadre]],
    on: datetime.date,
    by: AbstractBaseUser | None,
    over_maximum: bool,
) -> DistributionResult:
    result = link_households(
        links=links,
        on=on,
        by=by,
        over_maximum=over_maximum,
        only_free=True,
        action="distribute",
        details={"cadres": sorted({cadre.pk for _household, cadre in links})},
        record_cadre=False,
    )
    return DistributionResult(assigned=result.assigned, skipped=result.skipped)


# A preview travels with the confirmation, signed; an older one is planned again.
PREVIEW_SALT = "units.distribution.preview"
PREVIEW_MAX_AGE = datetime.timedelta(hours=12)


def seal_plan(plan: DistributionPlan, *, by: AbstractBaseUser) -> str:
    """The plan as shown to ``by``, signed, for the confirmation to apply exactly that."""
    pairs = [[household.pk, cadre.pk] for household, cadre in plan.assignments]
    data = {"village": plan.village.pk, "user": by.pk, "links": pairs}
    return signing.dumps(data, salt=PREVIEW_SALT, compress=True)


def unseal_plan(
    token: str, *, village: Village, by: AbstractBaseUser
) -> list[tuple[int, int]] | None:
    """The (household, cadre) keys of a plan ``seal_plan`` gave ``by`` for ``village``; None
    when the token is not one, or is too old."""
    try:
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("village") != village.pk or data.get("user") != by.pk:
        return None
    return [(int(household), int(cadre)) for household, cadre in data["links"]]


def confirm_distribution(
    *,
    village: Village,
    links: list[tuple[int, int]],
    on: datetime.date,
    by: AbstractBaseUser,
    over_maximum: bool = False,
) -> DistributionResult:
    """Apply a previewed plan of ``village`` as it was shown, checked again as it is now.

    Households that found a cadre since the preview are skipped and named, as are those
    planned for a cadre who has since left the village's work groups or service; the scope of
    ``by`` and the maximum are checked again by ``link_households``.
    """
    if not Village.objects.visible_to(by).filter(pk=village.pk).exists():
        raise PermissionDenied(gettext("Some of these households or cadres are outside your area."))
    cadres = {cadre.pk: cadre for cadre in village_cadres(village, by=by)}
    household_ids = [household for household, _cadre in links]
    taken = dict(
        HouseholdAssignment.objects.active()
        .filter(household_id__in=household_ids)
        .order_by("household_id")
        .values_list("household_id", "household__head_name")
    )
    kept = [
        (household, cadres[cadre])
        for household, cadre in links
        if household not in taken and cadre in cadres
    ]
    gone = sum(1 for household, cadre in links if household not in taken and cadre not in cadres)
    result = (
        _distribute(links=kept, on=on, by=by, over_maximum=over_maximum)
        if kept
        else DistributionResult(assigned=0, skipped=0)
    )
    return DistributionResult(
        assigned=result.assigned,
        skipped=result.skipped + len(taken) + gone,
        taken_meanwhile=list(taken.values()),
        cadre_gone=gone,
    )
