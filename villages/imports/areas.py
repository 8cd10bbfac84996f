"""Whose area bounds an import: the village, township or county it goes into, and the users
acting on it."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from common.translatable import gettext as _
from villages.models import County, ImportBatch, Township, Village, area_with_code

# The area an import goes into; a kind that does not require one may have none (the city).
ImportScope = Village | Township | County


class OutsideArea(Exception):
    """The chosen village, township or county is not wholly inside the user's area."""


def acting_users(batch: ImportBatch) -> list[Any]:
    """The users whose area every row the batch writes must lie in, loaded afresh.

    The uploader and, once someone confirmed it, the confirmer. An import by the system (the
    command line without ``--by``) is bounded by its confirmer only; a batch whose uploader's
    account is gone is bounded by nobody's area, so it writes nothing.
    """
    wanted = [] if batch.by_system else [batch.created_by_id]
    if batch.confirmed_by_id is not None:
        wanted.append(batch.confirmed_by_id)
    # Fresh rows: a role changed since the check must count at the confirm.
    found = get_user_model()._default_manager.in_bulk([pk for pk in wanted if pk is not None])
    return [found.get(pk, AnonymousUser()) if pk is not None else AnonymousUser() for pk in wanted]


def outside_area(users: list[Any], village_ids: set[int]) -> set[int]:
    """Those of the villages that lie outside the area of any of ``users``."""
    inside = set(village_ids)
    for user in users:
        if not inside:
            break
        visible = Village.objects.visible_to(user).filter(pk__in=inside)
        inside &= set(visible.values_list("pk", flat=True))
    return set(village_ids) - inside


def _villages_outside(user: Any) -> QuerySet:
    return Village.objects.exclude(pk__in=Village.objects.visible_to(user).values("pk"))


def targets_for(user: Any, model: type[ImportScope]) -> QuerySet:
    """The villages, townships or counties ``user`` may import into: those wholly inside
    their area (a township coordinator's own township, not the county around it)."""
    if model is Village:
        return Village.objects.visible_to(user)
    outside = _villages_outside(user)
    if model is Township:
        return Township.objects.visible_to(user).exclude(pk__in=outside.values("township_id"))
    return County.objects.visible_to(user).exclude(pk__in=outside.values("township__county_id"))


def covers(user: Any, area: ImportScope | None) -> bool:
    """Whether every village of ``area`` (None: the whole city) lies in ``user``'s area."""
    if area is None:
        return user.is_authenticated and not _villages_outside(user).exists()
    return targets_for(user, type(area)).filter(pk=area.pk).exists()


def import_scope_for_code(code: str) -> ImportScope:
    """The village, township or county with this 12-digit code (for the command line)."""
    found = area_with_code(code)
    if found is not None:
        return found
    raise LookupError(_("No village, township or county has the code %(code)s.") % {"code": code})
