"""Decisions beyond seeing rows: whose figures a user may read, and who keeps a unit."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from assessments import rules as assessment_rules
from projects import rules as project_rules
from satisfaction import rules as survey_rules
from shuanglian.access.scope import Scope, scope_of
from shuanglian.models import Role
from units.models import Cadre, Unit, WorkGroup
from units.rules import EDIT_UNIT, ISSUE_LOGIN
from units.rules import decisions as unit_decisions
from villages.models import County, Township, Village
from visits import rules as visit_rules
from visits.models import Visit

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


# --- projects and funds ------------------------------------------------------------------


def _over_village(scope: Scope, village: Village) -> bool:
    """Whether an area coordinator's area holds ``village`` (compared by keys)."""
    if scope.is_city:
        return True
    if scope.role == Role.COUNTY:
        return Township.objects.filter(pk=village.township_id, county_id=scope.county_id).exists()
    if scope.role == Role.TOWNSHIP:
        return village.township_id == scope.township_id
    return False


def may_keep_projects(user: Any, work_group: WorkGroup) -> bool:
    """Its unit's liaison, and the coordinators over its village, keep a work group's projects
    and activities."""
    scope = scope_of(user)
    if scope.role == Role.LIAISON:
        return work_group.unit_id == scope.unit_id
    return _over_village(scope, work_group.village)


def may_review_project(user: Any, project: Any) -> bool:
    """The coordinators over the project's village review its applications and accept it."""
    return _over_village(scope_of(user), project.village)


def may_approve_funds(user: Any, obj: Any = None) -> bool:
    """City coordinators approve allocations, pay them out and keep the fund pools."""
    return scope_of(user).is_city


def may_see_ledger(user: Any, area: County | Township | Village | None) -> bool:
    """Coordinators take the ledger of their own area and of any area within it; a unit's
    liaison that of an area holding a village the unit links (its rows are the unit's own).
    Without an area, every coordinator takes what they may see."""
    scope = scope_of(user)
    if not scope.is_coordinator:
        return False
    if area is None or scope.is_city:
        return True
    if scope.role == Role.LIAISON:
        return Village.objects.in_area(area).filter(pk__in=scope.linked_village_ids).exists()
    return may_see_area_figures(user, area)


# --- 双创: assessments and survey rounds -------------------------------------------------


def may_keep_checklist(user: Any, obj: Any = None) -> bool:
    """City coordinators keep the assessment checklists."""
    return scope_of(user).is_city


def may_fill_assessment(user: Any, village: Village) -> bool:
    """A village's self-assessment is filled by the liaison of a unit linked to it and by the
    coordinators of its township."""
    scope = scope_of(user)
    if scope.role == Role.LIAISON:
        return village.pk in scope.linked_village_ids
    if scope.role == Role.TOWNSHIP or scope.is_city:
        return _over_village(scope, village)
    return False


def may_review_assessment(user: Any, village: Village) -> bool:
    """The township reviews (its coordinators, and the city's)."""
    scope = scope_of(user)
    return scope.role in (Role.TOWNSHIP, Role.CITY) and _over_village(scope, village)


def may_approve_assessment(user: Any, village: Village) -> bool:
    """The county approves (its coordinators, and the city's)."""
    scope = scope_of(user)
    return scope.role in (Role.COUNTY, Role.CITY) and _over_village(scope, village)


def may_run_round(user: Any, area: County | Township | None) -> bool:
    """A coordinator runs rounds over their own area or any area within it."""
    scope = scope_of(user)
    if scope.is_city:
        return True
    if scope.role not in (Role.COUNTY, Role.TOWNSHIP) or area is None:
        return False
    return may_see_area_figures(user, area)


def may_see_visit_location(user: Any, visit: Visit) -> bool:
    """Where the phone was on a visit is personal data: only the coordinators whose area covers
    the visit's village read it; a unit's liaison and cadres never do."""
    scope = scope_of(user)
    if scope.is_city:
        return True
    if scope.role not in (Role.COUNTY, Role.TOWNSHIP):
        return False
    return may_see_area_figures(user, visit.village)


def install() -> None:
    """Answer the decisions other apps ask for by name (``units.rules``, ``projects.rules``,
    ``assessments.rules``, ``satisfaction.rules``)."""
    unit_decisions[EDIT_UNIT] = may_edit_unit
    unit_decisions[ISSUE_LOGIN] = may_issue_login
    project_rules.decisions[project_rules.KEEP_PROJECT] = may_keep_projects
    project_rules.decisions[project_rules.REVIEW_PROJECT] = may_review_project
    project_rules.decisions[project_rules.APPROVE_FUNDS] = may_approve_funds
    project_rules.decisions[project_rules.SEE_LEDGER] = may_see_ledger
    assessment_rules.decisions[assessment_rules.KEEP_CHECKLIST] = may_keep_checklist
    assessment_rules.decisions[assessment_rules.FILL_ASSESSMENT] = may_fill_assessment
    assessment_rules.decisions[assessment_rules.REVIEW_ASSESSMENT] = may_review_assessment
    assessment_rules.decisions[assessment_rules.APPROVE_ASSESSMENT] = may_approve_assessment
    survey_rules.decisions[survey_rules.RUN_ROUND] = may_run_round
    visit_rules.decisions[visit_rules.SEE_LOCATION] = may_see_visit_location
