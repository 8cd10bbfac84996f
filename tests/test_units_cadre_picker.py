"""The cadre picker of every page that gives households to a cadre: each cadre with their
households and the maximum, the village's work groups first, within the user's scope."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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
from units.models import Cadre, WorkGroup
from villages.models import Village

pytestmark = pytest.mark.django_db

PICK_URL = reverse("admin:units_cadre_pick")
ASSIGN_URL = reverse("admin:villages_household_assign")
ADD_URL = reverse("admin:units_householdassignment_add")
FIELD = {"app_label": "units", "model_name": "householdassignment", "field_name": "cadre"}


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city() -> Client:
    return signed_in(make_coordinator("city", "city"))


def picked(client: Client, **params: object) -> list[str]:
    response = client.get(PICK_URL, {**FIELD, **params})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def group_of(village: Village, unit_name: str, *names: str) -> tuple[WorkGroup, list[Cadre]]:
    """A work group of a new unit in ``village``: the first name leads, the others belong."""
    unit = make_unit(name=unit_name)
    cadres = [make_cadre(unit=unit, name=name) for name in names]
    group = make_work_group(unit=unit, village=village, leader=cadres[0])
    for cadre in cadres[1:]:
        make_work_group_member(work_group=group, cadre=cadre)
    return group, cadres


def loaded(cadre: Cadre, count: int) -> Cadre:
    for _ in range(count):
        make_assignment(household=make_household(), cadre=cadre)
    return cadre


def picker_url(page_html: str, name: str = "cadre") -> str:
    """The address the page's cadre picker asks, as the browser reads it."""
    found = re.search(rf'name="{name}"[^>]*data-ajax--url="([^"]+)"', page_html) or re.search(
        rf'data-ajax--url="([^"]+)"[^>]*name="{name}"', page_html
    )
    assert found, "no cadre picker on the page"
    return html.unescape(found.group(1))


def test_the_villages_work_group_comes_first_and_each_cadre_shows_their_load(
    city: Client, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 15
    village = make_village()
    _group, (leader, _member) = group_of(village, "市农业农村局", "张三", "张四")
    loaded(leader, 12)
    elsewhere = loaded(make_cadre(unit=make_unit(name="市财政局"), name="王五"), 3)
    loaded(make_cadre(unit=elsewhere.unit, name="赵六", in_service=False), 1)

    assert picked(city, villages=village.pk) == [
        "张三 · 市农业农村局 · 本村工作组 · 联系12户/上限15户",
        "张四 · 市农业农村局 · 本村工作组 · 联系0户/上限15户",
        "王五 · 市财政局 · 联系3户/上限15户",
    ]


def test_a_cadre_in_another_villages_group_is_not_put_first(city: Client) -> None:
    village, other = make_village(), make_village()
    group_of(other, "A单位", "A干部")
    group_of(village, "B单位", "B干部")

    assert picked(city, villages=village.pk) == [
        "B干部 · B单位 · 本村工作组 · 联系0户/上限10户",
        "A干部 · A单位 · 联系0户/上限10户",
    ]
    # Without a village, by unit and name as everywhere else, each with their load.
    assert picked(city) == [
        "A干部 · A单位 · 联系0户/上限10户",
        "B干部 · B单位 · 联系0户/上限10户",
    ]


def test_one_households_village_is_found_from_the_household(city: Client) -> None:
    village = make_village()
    group_of(make_village(), "甲单位", "甲干部")
    group_of(village, "乙单位", "乙干部")
    household = make_household(village=village)

    assert picked(city, household=household.pk)[0] == (
        "乙干部 · 乙单位 · 本村工作组 · 联系0户/上限10户"
    )


def test_typing_narrows_the_picker_as_the_admins_own_search_does(city: Client) -> None:
    village = make_village()
    group_of(village, "甲单位", "甲干部", "吴某")
    make_cadre(unit=make_unit(name="乙单位"), name="吴另一")

    assert picked(city, villages=village.pk, term="吴") == [
        "吴某 · 甲单位 · 本村工作组 · 联系0户/上限10户",
        "吴另一 · 乙单位 · 联系0户/上限10户",
    ]


def test_bad_village_keys_are_left_out(city: Client) -> None:
    group_of(make_village(), "甲单位", "甲干部")
    for bad in ("x", ",,", "٣", "-1", "9" * 40, ""):
        assert picked(city, villages=bad, household=bad) == ["甲干部 · 甲单位 · 联系0户/上限10户"]


def test_the_picker_answers_only_for_fields_that_hold_a_cadre(city: Client) -> None:
    response = city.get(PICK_URL, {**FIELD, "field_name": "household", "term": "王"})
    assert response.status_code == 403


def test_the_picker_offers_only_cadres_the_user_may_assign(scope_world: ScopeWorld) -> None:
    home, next_door, far = scope_world.home, scope_world.next_door, scope_world.far
    township = signed_in(scope_world.users["township"])
    # Naming villages outside the area neither lists their cadres nor marks anyone.
    outside = f"{next_door.village.pk},{far.village.pk}"
    texts = picked(township, villages=outside)
    assert texts == ["甲干部 · 甲局 · 联系1户/上限10户"]
    assert picked(township, villages=home.village.pk) == [
        "甲干部 · 甲局 · 本村工作组 · 联系1户/上限10户"
    ]
    assert picked(township, household=far.household.pk, term="丙") == []

    liaison = signed_in(scope_world.users["other_liaison"])
    assert picked(liaison, villages=home.village.pk) == ["乙干部 · 乙局 · 联系1户/上限10户"]


def test_the_picker_takes_the_same_few_queries_for_few_and_many_cadres(
    city: Client, django_assert_max_num_queries: object
) -> None:
    village = make_village()
    counts = {}
    for n in (2, 60):
        unit = make_unit()
        group = make_work_group(unit=unit, village=village)
        for cadre in Cadre.objects.bulk_create(
            Cadre(unit=unit, name=f"干部{n}-{i}") for i in range(n)
        ):
            make_work_group_member(work_group=group, cadre=cadre)
            make_assignment(household=make_household(), cadre=cadre)
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
            texts = picked(city, villages=village.pk)
        counts[n] = len(queries)
        assert len(texts) == min(Cadre.objects.count(), 20)
    assert counts[2] == counts[60]


def test_the_assign_page_asks_the_picker_about_the_chosen_households_villages(
    city: Client,
) -> None:
    first, second = make_village(), make_village()
    chosen = [make_household(village=first), make_household(village=second)]
    ids = ",".join(str(household.pk) for household in chosen)

    response = city.get(ASSIGN_URL, {"ids": ids})

    url = picker_url(response.text)
    assert url == f"{PICK_URL}?villages={min(first.pk, second.pk)}%2C{max(first.pk, second.pk)}"


def test_the_add_page_asks_the_picker_about_the_households_village(city: Client) -> None:
    household = make_household()
    response = city.get(ADD_URL, {"household": household.pk})
    assert picker_url(response.text) == f"{PICK_URL}?household={household.pk}"
    assert picker_url(city.get(ADD_URL).text) == PICK_URL


def test_the_hand_over_page_offers_successors_with_their_load(city: Client) -> None:
    cadre = loaded(make_cadre(), 1)
    response = city.get(reverse("admin:units_cadre_handover", args=[cadre.pk]))
    assert picker_url(response.text, "to_cadre") == PICK_URL
