"""Linking cadres to households, keeping the history of who was responsible."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from units.models import Cadre, HouseholdAssignment
from units.signals import assignments_changed
from villages.models import Household


@dataclass(frozen=True)
class AssignmentResult:
    """What a bulk assignment did to the households it was given."""

    assigned: int  # had no cadre before
    moved: int  # taken over from another cadre
    unchanged: int  # already with this cadre


@transaction.atomic
def assign_household(
    *, household: Household, cadre: Cadre, on: datetime.date, reason: str = ""
) -> HouseholdAssignment:
    """End the household's active assignment, if any, and start one with ``cadre``."""
    current = (
        HouseholdAssignment.objects.select_for_update().active().filter(household=household).first()
    )
    if current is not None:
        if current.cadre_id == cadre.pk:
            return current
        current.ended_on = on
        current.end_reason = reason
        current.save(update_fields=["ended_on", "end_reason"])
    return HouseholdAssignment.objects.create(household=household, cadre=cadre, started_on=on)


def check_in_service(cadre: Cadre) -> None:
    """Refuse a cadre who has left service: households need someone who can visit them."""
    if not cadre.in_service:
        raise ValidationError(
            gettext("%(name)s is no longer in service; choose a cadre in service.")
            % {"name": cadre.name},
            code="cadre_not_in_service",
        )


def lock_households(households: QuerySet[Household] | Iterable[Household]) -> list[int]:
    """Lock the households' rows, in primary-key order, and return their keys.

    Whoever holds the lock may read their active assignments and change them without another
    writer starting an assignment in between.
    """
    if isinstance(households, QuerySet):
        keys: object = households.order_by().values("pk")
    else:
        keys = sorted({household.pk for household in households})
    return list(
        Household.objects.select_for_update()
        .filter(pk__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _active_by_household(household_ids: list[int]) -> dict[int, HouseholdAssignment]:
    return {
        assignment.household_id: assignment
        for assignment in HouseholdAssignment.objects.active()
        .filter(household_id__in=household_ids)
        .only("pk", "household_id", "cadre_id", "started_on")
    }


def _end(assignments: list[HouseholdAssignment], *, on: datetime.date, reason: str) -> None:
    latest_start = max((a.started_on for a in assignments), default=on)
    if latest_start > on:
        raise ValidationError(
            gettext(
                "The date is before some of these households' current assignments began "
                "(the latest on %(date)s); choose a date on or after it."
            )
            % {"date": latest_start.isoformat()},
            code="ends_before_start",
        )
    HouseholdAssignment.objects.filter(pk__in=[a.pk for a in assignments]).update(
        ended_on=on, end_reason=reason
    )


def check_scope(
    by: AbstractBaseUser | None, *, household_ids: Iterable[int] = (), cadres: Iterable[Cadre] = ()
) -> None:
    """Refuse households or cadres outside the user's scope; ``by=None`` is the system itself."""
    if by is None:
        return
    wanted = set(household_ids)
    seen = Household.objects.visible_to(by).filter(pk__in=wanted).count() if wanted else 0
    cadre_ids = {cadre.pk for cadre in cadres}
    seen_cadres = Cadre.objects.visible_to(by).filter(pk__in=cadre_ids).count() if cadre_ids else 0
    if seen != len(wanted) or seen_cadres != len(cadre_ids):
        raise PermissionDenied(gettext("Some of these households or cadres are outside your area."))


def _start(household_ids: list[int], *, cadre: Cadre, on: datetime.date) -> None:
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household_id=pk, cadre=cadre, started_on=on) for pk in household_ids
    )


@transaction.atomic
def assign_households(
    *,
    households: QuerySet[Household] | Iterable[Household],
    cadre: Cadre,
    on: datetime.date,
    reason: str = "",
    by: AbstractBaseUser | None = None,
) -> AssignmentResult:
    """Make ``cadre`` responsible for ``households`` from ``on``, ending other cadres' links."""
    check_in_service(cadre)
    household_ids = lock_households(households)
    check_scope(by, household_ids=household_ids, cadres=[cadre])
    current = _active_by_household(household_ids)
    moving = [a for a in current.values() if a.cadre_id != cadre.pk]
    _end(moving, on=on, reason=reason)
    staying = {a.household_id for a in current.values() if a.cadre_id == cadre.pk}
    _start([pk for pk in household_ids if pk not in staying], cadre=cadre, on=on)
    result = AssignmentResult(
        assigned=len(household_ids) - len(current),
        moved=len(moving),
        unchanged=len(staying),
    )
    assignments_changed.send(
        sender=HouseholdAssignment,
        action="assign",
        cadre=cadre,
        households=result.assigned + result.moved,
        details={"moved": result.moved, "unchanged": result.unchanged, "on": on.isoformat()},
    )
    return result


@transaction.atomic
def hand_over_households(
    *,
    from_cadre: Cadre,
    to_cadre: Cadre,
    on: datetime.date,
    reason: str,
    by: AbstractBaseUser | None = None,
) -> int:
    """Move every household ``from_cadre`` is responsible for to ``to_cadre``; return how many."""
    if from_cadre.pk == to_cadre.pk:
        raise ValidationError(
            gettext("Choose another cadre to hand the households over to."), code="same_cadre"
        )
    check_in_service(to_cadre)
    check_scope(by, cadres=[from_cadre, to_cadre])
    household_ids = lock_households(
        Household.objects.filter(assignments__cadre=from_cadre, assignments__ended_on=None)
    )
    # Read again under the lock: only what is still with from_cadre is handed over.
    moving = [
        a for a in _active_by_household(household_ids).values() if a.cadre_id == from_cadre.pk
    ]
    _end(moving, on=on, reason=reason)
    _start([a.household_id for a in moving], cadre=to_cadre, on=on)
    assignments_changed.send(
        sender=HouseholdAssignment,
        action="hand_over",
        cadre=to_cadre,
        households=len(moving),
        details={"from_cadre": from_cadre.pk, "reason": reason, "on": on.isoformat()},
    )
    return len(moving)


def cadre_responsible_on(*, household: Household, day: datetime.date) -> Cadre | None:
    """The cadre who was responsible for ``household`` on ``day``, if anyone was."""
    assignment = (
        HouseholdAssignment.objects.on(day)
        .filter(household=household)
        .select_related("cadre__unit")
        .first()
    )
    return assignment.cadre if assignment else None
