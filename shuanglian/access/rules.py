"""Who may see what: one visibility rule per scoped model.

Every scoped QuerySet's ``visible_to(user)`` and the admin's ``ScopedAdminMixin`` end here.
The rules are registered in ``villages.models.visibility_rules`` when the project starts
(``ShuanglianConfig.ready``), so that villages, units and visits need not import this module.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet

from assessments.models import (
    Assessment,
    Checklist,
    Criterion,
    CriterionScore,
    EvidenceFile,
    RectificationItem,
    RectificationNote,
)
from projects.models import (
    Activity,
    ActivityPhoto,
    Allocation,
    Disbursement,
    FundPool,
    Project,
    ProjectNeed,
    ProjectNote,
)
from satisfaction.models import (
    Answer,
    Attempt,
    DrawnVillage,
    Interviewer,
    Question,
    Round,
    Sample,
    VillageResult,
)
from shuanglian.access.scope import Scope, scope_of
from shuanglian.models import AuditEvent, RankingWeights, Role, UserScope
from units.models import (
    Cadre,
    CadreAbsence,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from villages.models import (
    City,
    County,
    Household,
    ImportBatch,
    Township,
    Village,
    visibility_rules,
)
from visitflags.models import VisitFlag
from visits.models import Need, NeedNote, Visit, VisitInterval

# Each rule narrows a queryset of its model; a queryset rather than the model's manager, so that
# annotations and filters already applied (as in the admin) are kept.
Rule = Callable[[QuerySet, Scope], QuerySet]
_rules: dict[type[models.Model], Rule] = {}


def rule(*model_classes: type[models.Model]) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for model in model_classes:
            _rules[model] = function
        return function

    return register


def restrict(queryset: QuerySet, user: Any) -> QuerySet:
    """The part of ``queryset`` that ``user`` may see; models without a rule: city only."""
    scope = scope_of(user)
    if scope.role is None:
        return queryset.none()
    found = _rules.get(queryset.model._meta.concrete_model)
    if found is None:
        return queryset if scope.is_city else queryset.none()
    return found(queryset, scope)


def has_rule(model: type[models.Model]) -> bool:
    """Whether the model's rows are scoped by a rule of their own (else: city coordinators)."""
    return model._meta.concrete_model in _rules


# --- the area tree ------------------------------------------------------------------------


def _linked_villages(scope: Scope) -> QuerySet:
    """Keys of the villages the liaison's unit links through its work groups."""
    return WorkGroup.objects.filter(unit_id=scope.unit_id).values("village_id")


def _cadre_villages(scope: Scope) -> QuerySet:
    """Keys of the villages of the cadre's households now."""
    return (
        HouseholdAssignment.objects.active()
        .filter(cadre_id=scope.cadre_id)
        .values("household__village_id")
    )


def _village_condition(scope: Scope, path: str) -> Q | None:
    """The villages (at ``path``, "" for the Village itself) in the scope; None: all of them."""
    prefix = f"{path}__" if path else ""
    key = f"{path}_id" if path else "pk"
    if scope.is_city:
        return None
    if scope.role == Role.COUNTY:
        return Q(**{f"{prefix}township__county_id": scope.county_id})
    if scope.role == Role.TOWNSHIP:
        return Q(**{f"{prefix}township_id": scope.township_id})
    if scope.role == Role.LIAISON:
        return Q(**{f"{key}__in": _linked_villages(scope)})
    if scope.role == Role.CADRE:
        return Q(**{f"{key}__in": _cadre_villages(scope)})
    return Q(pk__in=[])


def _filter(queryset: QuerySet, condition: Q | None) -> QuerySet:
    return queryset if condition is None else queryset.filter(condition)


@rule(City)
def _cities(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    if scope.role in (Role.COUNTY, Role.TOWNSHIP):
        return queryset.filter(counties=scope.county_id)
    if scope.role in (Role.LIAISON, Role.CADRE):
        villages = _villages(Village.objects, scope).values("township__county__city_id")
        return queryset.filter(pk__in=villages)
    return queryset.none()


@rule(County)
def _counties(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    if scope.role in (Role.COUNTY, Role.TOWNSHIP):
        return queryset.filter(pk=scope.county_id)
    if scope.role in (Role.LIAISON, Role.CADRE):
        villages = _villages(Village.objects, scope).values("township__county_id")
        return queryset.filter(pk__in=villages)
    return queryset.none()


@rule(Township)
def _townships(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    if scope.role == Role.COUNTY:
        return queryset.filter(county_id=scope.county_id)
    if scope.role == Role.TOWNSHIP:
        return queryset.filter(pk=scope.township_id)
    if scope.role in (Role.LIAISON, Role.CADRE):
        return queryset.filter(pk__in=_villages(Village.objects, scope).values("township_id"))
    return queryset.none()


@rule(Village)
def _villages(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _village_condition(scope, ""))


@rule(Household)
def _households(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.role == Role.CADRE:
        mine = HouseholdAssignment.objects.active().filter(cadre_id=scope.cadre_id)
        return queryset.filter(pk__in=mine.values("household_id"))
    return _filter(queryset, _village_condition(scope, "village"))


@rule(ImportBatch)
def _import_batches(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Batches the user uploaded, imported into their area, or that wrote to their villages."""
    if scope.is_city:
        return queryset
    own = Q(created_by_id=scope.user_id)
    villages = _village_condition(scope, "village")
    touched = Q(
        pk__in=ImportBatch.touched_villages.through.objects.filter(villages).values(
            "importbatch_id"
        )
    )
    if scope.role == Role.COUNTY:
        county = scope.county_id
        return queryset.filter(
            own
            | touched
            | Q(county_id=county)
            | Q(township__county_id=county)
            | Q(village__township__county_id=county)
        )
    if scope.role == Role.TOWNSHIP:
        township = scope.township_id
        return queryset.filter(
            own | touched | Q(township_id=township) | Q(village__township_id=township)
        )
    if scope.role == Role.LIAISON:
        return queryset.filter(own | touched)
    return queryset.none()


# --- units and their people -------------------------------------------------------------


def _units_condition(scope: Scope, path: str) -> Q | None:
    """Units (at ``path``, "" for the Unit itself) in the scope; None: all of them."""
    key = f"{path}_id" if path else "pk"
    if scope.is_city:
        return None
    if scope.role in (Role.LIAISON, Role.CADRE):
        return Q(**{key: scope.unit_id})
    if scope.role in (Role.COUNTY, Role.TOWNSHIP):
        area = (
            Q(county_id=scope.county_id)
            if scope.role == Role.COUNTY
            else Q(township_id=scope.township_id)
        )
        linking = WorkGroup.objects.filter(_village_condition(scope, "village")).values("unit_id")
        own = Unit.objects.filter(area).values("pk")
        return Q(**{f"{key}__in": own}) | Q(**{f"{key}__in": linking})
    return Q(pk__in=[])


@rule(Unit)
def _units(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _units_condition(scope, ""))


@rule(Cadre)
def _cadres(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.role == Role.CADRE:
        return queryset.filter(pk=scope.cadre_id)
    return _filter(queryset, _units_condition(scope, "unit"))


@rule(WorkGroup)
def _work_groups(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.role == Role.LIAISON:
        return queryset.filter(unit_id=scope.unit_id)
    if scope.role == Role.CADRE:
        return queryset.filter(
            Q(leader_id=scope.cadre_id) | Q(memberships__cadre_id=scope.cadre_id)
        ).distinct()
    return _filter(queryset, _village_condition(scope, "village"))


@rule(WorkGroupMember)
def _work_group_members(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    return queryset.filter(work_group__in=_work_groups(WorkGroup.objects, scope).values("pk"))


def _by_household_or_cadre(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Records about a household and by a cadre: the household's area, or the liaison's cadres."""
    if scope.is_city:
        return queryset
    if scope.role == Role.CADRE:
        return queryset.filter(cadre_id=scope.cadre_id)
    if scope.role == Role.LIAISON:
        # The unit's cadres and villages as lists: PostgreSQL then unites the two index scans
        # of the records' own columns, where a subquery on either side of the OR would make
        # it test every record of the city.
        return queryset.filter(
            Q(cadre_id__in=scope.unit_cadre_ids) | Q(village_id__in=scope.linked_village_ids)
        )
    # The records' own village, kept equal to their household's by the database.
    return _filter(queryset, _village_condition(scope, "village"))


@rule(HouseholdAssignment)
def _assignments(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _by_household_or_cadre(queryset, scope)


@rule(Visit)
def _visits(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _by_household_or_cadre(queryset, scope)


@rule(Need)
def _needs(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _by_household_or_cadre(queryset, scope)


@rule(VisitFlag)
def _visit_flags(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Flags of the visits the user sees."""
    if scope.is_city:
        return queryset
    return queryset.filter(visit__in=_visits(Visit.objects.all(), scope).values("pk"))


@rule(CadreAbsence)
def _absences(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Days away of the cadres the user sees; a cadre's own only."""
    if scope.is_city:
        return queryset
    return queryset.filter(cadre__in=_cadres(Cadre.objects.all(), scope).values("pk"))


@rule(NeedNote)
def _need_notes(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    return queryset.filter(need__in=_needs(Need.objects, scope).values("pk"))


@rule(VillageSurvey)
def _village_surveys(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.role == Role.LIAISON:
        return queryset.filter(
            Q(recorded_by_id__in=scope.unit_cadre_ids) | Q(village_id__in=scope.linked_village_ids)
        )
    if scope.role == Role.CADRE:
        return queryset.filter(recorded_by_id=scope.cadre_id)
    return _filter(queryset, _village_condition(scope, "village"))


@rule(VisitInterval, RankingWeights)
def _visit_intervals(queryset: QuerySet, scope: Scope) -> QuerySet:
    return queryset if scope.is_coordinator else queryset.none()


# --- projects, funds and activities ------------------------------------------------------


@rule(FundPool)
def _fund_pools(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Pools are the city's and hold no personal data: every coordinator sees what is left."""
    return queryset if scope.is_coordinator else queryset.none()


@rule(Project, Activity)
def _work_group_records(queryset: QuerySet, scope: Scope) -> QuerySet:
    """A work group's projects and activities: its unit's, and those of the area's villages."""
    if scope.role == Role.LIAISON:
        return queryset.filter(unit_id=scope.unit_id)
    if scope.role == Role.CADRE:
        return queryset.filter(work_group__in=_work_groups(WorkGroup.objects, scope).values("pk"))
    return _filter(queryset, _village_condition(scope, "village"))


@rule(ProjectNote, ProjectNeed, Allocation)
def _project_parts(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    return queryset.filter(project__in=_work_group_records(Project.objects, scope).values("pk"))


@rule(Disbursement)
def _disbursements(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    projects = _work_group_records(Project.objects, scope).values("pk")
    return queryset.filter(allocation__project__in=projects)


@rule(ActivityPhoto)
def _activity_photos(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    return queryset.filter(activity__in=_work_group_records(Activity.objects, scope).values("pk"))


# --- 双创: party organisation assessments and satisfaction surveys -----------------------


@rule(Checklist, Criterion)
def _checklists(queryset: QuerySet, scope: Scope) -> QuerySet:
    """The city's standard holds no personal data: every coordinator reads it."""
    return queryset if scope.is_coordinator else queryset.none()


def _coordinators_villages(scope: Scope, path: str) -> Q | None:
    """The villages of a coordinator's area or unit at ``path``; cadres see none of them."""
    if scope.role == Role.CADRE:
        return Q(pk__in=[])
    return _village_condition(scope, path)


@rule(Assessment)
def _assessments(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _coordinators_villages(scope, "village"))


@rule(CriterionScore, RectificationItem)
def _assessment_parts(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _coordinators_villages(scope, "assessment__village"))


@rule(EvidenceFile)
def _evidence_files(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _coordinators_villages(scope, "score__assessment__village"))


@rule(RectificationNote)
def _rectification_notes(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _coordinators_villages(scope, "item__assessment__village"))


def _round_condition(scope: Scope) -> Q | None:
    """Rounds over an area that overlaps the user's: the city's rounds for everyone, a county's
    for its county's and townships' coordinators, a township's for its own and its county's,
    and for a liaison those over a village their unit links."""
    city_wide = Q(county__isnull=True, township__isnull=True)
    if scope.is_city:
        return None
    if scope.role == Role.COUNTY:
        return city_wide | Q(county_id=scope.county_id) | Q(township__county_id=scope.county_id)
    if scope.role == Role.TOWNSHIP:
        return (
            city_wide
            | Q(county_id=scope.county_id, township__isnull=True)
            | Q(township_id=scope.township_id)
        )
    if scope.role == Role.LIAISON:
        linked = Village.objects.filter(pk__in=_linked_villages(scope))
        return (
            city_wide
            | Q(county_id__in=linked.values("township__county_id"), township__isnull=True)
            | Q(township_id__in=linked.values("township_id"))
        )
    if scope.role == Role.CADRE:
        return Q(pk__in=Interviewer.objects.filter(cadre_id=scope.cadre_id).values("round_id"))
    return Q(pk__in=[])


@rule(Round)
def _rounds(queryset: QuerySet, scope: Scope) -> QuerySet:
    return _filter(queryset, _round_condition(scope))


@rule(Question)
def _questions(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.is_city:
        return queryset
    return queryset.filter(round__in=_rounds(Round.objects, scope).values("pk"))


@rule(Interviewer)
def _interviewers(queryset: QuerySet, scope: Scope) -> QuerySet:
    """A cadre their own assignments; a liaison their unit's cadres'; area coordinators those
    in their villages."""
    if scope.role == Role.CADRE:
        return queryset.filter(cadre_id=scope.cadre_id)
    if scope.role == Role.LIAISON:
        return queryset.filter(cadre__unit_id=scope.unit_id)
    return _filter(queryset, _village_condition(scope, "village"))


def _sample_condition(scope: Scope, path: str) -> Q:
    """Who was drawn is kept from the villages' own units: an interviewer sees the households
    drawn for them (not the reserve), area coordinators those of their villages, and a liaison
    none."""
    prefix = f"{path}__" if path else ""
    if scope.role == Role.CADRE:
        return Q(
            **{f"{prefix}interviewer_id": scope.cadre_id, f"{prefix}status__in": Sample.IN_SAMPLE}
        )
    if scope.role in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
        condition = _village_condition(scope, f"{prefix}village")
        return Q() if condition is None else condition
    return Q(pk__in=[])


@rule(Sample)
def _samples(queryset: QuerySet, scope: Scope) -> QuerySet:
    return queryset.filter(_sample_condition(scope, ""))


@rule(Attempt, Answer)
def _sample_parts(queryset: QuerySet, scope: Scope) -> QuerySet:
    return queryset.filter(_sample_condition(scope, "sample"))


@rule(VillageResult, DrawnVillage)
def _village_results(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Counts without names: every coordinator over the village, the linking units' among them."""
    return _filter(queryset, _coordinators_villages(scope, "village"))


# --- people and the audit trail ---------------------------------------------------------


@rule(UserScope)
def _user_scopes(queryset: QuerySet, scope: Scope) -> QuerySet:
    return queryset if scope.is_city else queryset.none()


@rule(get_user_model())
def _users(queryset: QuerySet, scope: Scope) -> QuerySet:
    """All accounts for city coordinators; for other coordinators, their cadres' sign-ins.

    Only city coordinators open the account pages (``access.admin.CITY_ONLY``); the others
    need the accounts of their cadres as the chosen value of the cadre page's account field.
    """
    if scope.is_city:
        return queryset
    if scope.is_coordinator:
        return queryset.filter(cadre__in=_cadres(Cadre.objects, scope).values("pk"))
    return queryset.none()


@rule(AuditEvent)
def _audit_events(queryset: QuerySet, scope: Scope) -> QuerySet:
    return queryset if scope.reads_audit_trail else queryset.none()


def install() -> None:
    """Make every model's ``visible_to(user)`` follow the rules above."""
    for model in _rules:
        visibility_rules[model] = restrict


# --- dashboards -------------------------------------------------------------------------
