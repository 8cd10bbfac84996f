"""Reviewing flagged visits: a coordinator dismisses a flag, saying why."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from shuanglian.access.scope import scope_of
from shuanglian.models import Role
from visitflags.models import VisitFlag

# Liaisons see their own cadres' flags but do not clear them: the area's coordinators do.
REVIEWERS = frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP})


def may_review(user: Any) -> bool:
    return scope_of(user).role in REVIEWERS


@transaction.atomic
def dismiss(user: Any, flags: Iterable[VisitFlag], note: str) -> int:
    """Dismiss the open ``flags`` with ``note``, each checked against the user's area; return
    how many were dismissed (those already dismissed are left as they were)."""
    note = note.strip()
    if not note:
        raise ValidationError(gettext("Say why the flag is dismissed."))
    if not may_review(user):
        raise PermissionDenied
    keys = [flag.pk for flag in flags]
    visible = set(
        VisitFlag.objects.visible_to(user).filter(pk__in=keys).values_list("pk", flat=True)
    )
    if visible != set(keys):
        raise PermissionDenied
    return (
        VisitFlag.objects.filter(pk__in=keys)
        .open()
        .update(dismissed_at=timezone.now(), dismissed_by=user, dismissal_note=note)
    )
