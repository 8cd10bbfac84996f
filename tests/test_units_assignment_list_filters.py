"""After assigning households chosen on a filtered list, the list comes back as it was left:
the same search and filters, through the assign page and its paging, cancel and confirmation."""

from html import escape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_household,
    make_village,
    unique_resident_id,
)
from units.models import HouseholdAssignment
from villages.models import Household

pytestmark = pytest.mark.django_db

HOUSEHOLDS_URL = reverse("admin:villages_household_changelist")
CADRES_URL = reverse("admin:units_cadre_changelist")
TODAY = timezone.localdate()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city() -> Client:
    return signed_in(make_coordinator("city", "city"))


def messages_of(response: object) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def listed() -> dict:
    """Two villages of one township; the filters below find the first village's 王 households."""
    village = make_village(name="王寨村")
    other = make_village(name="李庄村", township=village.township)
    wangs = [make_household(village=village, head_name=f"王{i}") for i in range(3)]
    make_household(village=village, head_name="张一")
    make_household(village=other, head_name="王其他")
    filters = f"q=王&township={village.township_id}&village_kind=village&cadre_status=none"
    return {"village": village, "wangs": wangs, "filters": filters}


def filtered_heads(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(h.head_name for h in response.context["cl"].result_list)


def test_assigning_from_a_filtered_list_returns_to_it_as_it_was(city: Client, listed: dict) -> None:
    list_url = f"{HOUSEHOLDS_URL}?{listed['filters']}"
    before = filtered_heads(city, list_url)
    chosen = listed["wangs"][:2]
    cadre = make_cadre(name="联系干部甲")

    action = city.post(
        list_url, {"action": "assign_cadre", "_selected_action": [h.pk for h in chosen]}
    )
    assign_url = action["Location"]
    query = parse_qs(urlsplit(assign_url).query)
    assert unquote(query["_changelist_filters"][0]) == listed["filters"]
    page = city.get(assign_url)
    assert unquote(page.context["changelist_url"]) == unquote(list_url)
    confirmed = city.post(assign_url, {"cadre": cadre.pk, "started_on": TODAY.isoformat()})

    assert confirmed.status_code == 302
    assert unquote(confirmed["Location"]) == unquote(list_url)
    after = city.get(confirmed["Location"])
    assert after.context["cl"].query == "王"
    assert sorted(h.head_name for h in after.context["cl"].result_list) == sorted(
        set(before) - {h.head_name for h in chosen}
    )
    assert "联系干部甲：新分配2户，从其他干部转来0户，0户原已由其联系、未变。" in after.text


def test_the_assign_pages_paging_and_cancel_keep_the_filters(city: Client, listed: dict) -> None:
    many = Household.objects.bulk_create(
        Household(village=listed["village"], head_name=f"王批量{i}", id_number=unique_resident_id())
        for i in range(60)
    )
    ids = ",".join(str(h.pk) for h in many)
    filters = listed["filters"]
    page = city.get(
        reverse("admin:villages_household_assign"), {"ids": ids, "_changelist_filters": filters}
    )
    next_link = unquote(page.text.split('class="paginator"')[1].split('href="')[1].split('"')[0])
    assert f"_changelist_filters={filters}" in next_link.replace("&amp;", "&")
    assert f'href="{escape(page.context["changelist_url"])}" class="closelink"' in page.text


def test_without_filters_the_list_comes_back_plain(city: Client, listed: dict) -> None:
    chosen = listed["wangs"][0]
    action = city.post(HOUSEHOLDS_URL, {"action": "assign_cadre", "_selected_action": [chosen.pk]})
    assert "_changelist_filters" not in action["Location"]
    confirmed = city.post(
        action["Location"], {"cadre": make_cadre().pk, "started_on": TODAY.isoformat()}
    )
    assert confirmed["Location"] == HOUSEHOLDS_URL


def test_the_household_pages_assign_link_keeps_the_lists_filters(
    city: Client, listed: dict
) -> None:
    household = listed["wangs"][0]
    change = reverse("admin:villages_household_change", args=[household.pk])
    page = city.get(change, {"_changelist_filters": listed["filters"]})
    link = page.text.split('id="assign-cadre"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "_changelist_filters=" in link
    confirmed = city.post(
        link.replace("&amp;", "&"), {"cadre": make_cadre().pk, "started_on": TODAY.isoformat()}
    )
    assert unquote(confirmed["Location"]) == unquote(f"{HOUSEHOLDS_URL}?{listed['filters']}")


def test_handing_over_from_a_filtered_cadre_list_keeps_its_filters(city: Client) -> None:
    leaving = make_cadre(name="王离任", in_service=False)
    make_assignment(household=make_household(), cadre=leaving)
    successor = make_cadre(name="王接任")
    filters = "q=王&handover=needed"

    action = city.post(
        f"{CADRES_URL}?{filters}", {"action": "hand_over", "_selected_action": [leaving.pk]}
    )
    assert unquote(parse_qs(urlsplit(action["Location"]).query)["_changelist_filters"][0]) == (
        filters
    )
    done = city.post(
        action["Location"], {"to_cadre": successor.pk, "on": TODAY.isoformat(), "reason": "退休"}
    )

    assert done.status_code == 302
    assert unquote(parse_qs(urlsplit(done["Location"]).query)["_changelist_filters"][0]) == (
        filters
    )
    assert messages_of(done) == ["已将1户从王离任移交给王接任。"]
    assert HouseholdAssignment.objects.active().get().cadre == successor
