"""Spreading a village's uncovered households evenly over the cadres of its work groups."""

import datetime
import hashlib
import heapq
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q

from units.assignments import link_households
from units.models import (
    Cadre,
    CadreQuerySet,
    HouseholdAssignment,
    HouseholdCoverageQuerySet,
    WorkGroup,
    WorkGroupMember,
)
from villages.aggregates import count_subquery
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


@dataclass(frozen=True)
class DistributionResult:
    assigned: int
    skipped: int  # found a cadre meanwhile, or their planned cadre left service


def village_cadres(village: Village) -> CadreQuerySet:
    """The village's in-service group leaders and members, with ``load``, least loaded first.

    Each cadre appears once; ``load`` counts their households in force in every village.
    """
    leads = WorkGroup.objects.filter(village=village, leader=OuterRef("pk"))
    belongs = WorkGroupMember.objects.filter(work_group__village=village, cadre=OuterRef("pk"))
    return (
        Cadre.objects.in_service()
        .filter(Q(Exists(leads)) | Q(Exists(belongs)))
        .select_related("unit")
        .annotate(load=count_subquery(HouseholdAssignment.objects.active(), "cadre"))
        .order_by("load", "pk")
    )


def plan_distribution(*, village: Village, max_per_cadre: int | None = None) -> DistributionPlan:
    """Plan giving each uncovered household of ``village`` to the least-loaded cadre."""
    if max_per_cadre is None:
        max_per_cadre = settings.ASSIGNMENT_MAX_PER_CADRE
    households = list(
        HouseholdCoverageQuerySet.of(Household.objects.in_village(village))
        .uncovered()
        .order_by("pk")
    )
    for household in households:
        household.village = village
    cadres = list(village_cadres(village))

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
    )


def apply_distribution(
    *,
    plan: DistributionPlan,
    on: datetime.date,
    by: AbstractBaseUser | None = None,
    over_maximum: bool = False,
) -> DistributionResult:
    """Start the plan's assignments from ``on``, skipping households that found a cadre."""
    result = link_households(
        links=plan.assignments,
        on=on,
        by=by,
        over_maximum=over_maximum,
        only_free=True,
        action="distribute",
        details={"cadres": sorted({cadre.pk for _household, cadre in plan.assignments})},
        record_cadre=False,
    )
    return DistributionResult(assigned=result.assigned, skipped=result.skipped)
