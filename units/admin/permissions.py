"""Who keeps a unit and its cadres in the admin."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from units.models import Unit
from units.rules import may_edit_unit


def keeps(request: HttpRequest, unit: Unit | None) -> bool:
    """Whether the user keeps ``unit`` (None: the page of no unit in particular)."""
    return unit is None or may_edit_unit(request.user, unit)


def refuse_unkept(request: HttpRequest, units: list[Unit]) -> None:
    """Refuse a bulk change that touches a unit the user does not keep (a forged selection)."""
    if not all(may_edit_unit(request.user, unit) for unit in units):
        raise PermissionDenied
