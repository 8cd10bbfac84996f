"""Contact cards, notice boards and photos print only what the user may see: households and
cadres in their area, even on the printable of an object they may open."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import make_assignment, make_cadre, make_household, make_work_group_member

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def spread(scope_world: ScopeWorld) -> ScopeWorld:
    """The home cadre also links a household next door and one in the far county; a household
    of the home village is linked to the far county's cadre."""
    world = scope_world
    make_assignment(
        household=make_household(village=world.next_door.village, head_name="乙邻户"),
        cadre=world.home.cadre,
    )
    make_assignment(
        household=make_household(village=world.far.village, head_name="丙远户"),
        cadre=world.home.cadre,
    )
    make_assignment(
        household=make_household(village=world.home.village, head_name="甲远联户"),
        cadre=world.far.cadre,
    )
    return world


def cadre_cards(world: ScopeWorld, role: str) -> object:
    url = reverse("units:cadre_cards", args=[world.home.cadre.pk])
    return signed_in(world.users[role]).get(url)


def village_cards(world: ScopeWorld, role: str) -> object:
    url = reverse("units:village_cards", args=[world.home.village.pk])
    return signed_in(world.users[role]).get(url)


def test_a_township_coordinator_prints_only_their_townships_cards_of_a_cadre(
    spread: ScopeWorld,
) -> None:
    response = cadre_cards(spread, "township")
    assert response.status_code == 200
    assert "甲户主" in response.text
    assert "乙邻户" not in response.text
    assert "丙远户" not in response.text


def test_a_county_coordinator_prints_the_cards_of_their_county(spread: ScopeWorld) -> None:
    text = cadre_cards(spread, "county").text
    assert "甲户主" in text
    assert "乙邻户" in text
    assert "丙远户" not in text


def test_a_liaison_prints_only_the_cards_of_their_units_villages(spread: ScopeWorld) -> None:
    text = cadre_cards(spread, "liaison").text
    assert "甲户主" in text
    assert "乙邻户" not in text
    assert "丙远户" not in text


def test_a_city_coordinator_prints_every_card_of_the_cadre(spread: ScopeWorld) -> None:
    text = cadre_cards(spread, "city").text
    assert all(name in text for name in ("甲户主", "乙邻户", "丙远户"))


@pytest.mark.parametrize("role", ["other_township", "other_liaison", "auditor", "no_role"])
def test_other_roles_cannot_print_the_cards_of_a_cadre_outside_their_area(
    spread: ScopeWorld, role: str
) -> None:
    response = cadre_cards(spread, role)
    assert response.status_code in {302, 403, 404}
    assert "甲户主" not in response.text


def test_village_cards_leave_out_cadres_the_user_may_not_see(spread: ScopeWorld) -> None:
    text = village_cards(spread, "township").text
    assert "甲户主" in text
    assert "甲远联户" not in text
    assert "丙干部" not in text
    assert "甲远联户" in village_cards(spread, "city").text


def test_village_cards_of_a_liaison_show_only_their_units_cadres(spread: ScopeWorld) -> None:
    text = village_cards(spread, "liaison").text
    assert "甲户主" in text
    assert "甲远联户" not in text


def test_a_notice_board_leaves_out_members_the_user_may_not_see(
    scope_world: ScopeWorld,
) -> None:
    world = scope_world
    make_work_group_member(
        work_group=world.home.work_group,
        cadre=make_cadre(unit=world.home.unit, name="甲同事", phone="13700001111"),
    )
    url = reverse("units:work_group_board", args=[world.home.work_group.pk])
    township = signed_in(world.users["township"]).get(url).text
    assert "甲干部" in township
    assert "甲同事" in township
    # The cadre's account sees their own entry, not their colleagues'.
    own = signed_in(world.users["cadre"]).get(url)
    assert own.status_code == 200
    assert "甲干部" in own.text
    assert "甲同事" not in own.text
    assert "13700001111" not in own.text


@pytest.mark.parametrize("role", ["other_township", "other_liaison", "auditor", "no_role"])
def test_a_notice_board_outside_the_area_is_not_found(scope_world: ScopeWorld, role: str) -> None:
    url = reverse("units:work_group_board", args=[scope_world.home.work_group.pk])
    response = signed_in(scope_world.users[role]).get(url)
    assert response.status_code in {302, 403, 404}
    assert "甲干部" not in response.text


@pytest.mark.parametrize(
    ("role", "status"),
    [("township", 200), ("county", 200), ("liaison", 200), ("other_township", 404)],
)
def test_a_cadre_photo_opens_only_within_the_area(
    scope_world: ScopeWorld, role: str, status: int, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    cadre = scope_world.home.cadre
    cadre.photo.save("face.jpg", ContentFile(b"\xff\xd8\xff\xe0 not really"), save=True)
    url = reverse("units:cadre_photo", args=[cadre.pk])
    assert signed_in(scope_world.users[role]).get(url).status_code == status
