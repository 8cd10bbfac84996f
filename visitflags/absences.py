"""Days away (出差、培训、休假) that a cadre records for themselves; visits dated on them are
flagged."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from units.models import Cadre, CadreAbsence
from units.people import cadre_of
from visitflags.detection import flag_absence


def own_absences(user: Any) -> Any:
    """The user's own days away, latest first; none for an account without a cadre."""
    return CadreAbsence.objects.visible_to(user).filter(cadre__user=user).order_by("-starts_on")


@transaction.atomic
def record_absence(
    *, user: Any, starts_on: datetime.date, ends_on: datetime.date, reason: str
) -> CadreAbsence:
    """Record days away for the user's own cadre and flag the visits already dated on them."""
    cadre: Cadre | None = cadre_of(user)
    if cadre is None:
        raise PermissionDenied
    if ends_on < starts_on:
        raise ValidationError(gettext("The last day away cannot be before the first."))
    absence = CadreAbsence.objects.create(
        cadre=cadre, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    flag_absence(absence)
    return absence


@transaction.atomic
def delete_absence(*, user: Any, absence_id: int) -> None:
    """Delete one of the user's own days away; the flags it raised stay for review."""
    absence = own_absences(user).filter(pk=absence_id).first()
    if absence is None:
        raise PermissionDenied
    absence.delete()
