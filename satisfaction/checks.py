"""What every satisfaction service checks first: who acts, and whether the round is theirs."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from satisfaction import rules
from satisfaction.models import Round


def check_runs(by: AbstractBaseUser | None, round: Round) -> None:
    """Refuse a step on a round the user may not run (``by=None`` is the system)."""
    if by is not None and not rules.may_run(by, round.area):
        raise PermissionDenied(gettext("This survey round is outside your area."))


def locked(round: Round) -> Round:
    """The round as the database holds it now, locked until the step is written."""
    return Round.objects.select_for_update().get(pk=round.pk)


def check_status(round: Round, status: str, message: str) -> None:
    if round.status != status:
        raise ValidationError(message, code="out_of_order")
