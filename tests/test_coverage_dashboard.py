"""The coverage dashboard: four rates known exactly, drill-down, and constant queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuanglian.figures.coverage import Rate
from shuanglian.figures.summary import figures_for
from shuanglian.models import Role
from tests.factories import (
    make_assignment,
    make_cadre,
    make_city,
    make_coordinator,
    make_county,
    make_household,
    make_township,
    make_unit,
    make_user,
    make_work_group,
)
from villages.models import Village

pytestmark = pytest.mark.django_db


def test_the_four_city_rates_are_exact(coverage_city: dict) -> None:
    figures = figures_for(None).coverage
    assert figures.units == Rate(2, 3)
    assert figures.cadres == Rate(1, 3), "张一 of 张一, 张二, 李四; 李三 left"
    assert figures.villages == Rate(2, 4)
    assert figures.households == Rate(2, 4), "王乙's assignment ended; 蔡丙's cadre left"
    assert (figures.units.percent, figures.cadres.percent, figures.households.percent) == (
        66.7,
        33.3,
        50.0,
    )


def test_the_city_table_has_every_county_including_an_empty_one(coverage_city: dict) -> None:
    rows = {row.name: (row.villages, row.households) for row in figures_for(None).coverage.rows}
    assert rows == {
        "东明县": (Rate(2, 4), Rate(2, 4)),
        "曹县": (Rate(0, 0), Rate(0, 0)),
    }
    assert Rate(0, 0).percent is None


def test_a_county_drills_down_to_townships_and_a_township_to_villages(coverage_city: dict) -> None:
    county = figures_for(coverage_city["county"]).coverage
    assert county.row_level == "township"
    assert [(r.name, r.villages, r.households) for r in county.rows] == [
        ("沙沃镇", Rate(1, 2), Rate(1, 3)),
        ("菜园集镇", Rate(1, 2), Rate(1, 1)),
    ]
    # Units and cadres count where the unit is based: these are all city-level units.
    assert (county.units, county.cadres) == (Rate(0, 0), Rate(0, 0))

    township = figures_for(coverage_city["t1"]).coverage
    assert township.row_level == "village"
    assert [(r.name, r.units, r.households) for r in township.rows] == [
        ("王寨村", ["市委组织部"], Rate(1, 2)),
        ("蔡寨村", [], Rate(0, 1)),
    ]
    assert township.villages == Rate(1, 2)


def test_the_page_shows_the_rates_the_counts_and_links_to_each_gap(
    coverage_city: dict, admin_client: Client
) -> None:
    response = admin_client.get(reverse("dashboard"))
    assert response.status_code == 200
    text = response.text
    assert "66.7%" in text and "33.3%" in text and "50.0%" in text
    assert "3个单位中有2个已联系村" in text
    assert "4户中有2户已有联系干部" in text
    for slug in ("units", "cadres", "villages", "households", "overloaded"):
        assert f'href="{reverse("gap_list", args=[slug])}"' in text
    assert 'id="coverage-chart"' in text
    assert "vendor/echarts/echarts.common.min.js" in text
    assert "?area=371728000000" in text


def test_the_county_page_links_townships_and_an_unknown_code_is_not_found(
    coverage_city: dict, admin_client: Client
) -> None:
    response = admin_client.get(reverse("dashboard"), {"area": "371728000000"})
    assert "?area=371728104000" in response.text
    assert "沙沃镇" in response.text
    missing = admin_client.get(reverse("dashboard"), {"area": "999999999999"})
    assert missing.status_code == 404


def test_a_village_page_shows_its_households_units_and_cadres(
    coverage_city: dict, admin_client: Client
) -> None:
    township = admin_client.get(reverse("dashboard"), {"area": "371728104000"})
    assert "?area=371728104201" in township.text, "a township's villages open their own page"
    figures = figures_for(Village.objects.get(code="371728104201")).coverage
    assert (figures.villages, figures.households) == (Rate(1, 1), Rate(1, 2))
    assert [(r.name, r.units) for r in figures.rows] == [("王寨村", ["市委组织部"])]

    response = admin_client.get(reverse("dashboard"), {"area": "371728104201"})
    assert response.status_code == 200
    text = response.text
    assert "2户中有1户已有联系干部" in text
    assert 'id="rate-units"' not in text and 'id="rate-cadres"' not in text
    assert "联系干部" in text and "张一" in text and "市委组织部" in text
    assert "东明县" in text and "沙沃镇" in text, "the breadcrumbs lead back up"


def test_a_township_coordinator_sees_only_their_own_villages(coverage_city: dict) -> None:
    client = Client()
    client.force_login(make_coordinator("xiangzhen", Role.TOWNSHIP, township=coverage_city["t1"]))
    assert client.get(reverse("dashboard"), {"area": "371728104201"}).status_code == 200
    assert client.get(reverse("dashboard"), {"area": "371728105201"}).status_code == 403


def test_the_village_page_runs_the_same_queries_for_1_and_100_households(
    admin_client: Client,
) -> None:
    make_city()
    township = make_township(
        county=make_county(code="371728000000", name="东明县"), code="371728106000"
    )
    village = Village.objects.create(township=township, code="371728106201", name="新村")
    unit = make_unit()
    make_work_group(unit=unit, village=village)

    def grow(total: int) -> None:
        for _ in range(village.households.count(), total):
            make_assignment(household=make_household(village=village), cadre=make_cadre(unit=unit))

    grow(1)
    small = _queries(admin_client, area=village.code)
    grow(100)
    assert _queries(admin_client, area=village.code) == small


def test_only_staff_see_the_dashboard(coverage_city: dict, client: Client) -> None:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    client.force_login(make_user("villager"))
    assert client.get(reverse("dashboard")).status_code == 302


def _queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("area", ["", "371728000000", "371728106000"])
def test_the_dashboard_runs_the_same_queries_for_10_and_1000_villages(
    admin_client: Client, area: str
) -> None:
    make_city()
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728106000", name="试验镇")
    unit = make_unit()
    cadre = make_cadre(unit=unit)

    def grow(total: int) -> None:
        start = Village.objects.count()
        for n in range(start, total):
            village = Village.objects.create(
                township=township, code=f"371728106{n:03d}", name=f"新村{n}"
            )
            if n % 3 == 0:
                make_work_group(unit=unit, village=village)
            make_assignment(household=make_household(village=village), cadre=cadre)

    grow(10)
    small = _queries(admin_client, area=area)
    grow(1000)
    assert _queries(admin_client, area=area) == small
    assert figures_for(township).coverage.villages == Rate(334, 1000)


def test_every_admin_page_links_to_the_dashboard(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    assert f'<a href="{reverse("dashboard")}" id="nav-dashboard">覆盖情况</a>' in response.text


def test_the_household_model_keeps_its_name_in_the_admin_menu(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    assert '<a href="/admin/villages/household/">农户</a>' in response.text


def test_a_villages_gap_lists_hold_only_its_own_rows(
    coverage_city: dict, admin_client: Client
) -> None:
    area = {"area": "371728104201"}
    households = admin_client.get(reverse("gap_list", args=["households"]), area)
    assert households.status_code == 200
    assert "王乙" in households.text and "蔡丙" not in households.text
    for slug in ("villages", "units", "cadres", "overloaded"):
        assert admin_client.get(reverse("gap_list", args=[slug]), area).status_code == 200
