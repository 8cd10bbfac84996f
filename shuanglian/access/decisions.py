"""Decisions beyond seeing rows: whose figures a user may read, and who keeps a unit."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from shuanglian.access.scope import Scope, scope_of
from shuanglian.models import Role
from units.models import Cadre, Unit
from units.rules import EDIT_UNIT, ISSUE_LOGIN
from units.rules import decisions as unit_decisions
from villages.models import County, Township, Village

# --- dashboards -------------------------------------------------------------------------


def home_area(user: Any) -> County | Township | None:
    """The area a coordinator's dashboards open on: their county or township; None: the city."""
    scope = scope_of(user)
    if scope.role == Role.COUNTY:
        return County.objects.get(pk=scope.county_id)
    if scope.role == Role.TOWNSHIP:
        return Township.objects.select_related("county").get(pk=scope.township_id)
    return None


def may_see_area_figures(user: Any, area: County | Township | Village | None) -> bool:
    """Whether the user may see the figures and gap lists of ``area`` (None: the whole city):
    a coordinator those of their county or township and of every area within it."""
    scope = scope_of(user)
    if scope.is_city:
        return True
    # Compared by key only: the coordinator's own area need not be read.
    if scope.role == Role.COUNTY:
        home: County | Township = County(pk=scope.county_id)
    elif scope.role == Role.TOWNSHIP:
        home = Township(pk=scope.township_id)
    else:
        return False
    return area is not None and home.contains(area)


# --- who keeps a unit: editing it and issuing its cadres' passwords ---------------------


def _keeps_unit(scope: Scope, unit: Unit) -> bool:
    """Its own liaison, and the coordinators at or above the unit's level, over its area.

    Every area a unit links villages in sees it; only the level it belongs to keeps it.
    """
    if scope.is_city:
        return True
    if scope.role == Role.LIAISON:
        return unit.pk == scope.unit_id
    if scope.role == Role.COUNTY:
        return unit.level != Unit.Level.CITY and unit.county_id == scope.county_id
    if scope.role == Role.TOWNSHIP:
        return unit.level == Unit.Level.TOWNSHIP and unit.township_id == scope.township_id
    return False


def may_edit_unit(user: Any, unit: Unit) -> bool:
    """Whether ``user`` may change or delete ``unit`` and its cadres' records.

    City-level units by city coordinators, county-level ones by their county's coordinators
    (and the city's), township-level ones by their township's (and above), and any unit by
    its own liaison.
    """
    return _keeps_unit(scope_of(user), unit)


def may_issue_login(user: Any, cadre: Cadre) -> bool:
    """Whether ``user`` may create or reset ``cadre``'s sign-in account (a password they know).

    Whoever keeps the cadre's unit (``may_edit_unit``); never for an account that is also a
    superuser's or holds a role other than cadre: that one is reset on the account's own page.
    """
    if not _keeps_unit(scope_of(user), cadre.unit):
        return False
    if cadre.user_id is None:
        return True
    privileged = Q(is_superuser=True) | (Q(scope__isnull=False) & ~Q(scope__role=Role.CADRE))
    return not get_user_model().objects.filter(privileged, pk=cadre.user_id).exists()


def install() -> None:
    """Answer the decisions units asks for by name (``units.rules``)."""
    unit_decisions[EDIT_UNIT] = may_edit_unit
    unit_decisions[ISSUE_LOGIN] = may_issue_login
