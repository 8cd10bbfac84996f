"""Linking cadres to households, keeping the history of who was responsible.

Every assignment is written by ``link_households``, whichever page, command or task asks: it
checks that the cadres are in service, that the acting user's area holds every household and
cadre, and that no cadre is given more than ``ASSIGNMENT_MAX_PER_CADRE`` households unless the
coordinator chose to go over it, which the audit trail records.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.chunks import CHUNK_ROWS
from units.models import Cadre, HouseholdAssignment
from units.signals import assignments_changed
from villages.models import Household

# The label of the tick box that lets a coordinator go over the maximum, on every form that
# assigns households; the refusal names it.
OVER_MAXIMUM_LABEL = _("assign over the maximum")


@dataclass(frozen=True)
class AssignmentResult:
    """What an assignment did to the households it was given."""

    assigned: int  # had no cadre before
    moved: int  # taken over from another cadre
    unchanged: int  # already with this cadre
    skipped: int = 0  # left alone: linked meanwhile, or their cadre left service


def check_in_service(cadre: Cadre) -> None:
    """Refuse a cadre who has left service: households need someone who can visit them."""
    if not cadre.in_service:
        raise ValidationError(
            gettext("%(name)s is no longer in service; choose a cadre in service.")
            % {"name": cadre.name},
            code="cadre_not_in_service",
        )


def lock_households(households: QuerySet[Household] | Iterable[Household | int]) -> list[int]:
    """Lock the households' rows, in primary-key order, and return their keys.

    Whoever holds the lock may read their active assignments and change them without another
    writer starting an assignment in between.
    """
    if isinstance(households, QuerySet):
        keys: object = households.order_by().values("pk")
    else:
        keys = sorted({getattr(household, "pk", household) for household in households})
    return list(
        Household.objects.select_for_update()
        .filter(pk__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_cadres(cadres: Iterable[Cadre]) -> dict[int, Cadre]:
    """Lock the cadres' rows, in primary-key order, and read them again.

    Two coordinators giving households to one cadre at once are counted one after the other.
    """
    keys = sorted({cadre.pk for cadre in cadres})
    return {
        cadre.pk: cadre
        for cadre in Cadre.objects.select_for_update()
        .filter(pk__in=keys)
        .order_by("pk")
        .only("pk", "name", "in_service")
    }


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
    if len(assignments) == 1:
        # One at a time through the model, so that the audit trail records the link itself.
        ended = assignments[0]
        ended.ended_on, ended.end_reason = on, reason
        ended.save(update_fields=["ended_on", "end_reason"])
        return
    HouseholdAssignment.objects.filter(pk__in=[a.pk for a in assignments]).update(
        ended_on=on, end_reason=reason
    )


def _start(links: list[tuple[int, int]], *, on: datetime.date) -> None:
    if len(links) == 1:
        household_id, cadre_id = links[0]
        HouseholdAssignment.objects.create(
            household_id=household_id, cadre_id=cadre_id, started_on=on
        )
        return
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household_id=household_id, cadre_id=cadre_id, started_on=on)
        for household_id, cadre_id in links
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


def active_loads(cadre_ids: Iterable[int]) -> dict[int, int]:
    """How many households each cadre is responsible for now (cadres with none are left out)."""
    keys = sorted(set(cadre_ids))
    loads: dict[int, int] = {}
    for start in range(0, len(keys), CHUNK_ROWS):
        loads.update(
            HouseholdAssignment.objects.active()
            .filter(cadre_id__in=keys[start : start + CHUNK_ROWS])
            .order_by()
            .values("cadre_id")
            .annotate(n=Count("pk"))
            .values_list("cadre_id", "n")
        )
    return loads


def over_maximum_cadres(
    gains: dict[int, int], *, names: dict[int, str], loads: dict[int, int]
) -> list[dict[str, Any]]:
    """The rule of ``ASSIGNMENT_MAX_PER_CADRE``, for every path that links households.

    ``gains`` maps a cadre's key to the households a change gives them, less those it takes
    away; ``loads`` holds their households now (``active_loads``). A cadre who gains and ends
    above the maximum is over it. Each comes as the audit trail records it: key, name,
    households before, households gained.
    """
    maximum = settings.ASSIGNMENT_MAX_PER_CADRE
    return [
        {"cadre": pk, "name": names[pk], "before": loads.get(pk, 0), "added": gained}
        for pk, gained in sorted(gains.items())
        if gained > 0 and loads.get(pk, 0) + gained > maximum
    ]


def check_maximum(added: dict[Cadre, int], *, over_maximum: bool = False) -> list[dict[str, Any]]:
    """Refuse taking any cadre above ``ASSIGNMENT_MAX_PER_CADRE`` households, unless
    ``over_maximum``; return the cadres taken above it (for the audit trail)."""
    gains = {cadre.pk: count for cadre, count in added.items() if count > 0}
    if not gains:
        return []
    over = over_maximum_cadres(
        gains,
        names={cadre.pk: cadre.name for cadre in added},
        loads=active_loads(gains),
    )
    if over and not over_maximum:
        message = gettext(
            "%(name)s already links %(current)s households; %(added)s more would exceed the "
            "maximum of %(max)s per cadre. Tick “%(override)s” to assign them anyway."
        )
        raise ValidationError(
            [
                ValidationError(
                    message
                    % {
                        "name": item["name"],
                        "current": item["before"],
                        "added": item["added"],
                        "max": settings.ASSIGNMENT_MAX_PER_CADRE,
                        "override": OVER_MAXIMUM_LABEL,
                    },
                    code="over_maximum",
                )
                for item in over
            ]
        )
    return over


@transaction.atomic
def link_households(
    *,
    links: Iterable[tuple[Household | int, Cadre]],
    on: datetime.date,
    by: AbstractBaseUser | None,
    reason: str = "",
    over_maximum: bool = False,
    only_from: Cadre | None = None,
    only_free: bool = False,
    action: str = "assign",
    details: dict[str, Any] | None = None,
    record_cadre: bool = True,
) -> AssignmentResult:
    """Make each link's cadre responsible for its household from ``on``: the one write path.

    Other cadres' links end (with ``reason``). ``only_from``: only households still with that
    cadre move. ``only_free``: households linked meanwhile, and cadres who left service, are
    skipped instead of moved or refused. ``by=None`` is the system itself. The audit trail's
    event names the cadre when there is one and ``record_cadre``.
    """
    wanted: dict[int, Cadre] = {getattr(h, "pk", h): cadre for h, cadre in links}
    cadres = _lock_cadres(wanted.values())
    household_ids = lock_households(wanted)
    check_scope(by, household_ids=household_ids, cadres=cadres.values())
    if not only_free:
        for cadre in cadres.values():
            check_in_service(cadre)
    current = _active_by_household(household_ids)
    moving: list[HouseholdAssignment] = []
    starting: list[tuple[int, int]] = []
    unchanged = skipped = 0
    for household_id in household_ids:
        cadre = cadres[wanted[household_id].pk]
        now = current.get(household_id)
        if now is not None and now.cadre_id == cadre.pk and not only_free:
            unchanged += 1
            continue
        taken_meanwhile = only_free and now is not None
        gone = only_from is not None and (now is None or now.cadre_id != only_from.pk)
        if taken_meanwhile or gone or not cadre.in_service:
            skipped += 1
            continue
        if now is not None:
            moving.append(now)
        starting.append((household_id, cadre.pk))
    added = Counter(cadre_id for _household_id, cadre_id in starting)
    over = check_maximum(
        {cadres[pk]: count for pk, count in added.items()}, over_maximum=over_maximum
    )
    _end(moving, on=on, reason=reason)
    _start(starting, on=on)
    result = AssignmentResult(
        assigned=len(starting) - len(moving),
        moved=len(moving),
        unchanged=unchanged,
        skipped=skipped + len(wanted) - len(household_ids),
    )
    audit = {
        **(details or {}),
        "moved": result.moved,
        "unchanged": result.unchanged,
        "on": on.isoformat(),
    }
    if result.skipped:
        audit["skipped"] = result.skipped
    if over:
        audit["over_maximum"] = over
    receiving = {cadre.pk: cadre for cadre in wanted.values()}
    assignments_changed.send(
        sender=HouseholdAssignment,
        action=action,
        cadre=next(iter(receiving.values())) if record_cadre and len(receiving) == 1 else None,
        households=len(starting),
        details=audit,
    )
    return result


def assign_households(
    *,
    households: QuerySet[Household] | Iterable[Household],
    cadre: Cadre,
    on: datetime.date,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    over_maximum: bool = False,
) -> AssignmentResult:
    """Make ``cadre`` responsible for ``households`` from ``on``, ending other cadres' links."""
    check_in_service(cadre)
    if isinstance(households, QuerySet):
        households = households.order_by().values_list("pk", flat=True)
    return link_households(
        links=[(household, cadre) for household in households],
        on=on,
        by=by,
        reason=reason,
        over_maximum=over_maximum,
    )


def assign_household(
    *,
    household: Household,
    cadre: Cadre,
    on: datetime.date,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    over_maximum: bool = False,
) -> HouseholdAssignment:
    """Make ``cadre`` responsible for one household; return its assignment in force."""
    assign_households(
        households=[household], cadre=cadre, on=on, reason=reason, by=by, over_maximum=over_maximum
    )
    return HouseholdAssignment.objects.active().get(household=household)


def check_assignment(
    *,
    household: Household,
    cadre: Cadre,
    by: AbstractBaseUser | None,
    over_maximum: bool = False,
) -> None:
    """What ``assign_household`` would refuse, said before anything is written (for forms)."""
    check_in_service(cadre)
    check_scope(by, household_ids=[household.pk], cadres=[cadre])
    already = HouseholdAssignment.objects.active().filter(household=household, cadre=cadre)
    if not already.exists():
        check_maximum({cadre: 1}, over_maximum=over_maximum)


def hand_over_households(
    *,
    from_cadre: Cadre,
    to_cadre: Cadre,
    on: datetime.date,
    reason: str,
    by: AbstractBaseUser | None = None,
    over_maximum: bool = False,
) -> int:
    """Move the households ``from_cadre`` is responsible for, in ``by``'s area, to ``to_cadre``;
    return how many moved."""
    if from_cadre.pk == to_cadre.pk:
        raise ValidationError(
            gettext("Choose another cadre to hand the households over to."), code="same_cadre"
        )
    check_in_service(to_cadre)
    check_scope(by, cadres=[from_cadre])
    households = handed_over_households(from_cadre=from_cadre, by=by)
    result = link_households(
        links=[(pk, to_cadre) for pk in households.values_list("pk", flat=True)],
        on=on,
        by=by,
        reason=reason,
        over_maximum=over_maximum,
        only_from=from_cadre,
        action="hand_over",
        details={"from_cadre": from_cadre.pk, "reason": reason},
    )
    return result.moved


def handed_over_households(*, from_cadre: Cadre, by: AbstractBaseUser | None) -> QuerySet:
    """The households a hand-over by ``by`` moves: the cadre's, in ``by``'s area."""
    households = Household.objects.filter(
        pk__in=HouseholdAssignment.objects.active().filter(cadre=from_cadre).values("household")
    )
    return households if by is None else households.visible_to(by)


def cadre_responsible_on(*, household: Household, day: datetime.date) -> Cadre | None:
    """The cadre who was responsible for ``household`` on ``day``, if anyone was."""
    assignment = (
        HouseholdAssignment.objects.on(day)
        .filter(household=household)
        .select_related("cadre__unit")
        .first()
    )
    return assignment.cadre if assignment else None
