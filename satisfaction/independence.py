"""The independence rule: nobody interviews in a village their own unit or work group serves.

A cadre may not interview in a village where their unit has a work group, where they belong to
a work group, or where they hold an active link to a household. Checked when an interviewer is
assigned and again with every answer recorded, since roles change.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from units.models import Cadre, HouseholdAssignment, WorkGroup, WorkGroupMember
from villages.models import Village


def reason_not_independent(cadre: Cadre, village: Village) -> str | None:
    """Why ``cadre`` may not interview in ``village``, in the reader's language; None: they may."""
    names = {"cadre": cadre.name, "village": village.name}
    if WorkGroup.objects.filter(unit_id=cadre.unit_id, village_id=village.pk).exists():
        return (
            gettext("%(cadre)s cannot interview in %(village)s: their unit has a work group there.")
            % names
        )
    if WorkGroupMember.objects.filter(cadre=cadre, work_group__village_id=village.pk).exists():
        return (
            gettext("%(cadre)s cannot interview in %(village)s: they belong to a work group there.")
            % names
        )
    if HouseholdAssignment.objects.active().filter(cadre=cadre, village_id=village.pk).exists():
        return (
            gettext(
                "%(cadre)s cannot interview in %(village)s: they are linked to households there."
            )
            % names
        )
    return None


def check_independent(cadre: Cadre, village: Village) -> None:
    """Refuse ``cadre`` as an interviewer in ``village`` unless the rule allows it."""
    reason = reason_not_independent(cadre, village)
    if reason is not None:
        raise ValidationError(reason, code="not_independent")


def blocked_pairs(cadres: Iterable[Cadre]) -> set[tuple[int, int]]:
    """The (cadre, village) pairs the rule forbids, for many cadres in three queries."""
    cadres = list(cadres)
    by_unit: dict[int, list[int]] = {}
    for cadre in cadres:
        by_unit.setdefault(cadre.unit_id, []).append(cadre.pk)
    blocked: set[tuple[int, int]] = set()
    for unit_id, village_id in WorkGroup.objects.filter(unit_id__in=by_unit).values_list(
        "unit_id", "village_id"
    ):
        blocked.update((cadre_id, village_id) for cadre_id in by_unit[unit_id])
    keys = [cadre.pk for cadre in cadres]
    blocked.update(
        WorkGroupMember.objects.filter(cadre_id__in=keys).values_list(
            "cadre_id", "work_group__village_id"
        )
    )
    blocked.update(
        HouseholdAssignment.objects.active()
        .filter(cadre_id__in=keys)
        .order_by()
        .values_list("cadre_id", "village_id")
        .distinct()
    )
    return blocked
