"""Handing a cadre's households over lists and moves only the households in the user's area."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ScopeWorld
from tests.factories import make_assignment, make_cadre, make_household
from units.assignments import hand_over_households
from units.models import Cadre, HouseholdAssignment
from villages.models import Household

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def handover_url(cadre: Cadre) -> str:
    return reverse("admin:units_cadre_handover", args=[cadre.pk])


def cadre_of(household: Household) -> Cadre:
    return HouseholdAssignment.objects.active().get(household=household).cadre


@pytest.fixture
def spread(scope_world: ScopeWorld) -> dict:
    """The home cadre also links a household next door and one in the far county."""
    world = scope_world
    next_door = make_household(village=world.next_door.village, head_name="乙邻户")
    far = make_household(village=world.far.village, head_name="丙远户")
    make_assignment(household=next_door, cadre=world.home.cadre)
    make_assignment(household=far, cadre=world.home.cadre)
    successor = make_cadre(unit=world.home.unit, name="甲接替")
    return {"next_door": next_door, "far": far, "successor": successor}


def post_handover(client: Client, cadre: Cadre, to_cadre: Cadre) -> object:
    return client.post(
        handover_url(cadre),
        {"to_cadre": to_cadre.pk, "on": TODAY.isoformat(), "reason": "退休"},
    )


def test_a_township_coordinator_sees_only_their_townships_households(
    scope_world: ScopeWorld, spread: dict
) -> None:
    response = signed_in(scope_world.users["township"]).get(handover_url(scope_world.home.cadre))
    assert response.status_code == 200
    assert "甲户主" in response.text
    assert "乙邻户" not in response.text
    assert "丙远户" not in response.text
    assert response.context["page"].paginator.count == 1
    outside = "另有2户不在您的管辖范围内，仍由该干部联系，由其所在地组织部门办理移交。"
    assert outside in response.text


def test_a_township_coordinator_moves_only_their_townships_households(
    scope_world: ScopeWorld, spread: dict
) -> None:
    client = signed_in(scope_world.users["township"])
    response = post_handover(client, scope_world.home.cadre, spread["successor"])
    assert response.status_code == 302
    assert cadre_of(scope_world.home.household) == spread["successor"]
    assert cadre_of(spread["next_door"]) == scope_world.home.cadre
    assert cadre_of(spread["far"]) == scope_world.home.cadre


def test_a_county_coordinator_moves_the_households_of_their_county(
    scope_world: ScopeWorld, spread: dict
) -> None:
    client = signed_in(scope_world.users["county"])
    page = client.get(handover_url(scope_world.home.cadre))
    assert "乙邻户" in page.text
    assert "丙远户" not in page.text
    post_handover(client, scope_world.home.cadre, spread["successor"])
    assert cadre_of(scope_world.home.household) == spread["successor"]
    assert cadre_of(spread["next_door"]) == spread["successor"]
    assert cadre_of(spread["far"]) == scope_world.home.cadre


def test_a_liaison_moves_only_the_households_of_their_units_villages(
    scope_world: ScopeWorld, spread: dict
) -> None:
    client = signed_in(scope_world.users["liaison"])
    page = client.get(handover_url(scope_world.home.cadre))
    assert "甲户主" in page.text
    assert "乙邻户" not in page.text
    post_handover(client, scope_world.home.cadre, spread["successor"])
    assert cadre_of(scope_world.home.household) == spread["successor"]
    assert cadre_of(spread["next_door"]) == scope_world.home.cadre


def test_a_forged_successor_outside_the_area_is_refused(
    scope_world: ScopeWorld, spread: dict
) -> None:
    client = signed_in(scope_world.users["township"])
    response = post_handover(client, scope_world.home.cadre, scope_world.far.cadre)
    assert response.status_code == 200
    assert response.context["form"].errors["to_cadre"]
    assert cadre_of(scope_world.home.household) == scope_world.home.cadre


@pytest.mark.parametrize("role", ["other_township", "other_liaison", "auditor", "no_role", "cadre"])
def test_other_roles_cannot_open_or_post_the_handover_of_a_cadre_outside_their_area(
    scope_world: ScopeWorld, spread: dict, role: str
) -> None:
    client = signed_in(scope_world.users[role])
    assert client.get(handover_url(scope_world.home.cadre)).status_code in {302, 403, 404}
    response = post_handover(client, scope_world.home.cadre, spread["successor"])
    assert response.status_code in {302, 403, 404}
    assert cadre_of(scope_world.home.household) == scope_world.home.cadre
    assert cadre_of(spread["far"]) == scope_world.home.cadre


def test_the_service_moves_only_what_the_user_may_see(
    scope_world: ScopeWorld, spread: dict
) -> None:
    moved = hand_over_households(
        from_cadre=scope_world.home.cadre,
        to_cadre=spread["successor"],
        on=TODAY,
        reason="退休",
        by=scope_world.users["township"],
    )
    assert moved == 1
    assert cadre_of(spread["far"]) == scope_world.home.cadre


def test_the_service_refuses_a_cadre_outside_the_users_area(
    scope_world: ScopeWorld, spread: dict
) -> None:
    with pytest.raises(PermissionDenied):
        hand_over_households(
            from_cadre=scope_world.far.cadre,
            to_cadre=spread["successor"],
            on=TODAY,
            reason="退休",
            by=scope_world.users["township"],
        )
    with pytest.raises(PermissionDenied):
        hand_over_households(
            from_cadre=scope_world.home.cadre,
            to_cadre=scope_world.far.cadre,
            on=TODAY,
            reason="退休",
            by=scope_world.users["township"],
        )
    assert cadre_of(scope_world.home.household) == scope_world.home.cadre
    assert cadre_of(scope_world.far.household) == scope_world.far.cadre
