"""Printable contact cards (连心卡): one for each household that has a cadre now."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_staff_user,
    make_township,
    make_unit,
    make_village,
    unique_resident_id,
)
from units.models import Cadre, HouseholdAssignment
from villages.models import Household, Village

pytestmark = pytest.mark.django_db

SIX_TASKS = "宣传党的政策、反映群众心声、帮助解决困难、探索致富之路、倡树文明新风、加强基层组织"


@pytest.fixture
def viewer() -> Client:
    client = Client()
    client.force_login(make_staff_user("card-printer", "units.view_householdassignment"))
    return client


@pytest.fixture
def village() -> Village:
    return make_village(township=make_township(name="武胜桥镇"), name="张庄村")


@pytest.fixture
def cadre() -> Cadre:
    unit = make_unit(name="市司法局")
    return make_cadre(unit=unit, name="王建国", position="副局长", phone="13905300001")


def village_url(village: Village) -> str:
    return reverse("units:village_cards", args=[village.pk])


def cadre_url(cadre: Cadre) -> str:
    return reverse("units:cadre_cards", args=[cadre.pk])


def card_households(html: str) -> list[str]:
    return re.findall(r'<dd class="household">([^<]+)</dd>', html)


def card_cadres(html: str) -> list[str]:
    return re.findall(r'<dd class="cadre">([^<]+)</dd>', html)


def test_a_card_says_who_to_call_and_what_for(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    make_assignment(household=make_household(village=village, head_name="李秀英"), cadre=cadre)
    response = viewer.get(village_url(village))
    assert response.status_code == 200
    card = re.search(r'<article class="card">(.*?)</article>', response.text, re.S).group(1)
    assert "<h2>双联双创连心卡</h2>" in card
    pairs = re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", card)
    assert pairs == [
        ("户主", "李秀英"),
        ("所在村（社区）", "武胜桥镇张庄村"),
        ("联系干部", "王建国"),
        ("单位", "市司法局"),
        ("职务", "副局长"),
        ("联系电话", "13905300001"),
    ]
    assert f"六项任务：</span>{SIX_TASKS}" in card


def test_village_cards_are_exactly_the_households_with_a_cadre_now(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    other_cadre = make_cadre(name="赵志强")
    make_assignment(household=make_household(village=village, head_name="甲户"), cadre=cadre)
    make_assignment(household=make_household(village=village, head_name="乙户"), cadre=other_cadre)
    make_household(village=village, head_name="无人联系户")
    ended = make_household(village=village, head_name="已调整户")
    make_assignment(
        household=ended,
        cadre=cadre,
        started_on=datetime.date(2024, 1, 1),
        ended_on=datetime.date(2024, 6, 1),
        end_reason="干部调动",
    )
    make_assignment(household=make_household(head_name="外村户"), cadre=cadre)

    response = viewer.get(village_url(village))
    # Grouped by cadre, so each cadre takes their own cards out to their households.
    assert card_households(response.text) == ["甲户", "乙户"]
    assert card_cadres(response.text) == ["王建国", "赵志强"]
    for absent in ["无人联系户", "已调整户", "外村户"]:
        assert absent not in response.text


def test_a_household_handed_to_another_cadre_gets_a_card_with_the_new_cadre_only(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    household = make_household(village=village, head_name="甲户")
    make_assignment(
        household=household,
        cadre=make_cadre(name="前任干部"),
        started_on=datetime.date(2024, 1, 1),
        ended_on=datetime.date(2024, 6, 1),
    )
    make_assignment(household=household, cadre=cadre, started_on=datetime.date(2024, 6, 1))
    response = viewer.get(village_url(village))
    assert card_households(response.text) == ["甲户"]
    assert card_cadres(response.text) == ["王建国"]
    assert "前任干部" not in response.text


def test_cadre_cards_are_exactly_the_cadres_households_now_in_every_village(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    make_assignment(household=make_household(village=village, head_name="甲户"), cadre=cadre)
    make_assignment(household=make_household(head_name="乙户"), cadre=cadre)
    make_assignment(household=make_household(village=village, head_name="别人的户"))
    make_assignment(
        household=make_household(village=village, head_name="已调整户"),
        cadre=cadre,
        started_on=datetime.date(2024, 1, 1),
        ended_on=datetime.date(2024, 6, 1),
    )
    response = viewer.get(cadre_url(cadre))
    assert response.status_code == 200
    assert sorted(card_households(response.text)) == ["乙户", "甲户"]
    assert set(card_cadres(response.text)) == {"王建国"}
    assert "别人的户" not in response.text
    assert "已调整户" not in response.text
    assert "王建国（市司法局） · 连心卡：2 张" in response.text


def test_cards_never_show_resident_id_numbers_or_the_households_phone(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    households = [
        make_household(village=village, phone="13700137000", head_name=f"户{n}") for n in range(3)
    ]
    for household in households:
        make_assignment(household=household, cadre=cadre)
    for url in (village_url(village), cadre_url(cadre)):
        text = viewer.get(url).text
        for household in households:
            assert household.id_number not in text
            assert household.id_number[-4:] not in text
            assert household.masked_id_number not in text
        assert "13700137000" not in text


def test_eight_cards_fill_a_sheet_and_the_ninth_starts_the_next(
    viewer: Client, village: Village, cadre: Cadre
) -> None:
    for n in range(9):
        make_assignment(household=make_household(village=village, head_name=f"户{n}"), cadre=cadre)
    response = viewer.get(village_url(village))
    sheets = re.findall(r'<div class="sheet cards">(.*?)</div>', response.text, re.S)
    assert [sheet.count('<article class="card">') for sheet in sheets] == [8, 1]


def test_a_village_without_linked_households_says_so(viewer: Client, village: Village) -> None:
    make_household(village=village)
    response = viewer.get(village_url(village))
    assert "这里还没有农户与干部结对联系。" in response.text
    assert '<article class="card">' not in response.text


def test_the_cards_are_printed_on_a4_with_the_print_button_hidden(
    viewer: Client, village: Village
) -> None:
    response = viewer.get(village_url(village))
    assert '<link rel="stylesheet" href="/static/css/print.css">' in response.text
    assert 'class="print-button">打印</button>' in response.text
    assert '<script src="/static/js/print_button.js" defer></script>' in response.text
    assert 'id="header"' not in response.text


def test_the_supervision_phone_is_on_each_card_when_configured(
    viewer: Client, village: Village, cadre: Cadre, settings: object
) -> None:
    settings.BOARD_SUPERVISION_PHONE = "0530-5310000"
    make_assignment(household=make_household(village=village), cadre=cadre)
    assert "监督电话：0530-5310000" in viewer.get(village_url(village)).text
    settings.BOARD_SUPERVISION_PHONE = ""
    assert "监督电话" not in viewer.get(village_url(village)).text


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, village: Village, cadre: Cadre
) -> None:
    for url in (village_url(village), cadre_url(cadre)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_staff_without_the_assignment_permission_are_refused(
    client: Client, village: Village, cadre: Cadre
) -> None:
    client.force_login(
        make_staff_user("village-keeper", "villages.view_village", "units.view_cadre")
    )
    assert client.get(village_url(village)).status_code == 403
    assert client.get(cadre_url(cadre)).status_code == 403


def test_unknown_villages_and_cadres_are_not_found(viewer: Client) -> None:
    assert viewer.get(reverse("units:village_cards", args=[999_999])).status_code == 404
    assert viewer.get(reverse("units:cadre_cards", args=[999_999])).status_code == 404


def link_households(*, count: int, village: Village, cadres: list[Cadre]) -> None:
    households = Household.objects.bulk_create(
        Household(
            village=village,
            head_name=f"户主{n}",
            id_number=unique_resident_id(),
        )
        for n in range(count)
    )
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household=household, cadre=cadres[n % len(cadres)])
        for n, household in enumerate(households)
    )


@pytest.mark.parametrize("view", ["village", "cadre"])
def test_cards_cost_the_same_queries_for_5_or_100_households(
    viewer: Client, django_assert_max_num_queries: object, view: str
) -> None:
    counts = []
    for size in (5, 100):
        village = make_village()
        cadres = [make_cadre(unit=make_unit()) for _ in range(3)] if view == "village" else []
        cadres = cadres or [make_cadre()]
        link_households(count=size, village=village, cadres=cadres)
        url = village_url(village) if view == "village" else cadre_url(cadres[0])
        # One of them reads the viewer's role and scope.
        with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as queries:
            response = viewer.get(url)
        assert response.text.count('<article class="card">') == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_cadre_page_and_the_village_list_and_page_link_to_the_cards(
    superuser_client: Client,
) -> None:
    assignment = HouseholdAssignment.objects.active().select_related("household").first()
    cadre, village = assignment.cadre, assignment.household.village

    cadre_page = superuser_client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    assert f'<a href="{cadre_url(cadre)}" target="_blank">打印连心卡</a>' in cadre_page.text

    listing = superuser_client.get(reverse("admin:villages_village_changelist"))
    assert f'<a href="{village_url(village)}" target="_blank">打印连心卡</a>' in listing.text
    village_page = superuser_client.get(reverse("admin:villages_village_change", args=[village.pk]))
    assert (
        f'<a href="{village_url(village)}" target="_blank" id="village-cards">打印连心卡</a>'
        in village_page.text
    )
