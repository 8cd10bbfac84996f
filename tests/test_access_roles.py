"""Who a user is (``scope_of``) and what each scoped model's ``visible_to`` lets them see."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shuanglian.access.rules import restrict
from shuanglian.access.scope import forget_scope, scope_of
from shuanglian.models import AuditEvent, Role, UserScope
from tests.conftest import ScopeWorld
from tests.factories import (
    make_household,
    make_unit,
    make_user,
    make_village,
    make_visit_intervals,
    make_work_group,
)
from units.assignments import assign_households, hand_over_households
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from villages.models import City, County, Household, ImportBatch, Township, Village
from visits import needs
from visits.models import Need, NeedNote, Visit, VisitInterval

pytestmark = pytest.mark.django_db


def tags(queryset) -> set[str]:
    """Which places (甲 home, 乙 next door, 丙 far) the rows of a place model come from."""
    paths = {
        Village: "name",
        Household: "village__name",
        Unit: "name",
        Cadre: "unit__name",
        WorkGroup: "village__name",
        WorkGroupMember: "work_group__village__name",
        HouseholdAssignment: "household__village__name",
        Visit: "household__village__name",
        Need: "household__village__name",
        NeedNote: "need__household__village__name",
        VillageSurvey: "village__name",
        ImportBatch: "village__name",
        Township: "name",
    }
    return {name[0] for name in queryset.values_list(paths[queryset.model], flat=True)}


PLACE_MODELS = [
    Village,
    Household,
    Unit,
    Cadre,
    WorkGroup,
    WorkGroupMember,
    HouseholdAssignment,
    Visit,
    Need,
    NeedNote,
    VillageSurvey,
    Township,
]


def test_a_superuser_is_a_city_coordinator_with_full_personal_data() -> None:
    boss = make_user("boss", is_superuser=True, is_staff=True)
    scope = scope_of(boss)
    assert (scope.role, scope.full_personal_data) == (Role.CITY, True)


def test_anonymous_and_inactive_users_and_users_without_a_role_have_no_scope() -> None:
    assert scope_of(AnonymousUser()).role is None
    assert scope_of(make_user("plain")).role is None
    retired = make_user("retired", is_active=False)
    UserScope.objects.create(user=retired, role=Role.CITY)
    assert scope_of(retired).role is None


def test_a_township_coordinators_scope_carries_the_county_of_the_township(
    scope_world: ScopeWorld,
) -> None:
    scope = scope_of(scope_world.users["township"])
    township = scope_world.home.village.township
    assert (scope.role, scope.township_id, scope.county_id) == (
        Role.TOWNSHIP,
        township.pk,
        township.county_id,
    )
    assert scope.full_personal_data is False


def test_a_user_linked_from_a_cadre_is_a_cadre_even_without_a_user_scope(
    scope_world: ScopeWorld,
) -> None:
    scope = scope_of(scope_world.users["cadre"])
    assert (scope.role, scope.cadre_id, scope.unit_id) == (
        Role.CADRE,
        scope_world.home.cadre.pk,
        scope_world.home.unit.pk,
    )


def test_the_scope_is_read_once_per_user_object_until_forgotten(
    scope_world: ScopeWorld, django_assert_num_queries
) -> None:
    user = scope_world.users["county"]
    scope_of(user)
    with django_assert_num_queries(0):
        scope_of(user)
    UserScope.objects.filter(user=user).update(full_personal_data=True)
    forget_scope(user)
    assert scope_of(user).full_personal_data is True


@pytest.mark.parametrize(
    ("role", "places"),
    [
        ("city", {"甲", "乙", "丙"}),
        ("county", {"甲", "乙"}),
        ("township", {"甲"}),
        ("other_township", {"乙"}),
        ("liaison", {"甲"}),
        ("other_liaison", {"乙"}),
        ("cadre", {"甲"}),
        ("auditor", set()),
        ("no_role", set()),
    ],
)
def test_each_role_sees_the_records_of_its_own_places_only(
    scope_world: ScopeWorld, role: str, places: set[str]
) -> None:
    user = scope_world.users[role]
    seen = {model.__name__: tags(model.objects.visible_to(user)) for model in PLACE_MODELS}
    assert seen == {model.__name__: places for model in PLACE_MODELS}


def test_counties_follow_the_area_and_the_villages_a_liaison_links(
    scope_world: ScopeWorld,
) -> None:
    def names(role: str) -> set[str]:
        return set(
            County.objects.visible_to(scope_world.users[role]).values_list("name", flat=True)
        )

    assert names("city") == {"东明县", "曹县"}
    assert names("county") == names("township") == names("liaison") == {"东明县"}
    assert names("auditor") == set()


def test_a_liaison_sees_the_households_of_every_village_its_unit_links(
    scope_world: ScopeWorld,
) -> None:
    unit = scope_world.home.unit
    linked = make_village(township=scope_world.far.village.township, name="丙二村")
    make_work_group(unit=unit, village=linked)
    household = make_household(village=linked)
    visible = Household.objects.visible_to(scope_world.users["liaison"])
    assert household in visible
    assert scope_world.far.household not in visible


def test_area_coordinators_see_units_of_their_area_and_units_linking_its_villages(
    scope_world: ScopeWorld,
) -> None:
    township = scope_world.home.village.township
    local = make_unit(name="甲镇农办", level="township", county=township.county, township=township)
    unrelated = make_unit(name="市档案局")
    visible = Unit.objects.visible_to(scope_world.users["township"])
    assert set(visible) == {scope_world.home.unit, local}
    assert unrelated not in Unit.objects.visible_to(scope_world.users["county"])
    assert set(Unit.objects.visible_to(scope_world.users["liaison"])) == {scope_world.home.unit}


def test_a_cadre_sees_only_their_actively_assigned_households(scope_world: ScopeWorld) -> None:
    assignment = scope_world.home.assignment
    cadre_user = scope_world.users["cadre"]
    assert list(Household.objects.visible_to(cadre_user)) == [scope_world.home.household]
    HouseholdAssignment.objects.filter(pk=assignment.pk).update(ended_on=assignment.started_on)
    assert not Household.objects.visible_to(cadre_user).exists()


def test_import_batches_are_seen_by_their_area_and_by_whoever_uploaded_them(
    scope_world: ScopeWorld,
) -> None:
    liaison = scope_world.users["liaison"]
    ImportBatch.objects.filter(pk=scope_world.far.batch.pk).update(created_by=liaison)
    assert tags(ImportBatch.objects.visible_to(liaison)) == {"丙"}
    assert tags(ImportBatch.objects.visible_to(scope_world.users["county"])) == {"甲", "乙"}


def test_visit_intervals_are_read_by_every_coordinator_and_by_no_one_else(
    scope_world: ScopeWorld,
) -> None:
    make_visit_intervals()
    for role in ("city", "county", "township", "liaison"):
        assert VisitInterval.objects.visible_to(scope_world.users[role]).count() == 5
    for role in ("cadre", "auditor", "no_role"):
        assert not VisitInterval.objects.visible_to(scope_world.users[role]).exists()


def test_accounts_and_scopes_are_seen_by_city_coordinators_only(scope_world: ScopeWorld) -> None:
    assert UserScope.objects.visible_to(scope_world.users["city"]).count() == 7
    for role in ("county", "township", "liaison", "auditor", "cadre"):
        assert not UserScope.objects.visible_to(scope_world.users[role]).exists()


def test_the_audit_trail_is_seen_by_the_audit_viewer_and_city_coordinators_only(
    scope_world: ScopeWorld,
) -> None:
    AuditEvent.objects.create(username="someone", action="sign_in")
    for role in ("city", "auditor"):
        visible = AuditEvent.objects.visible_to(scope_world.users[role])
        assert visible.count() == AuditEvent.objects.count() > 0
    for role in ("county", "township", "liaison", "cadre", "no_role"):
        assert not AuditEvent.objects.visible_to(scope_world.users[role]).exists()


def test_the_city_itself_is_seen_by_everyone_with_an_area(scope_world: ScopeWorld) -> None:
    for role in ("city", "county", "township", "liaison", "cadre"):
        assert City.objects.visible_to(scope_world.users[role]).distinct().count() == 1
    assert not City.objects.visible_to(scope_world.users["auditor"]).exists()


def test_coordinators_other_than_the_city_see_only_their_cadres_sign_in_accounts(
    scope_world: ScopeWorld,
) -> None:
    # Accounts live in django.contrib.auth, whose manager has no visible_to: restrict() it.
    def accounts(role: str) -> set:
        return set(restrict(get_user_model().objects.all(), scope_world.users[role]))

    assert accounts("liaison") == {scope_world.users["cadre"]}
    assert accounts("other_liaison") == accounts("auditor") == set()
    assert accounts("city") == set(get_user_model().objects.all())


def test_services_refuse_objects_outside_the_users_scope(scope_world: ScopeWorld) -> None:
    """The admin forms are scoped already; the services check every object again."""
    user = scope_world.users["township"]
    home, far = scope_world.home, scope_world.far
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        assign_households(households=[far.household], cadre=home.cadre, on=today, by=user)
    assert far.household.assignments.active().get().cadre == far.cadre
    with pytest.raises(PermissionDenied):
        hand_over_households(
            from_cadre=far.cadre, to_cadre=home.cadre, on=today, reason="调动", by=user
        )
    with pytest.raises(PermissionDenied):
        needs.add_note(need=far.need, by=user, on=today, text="越权")
    assert not far.need.notes.filter(text="越权").exists()
    # Inside the scope the same calls go through.
    needs.add_note(need=home.need, by=user, on=today, text="已电话联系")
    assert home.need.notes.filter(text="已电话联系").exists()
