"""Gap lists: exactly the missing links, narrowed by area, exported, in constant queries."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_work_group,
    make_work_group_member,
)
from units.models import Cadre, WorkGroup
from villages.models import Village

pytestmark = pytest.mark.django_db


def gap(client: Client, slug: str, **params: str) -> str:
    response = client.get(reverse("gap_list", args=[slug]), params)
    assert response.status_code == 200
    return response.text


def rows(client: Client, slug: str, **params: str) -> list[list[object]]:
    response = client.get(reverse("gap_list", args=[slug]), {**params, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_villages_without_a_unit(coverage_city: dict, admin_client: Client) -> None:
    assert rows(admin_client, "villages") == [
        ["县区", "乡镇（街道）", "村（社区）", "代码", "户数"],
        ["东明县", "沙沃镇", "蔡寨村", "371728104202", 1],
        ["东明县", "菜园集镇", "空村", "371728105202", 0],
    ]
    text = gap(admin_client, "villages", area="371728105000")
    assert "空村" in text and "蔡寨村" not in text
    assert "建立工作组" in text


def test_households_without_a_cadre_include_those_whose_cadre_left(
    coverage_city: dict, admin_client: Client
) -> None:
    table = rows(admin_client, "households")
    assert [row[3] for row in table[1:]] == ["王乙", "蔡丙"]
    assert table[0][4] == "身份证号"
    assert all("*" in row[4] for row in table[1:]), "resident IDs are masked"
    assert "为选中的农户分配联系干部" in gap(admin_client, "households")


def test_units_and_cadres_without_links(coverage_city: dict, admin_client: Client) -> None:
    assert [row[0] for row in rows(admin_client, "units")[1:]] == ["团市委"]
    cadres = rows(admin_client, "cadres")
    assert [row[1] for row in cadres[1:]] == ["李四", "张二"]  # by unit: 市司法局, 市委组织部
    text = gap(admin_client, "cadres")
    assert "张二" in text and "李四" in text
    assert "未加入工作组" in text


def test_cadres_above_the_maximum(
    coverage_city: dict, admin_client: Client, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1
    assert rows(admin_client, "overloaded")[1:] == [["市委组织部", "张一", "科员", 2]]
    assert "每名干部最多联系1户。" in gap(admin_client, "overloaded")


def test_an_unknown_gap_is_not_found(admin_client: Client) -> None:
    assert admin_client.get(reverse("gap_list", args=["nothing"])).status_code == 404


@pytest.mark.parametrize("slug", ["villages", "households", "units", "cadres", "overloaded"])
def test_each_gap_list_runs_the_same_queries_for_few_and_many_rows(
    coverage_city: dict, admin_client: Client, settings: object, slug: str
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 0

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            gap(admin_client, slug)
        return len(captured)

    few = count()
    village = Village.objects.get(name="蔡寨村")
    for _ in range(60):
        make_assignment(household=make_household(village=village), cadre=make_cadre())
        make_household(village=village)
    assert count() == few


def test_cadres_without_households_show_the_villages_they_lead_or_join(
    coverage_city: dict, admin_client: Client
) -> None:
    zhang = Cadre.objects.get(name="张二")
    li = Cadre.objects.get(name="李四")
    wang = Village.objects.get(name="王寨村")
    cai = Village.objects.get(name="蔡寨村")
    led = WorkGroup.objects.get(village=wang)
    led.leader = zhang
    led.save()
    joined = make_work_group(unit=zhang.unit, village=cai)
    make_work_group_member(work_group=joined, cadre=zhang)
    make_work_group_member(work_group=led, cadre=zhang)  # leader and member: listed once

    page = admin_client.get(reverse("gap_list", args=["cadres"])).context["page"]

    villages = {cadre.name: [v.name for v in cadre.group_villages] for cadre in page.object_list}
    assert villages == {"张二": ["王寨村", "蔡寨村"], "李四": []}
    assert li.pk in {cadre.pk for cadre in page.object_list}
