"""What every assessments service checks first: who acts, and whether the village is theirs.

``by=None`` is the system (the demo data, a management command): it is not checked.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from assessments.models import Assessment
from villages.models import Village


def check_sees(by: AbstractBaseUser | None, assessment: Assessment) -> None:
    """Refuse a step on an assessment the user may not see."""
    if by is not None and not Assessment.objects.visible_to(by).filter(pk=assessment.pk).exists():
        raise PermissionDenied(gettext("This assessment is outside your area."))


def check_may(
    by: AbstractBaseUser | None, decision: Callable[[Any, Village], bool], village: Village
) -> None:
    """Refuse unless ``decision`` lets the user take the step for ``village``."""
    if by is not None and not decision(by, village):
        raise PermissionDenied(gettext("You may not take this step."))


def check_not_approved(assessment: Assessment) -> None:
    """An approved assessment is the year's record: nothing in it changes any more."""
    if assessment.status == Assessment.Status.APPROVED:
        raise ValidationError(
            gettext("An approved assessment cannot be changed."), code="assessment_approved"
        )


def locked(assessment: Assessment) -> Assessment:
    """The assessment read again under a row lock, so that two steps cannot cross."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("village", "checklist")
        .get(pk=assessment.pk)
    )
