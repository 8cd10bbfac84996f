"""Auto-distribution previews which household goes to which cadre; the confirmation applies that
preview as it was shown, checked again, and says why households are left over."""

import time
from unittest import mock
from urllib.parse import unquote

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_household,
    make_unit,
    make_village,
    make_work_group,
    make_work_group_member,
)
from units.distribution import PREVIEW_MAX_AGE
from units.models import Cadre, HouseholdAssignment, WorkGroupMember
from villages.models import Household, Village

pytestmark = pytest.mark.django_db

VILLAGES_URL = reverse("admin:villages_village_changelist")


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city() -> Client:
    return signed_in(make_coordinator("city", "city"))


def distribute_url(village: Village) -> str:
    return reverse("admin:villages_village_distribute", args=[village.pk])


def messages_of(response: object) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def village_with_group(
    n_cadres: int, n_households: int, unit_name: str = "市农业农村局"
) -> tuple[Village, list[Cadre]]:
    village = make_village(name="王寨村")
    unit = make_unit(name=unit_name)
    cadres = [make_cadre(unit=unit, name=f"干部{i}") for i in range(n_cadres)]
    group = make_work_group(unit=unit, village=village, leader=cadres[0])
    for cadre in cadres[1:]:
        make_work_group_member(work_group=group, cadre=cadre)
    for i in range(n_households):
        make_household(village=village, head_name=f"户主{i}")
    return village, cadres


def in_village(village: Village) -> list[Household]:
    return list(Household.objects.in_area(village).order_by("pk"))


def linked(village: Village) -> dict[str, str]:
    return dict(
        HouseholdAssignment.objects.active()
        .filter(household__village=village)
        .values_list("household__head_name", "cadre__name")
    )


def test_the_preview_lists_which_household_goes_to_which_cadre(city: Client) -> None:
    village, _cadres = village_with_group(2, 3)

    response = city.get(distribute_url(village))

    assert response.status_code == 200
    text = response.text
    assert "分配预览（农户 → 联系干部）：3户" in text
    rows = [
        (household.head_name, cadre.name, cadre.unit.name)
        for household, cadre in response.context["planned"]
    ]
    unit = "市农业农村局"
    assert rows == [("户主0", "干部0", unit), ("户主1", "干部1", unit), ("户主2", "干部0", unit)]
    assert "<td>户主2</td>" in text and "<td>干部1</td>" in text
    assert "按此方案分配（3户）" in text
    assert 'id="cancel"' in text
    assert not linked(village)


def test_a_long_preview_is_paged(city: Client, settings: object) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1000
    village, _cadres = village_with_group(3, 120)
    response = city.get(distribute_url(village), {"max_per_cadre": 100, "p": 3})
    planned = response.context["planned"]
    assert (planned.number, len(planned.object_list), planned.paginator.count) == (3, 20, 120)
    assert "第3页，共3页" in response.text


def test_confirming_applies_the_preview_as_it_was_shown(city: Client) -> None:
    village, _cadres = village_with_group(2, 3)
    preview = city.get(distribute_url(village))
    shown = {h.head_name: c.name for h, c in preview.context["plan"].assignments}

    response = city.post(
        distribute_url(village), {"max_per_cadre": 10, "plan": preview.context["plan_token"]}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["已为3户分配联系干部。"]
    assert linked(village) == shown


def test_a_household_assigned_after_the_preview_is_skipped_and_named(city: Client) -> None:
    village, cadres = village_with_group(2, 4)
    preview = city.get(distribute_url(village))
    second = in_village(village)[1]
    someone = make_cadre(name="别的干部")
    make_assignment(household=second, cadre=someone)
    # A household added after the preview waits for the next distribution.
    newcomer = make_household(village=village, head_name="新来户")

    response = city.post(
        distribute_url(village), {"max_per_cadre": 10, "plan": preview.context["plan_token"]}
    )

    assert messages_of(response) == [
        "已为3户分配联系干部。",
        "1户在预览后已有联系干部，已跳过：户主1。",
    ]
    # Everyone else goes to the cadre the preview showed, not to a plan made afresh.
    assert linked(village) == {
        "户主0": cadres[0].name,
        "户主1": "别的干部",
        "户主2": cadres[0].name,
        "户主3": cadres[1].name,
    }
    assert not HouseholdAssignment.objects.filter(household=newcomer).exists()
    after = city.get(response["Location"])
    assert "分配预览（农户 → 联系干部）：1户" in after.text


def test_a_cadre_who_left_the_work_group_after_the_preview_gets_nothing(city: Client) -> None:
    village, (leader, member) = village_with_group(2, 4)
    preview = city.get(distribute_url(village))
    WorkGroupMember.objects.filter(cadre=member).delete()

    response = city.post(
        distribute_url(village), {"max_per_cadre": 10, "plan": preview.context["plan_token"]}
    )

    assert messages_of(response) == [
        "已为2户分配联系干部。",
        "2户已跳过：预览后，方案中的联系干部已离开本村（社区）工作组或不再在岗。",
    ]
    assert set(linked(village).values()) == {leader.name}


def test_a_preview_made_for_another_user_or_village_is_not_applied(city: Client) -> None:
    village, _cadres = village_with_group(2, 2)
    other_village, _others = village_with_group(1, 2, unit_name="市财政局")
    token = city.get(distribute_url(village)).context["plan_token"]
    colleague = signed_in(make_coordinator("city2", "city"))

    tries = ((colleague, distribute_url(village)), (city, distribute_url(other_village)))
    for client, url in tries:
        response = client.post(url, {"max_per_cadre": 10, "plan": token})
        assert response.status_code == 200
        assert messages_of(response) == ["预览已失效，请核对新的分配方案后再确认。"]
    assert not HouseholdAssignment.objects.exists()


def test_a_preview_left_open_too_long_is_planned_again(city: Client) -> None:
    village, _cadres = village_with_group(2, 2)
    token = city.get(distribute_url(village)).context["plan_token"]
    later = time.time() + PREVIEW_MAX_AGE.total_seconds() + 60

    with mock.patch("django.core.signing.time.time", return_value=later):
        response = city.post(distribute_url(village), {"max_per_cadre": 10, "plan": token})

    assert messages_of(response) == ["预览已失效，请核对新的分配方案后再确认。"]
    assert "按此方案分配（2户）" in response.text
    assert not HouseholdAssignment.objects.exists()


# Why households are left over --------------------------------------------------------------


def test_a_village_without_a_work_group_says_so_by_name(city: Client) -> None:
    village = make_village(name="李庄村")
    make_household(village=village)

    response = city.get(distribute_url(village))

    text = response.text
    assert f"{village.township.name}李庄村还没有工作组：尚无单位联系该村（社区），" in text
    assert "请先为其建立单位工作组。" in text
    assert "无法分配的农户：1户" in text
    assert "达到" not in text and "上限" not in text.split('id="maximum-form"')[1]
    assert 'id="apply-form"' not in text


def test_a_work_group_without_cadres_in_service_says_so(city: Client) -> None:
    village = make_village(name="李庄村")
    make_household(village=village)
    group = make_work_group(village=village)
    make_work_group_member(work_group=group, cadre=make_cadre(unit=group.unit, in_service=False))

    text = city.get(distribute_url(village)).text

    assert (
        f"{village.township.name}李庄村的工作组中没有在岗干部，请先在工作组中添加在岗干部。"
    ) in text
    assert "无法分配的农户：1户" in text


def test_cadres_all_at_the_maximum_says_so(city: Client, settings: object) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1
    village, (cadre,) = village_with_group(1, 1)
    make_assignment(household=make_household(), cadre=cadre)

    text = city.get(distribute_url(village), {"max_per_cadre": 1}).text

    assert f"{village.township.name}王寨村工作组的干部均已达到每名干部1户的上限。" in text
    assert "因干部均已达到上限未能分配的农户：1户" in text
    assert "还没有工作组" not in text


# Scope ------------------------------------------------------------------------------------


def test_a_township_coordinator_cannot_preview_or_confirm_elsewhere(
    scope_world: ScopeWorld,
) -> None:
    elsewhere = scope_world.next_door.village
    make_household(village=elsewhere)
    city = signed_in(scope_world.users["city"])
    token = city.get(distribute_url(elsewhere)).context["plan_token"]
    township = signed_in(scope_world.users["township"])
    before = HouseholdAssignment.objects.count()

    assert township.get(distribute_url(elsewhere)).status_code == 404
    response = township.post(distribute_url(elsewhere), {"max_per_cadre": 10, "plan": token})

    assert response.status_code == 404
    assert HouseholdAssignment.objects.count() == before


def test_a_township_coordinator_previews_and_confirms_at_home(scope_world: ScopeWorld) -> None:
    home = scope_world.home.village
    added = make_household(village=home, head_name="甲新户")
    township = signed_in(scope_world.users["township"])
    token = township.get(distribute_url(home)).context["plan_token"]

    response = township.post(distribute_url(home), {"max_per_cadre": 10, "plan": token})

    assert messages_of(response) == ["已为1户分配联系干部。"]
    assert HouseholdAssignment.objects.active().get(household=added).cadre == (
        scope_world.home.cadre
    )


def test_a_liaison_distributes_only_to_their_own_units_cadres(scope_world: ScopeWorld) -> None:
    home = scope_world.home
    other_unit = make_unit(name="别的局")
    stranger = make_cadre(unit=other_unit, name="别的干部")
    make_work_group(unit=other_unit, village=home.village, leader=stranger)
    for i in range(2):
        make_household(village=home.village, head_name=f"甲待分{i}")
    liaison = signed_in(scope_world.users["liaison"])

    preview = liaison.get(distribute_url(home.village))

    assert [load.cadre for load in preview.context["plan"].loads] == [home.cadre]
    assert "别的干部" not in preview.text
    response = liaison.post(
        distribute_url(home.village), {"max_per_cadre": 10, "plan": preview.context["plan_token"]}
    )
    assert messages_of(response) == ["已为2户分配联系干部。"]
    assert not HouseholdAssignment.objects.filter(cadre=stranger).exists()


# Back to the village list ------------------------------------------------------------------


def test_the_village_lists_filters_are_kept_through_preview_and_confirmation(
    city: Client,
) -> None:
    village, _cadres = village_with_group(1, 2)
    filters = f"q=王寨&township={village.township_id}"

    chosen = city.post(
        f"{VILLAGES_URL}?{filters}", {"action": "distribute", "_selected_action": [village.pk]}
    )
    preview = city.get(chosen["Location"])
    assert unquote(preview.context["cancel_url"]) == f"{VILLAGES_URL}?{filters}"
    token = preview.context["plan_token"]
    confirmed = city.post(chosen["Location"], {"max_per_cadre": 10, "plan": token})

    assert unquote(confirmed["Location"]) == f"{VILLAGES_URL}?{filters}"
    listed = city.get(confirmed["Location"])
    assert list(listed.context["cl"].result_list) == [village]
    assert "已为2户分配联系干部。" in listed.text
