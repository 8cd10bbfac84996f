"""Every way of linking a cadre to households goes through one service that checks the cadre is
in service, the acting user's area and the maximum per cadre, with an audited override."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_assignment, make_cadre, make_household, make_work_group_member
from units.assignments import assign_households, hand_over_households
from units.distribution import apply_distribution, plan_distribution
from units.models import Cadre, HouseholdAssignment

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:units_householdassignment_add")
ASSIGN_URL = reverse("admin:villages_household_assign")
TODAY = timezone.localdate()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def loaded_cadre(world: ScopeWorld, count: int, **fields: object) -> Cadre:
    """A cadre of the home unit already linked to ``count`` households of the home village."""
    cadre = make_cadre(unit=world.home.unit, **fields)
    for _ in range(count):
        make_assignment(household=make_household(village=world.home.village), cadre=cadre)
    return cadre


def over_message(cadre: Cadre, current: int, added: int, maximum: int = 10) -> str:
    return (
        f"{cadre.name}已联系{current}户，再分配{added}户将超过每名干部最多{maximum}户的上限；"
        "确需分配请勾选“超过上限仍分配”。"
    )


def form_errors(response: object) -> list[str]:
    form = response.context["adminform"].form
    return [message for errors in form.errors.values() for message in errors]


# The add page -----------------------------------------------------------------------------


def test_the_add_page_refuses_a_cadre_who_left_service(scope_world: ScopeWorld) -> None:
    retired = make_cadre(unit=scope_world.home.unit, name="张退休", in_service=False)
    household = make_household(village=scope_world.home.village)
    response = signed_in(scope_world.users["township"]).post(
        ADD_URL,
        {"household": household.pk, "cadre": retired.pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "张退休已不在岗，请选择在岗干部。" in form_errors(response)
    assert not HouseholdAssignment.objects.filter(household=household).exists()


def test_the_add_page_refuses_a_household_outside_the_users_area(
    scope_world: ScopeWorld,
) -> None:
    far_household = make_household(village=scope_world.far.village)
    response = signed_in(scope_world.users["township"]).post(
        ADD_URL,
        {
            "household": far_household.pk,
            "cadre": scope_world.home.cadre.pk,
            "started_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert not HouseholdAssignment.objects.filter(household=far_household).exists()


def test_the_add_page_refuses_going_over_the_maximum_unless_the_override_is_ticked(
    scope_world: ScopeWorld, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 2
    cadre = loaded_cadre(scope_world, 2)
    household = make_household(village=scope_world.home.village)
    client = signed_in(scope_world.users["township"])
    data = {"household": household.pk, "cadre": cadre.pk, "started_on": TODAY.isoformat()}

    refused = client.post(ADD_URL, data)
    assert refused.status_code == 200
    assert form_errors(refused) == [over_message(cadre, 2, 1, maximum=2)]
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 2

    accepted = client.post(ADD_URL, {**data, "over_maximum": "on"})
    assert accepted.status_code == 302
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 3
    event = AuditEvent.objects.get(action="assignments_assign", object_id=str(cadre.pk))
    assert event.username == "township"
    assert event.details["over_maximum"] == [
        {"cadre": cadre.pk, "name": cadre.name, "before": 2, "added": 1}
    ]


# The household list's assign page ---------------------------------------------------------


def test_the_assign_page_refuses_three_more_for_a_cadre_with_eight(
    scope_world: ScopeWorld,
) -> None:
    cadre = loaded_cadre(scope_world, 8)
    households = [make_household(village=scope_world.home.village) for _ in range(3)]
    url = f"{ASSIGN_URL}?ids={','.join(str(h.pk) for h in households)}"
    client = signed_in(scope_world.users["township"])
    data = {"cadre": cadre.pk, "started_on": TODAY.isoformat(), "reason": ""}

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["over_maximum"] == [over_message(cadre, 8, 3)]
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 8

    accepted = client.post(url, {**data, "over_maximum": "on"})
    assert accepted.status_code == 302
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 11
    event = AuditEvent.objects.get(action="assignments_assign", object_id=str(cadre.pk))
    assert event.details["over_maximum"][0]["before"] == 8
    assert event.details["over_maximum"][0]["added"] == 3


def test_the_assign_page_refuses_a_cadre_outside_the_users_area(
    scope_world: ScopeWorld,
) -> None:
    household = make_household(village=scope_world.home.village)
    response = signed_in(scope_world.users["township"]).post(
        f"{ASSIGN_URL}?ids={household.pk}",
        {"cadre": scope_world.far.cadre.pk, "started_on": TODAY.isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    assert not HouseholdAssignment.objects.filter(household=household).exists()


# Distribution and the services ------------------------------------------------------------


def test_distributing_beyond_the_maximum_is_refused_unless_overridden(
    scope_world: ScopeWorld,
) -> None:
    village = scope_world.home.village
    for _ in range(12):
        make_household(village=village)
    plan = plan_distribution(village=village, max_per_cadre=20)
    user = scope_world.users["township"]
    with pytest.raises(ValidationError) as refused:
        apply_distribution(plan=plan, on=TODAY, by=user)
    assert refused.value.messages == [over_message(scope_world.home.cadre, 1, 12)]
    assert HouseholdAssignment.objects.active().count() == 3  # one per place

    result = apply_distribution(plan=plan, on=TODAY, by=user, over_maximum=True)
    assert result.assigned == 12


def test_distributing_within_the_maximum_needs_no_override(scope_world: ScopeWorld) -> None:
    village = scope_world.home.village
    make_work_group_member(work_group=scope_world.home.work_group)
    for _ in range(4):
        make_household(village=village)
    plan = plan_distribution(village=village)
    result = apply_distribution(plan=plan, on=TODAY, by=scope_world.users["township"])
    assert (result.assigned, result.skipped) == (4, 0)


def test_handing_over_to_a_cadre_at_the_maximum_is_refused_unless_overridden(
    scope_world: ScopeWorld, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 3
    leaving = loaded_cadre(scope_world, 2)
    successor = loaded_cadre(scope_world, 2)
    user = scope_world.users["township"]
    with pytest.raises(ValidationError) as refused:
        hand_over_households(
            from_cadre=leaving, to_cadre=successor, on=TODAY, reason="退休", by=user
        )
    assert refused.value.messages == [over_message(successor, 2, 2, maximum=3)]
    moved = hand_over_households(
        from_cadre=leaving,
        to_cadre=successor,
        on=TODAY,
        reason="退休",
        by=user,
        over_maximum=True,
    )
    assert moved == 2


@pytest.mark.parametrize("role", ["township", "county", "liaison", "other_township"])
def test_assigning_is_refused_for_households_or_cadres_outside_the_users_area(
    scope_world: ScopeWorld, role: str
) -> None:
    far_household = make_household(village=scope_world.far.village)
    with pytest.raises(PermissionDenied):
        assign_households(
            households=[far_household],
            cadre=scope_world.home.cadre,
            on=TODAY,
            by=scope_world.users[role],
        )
    assert not HouseholdAssignment.objects.filter(household=far_household).exists()


def test_a_city_coordinator_assigns_anywhere(scope_world: ScopeWorld) -> None:
    far_household = make_household(village=scope_world.far.village)
    result = assign_households(
        households=[far_household],
        cadre=scope_world.home.cadre,
        on=TODAY,
        by=scope_world.users["city"],
    )
    assert result.assigned == 1


def test_the_distribute_page_refuses_a_plan_over_the_maximum_unless_ticked(
    scope_world: ScopeWorld,
) -> None:
    village = scope_world.home.village
    for _ in range(12):
        make_household(village=village)
    url = reverse("admin:villages_village_distribute", args=[village.pk])
    client = signed_in(scope_world.users["township"])
    token = client.get(url, {"max_per_cadre": 20}).context["plan_token"]
    data = {"max_per_cadre": 20, "plan": token}

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["over_maximum"] == [
        over_message(scope_world.home.cadre, 1, 12)
    ]
    assert "超过上限仍分配" in refused.text
    assert HouseholdAssignment.objects.active().filter(cadre=scope_world.home.cadre).count() == 1

    accepted = client.post(url, {**data, "over_maximum": "on"})
    assert accepted.status_code == 302
    assert HouseholdAssignment.objects.active().filter(cadre=scope_world.home.cadre).count() == 13
    event = AuditEvent.objects.get(action="assignments_distribute")
    assert event.details["over_maximum"][0]["added"] == 12
