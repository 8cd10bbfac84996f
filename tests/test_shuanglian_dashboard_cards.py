"""The dashboard's cards at every level: figures that add up and say what they count."""

import datetime
import io
import json
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuanglian.figures.summary import figures_for
from shuanglian.figures.visit_stats import NeedCounts
from tests.factories import make_household, make_need, make_unit
from villages.models import Household, Village
from visits.models import Need

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CITY, COUNTY, TOWNSHIP, VILLAGE = "", "371728000000", "371728104000", "371728104201"


def page(client: Client, area: str) -> str:
    response = client.get(reverse("dashboard"), {"area": area} if area else {})
    assert response.status_code == 200
    return response.text


def card(text: str, slug: str) -> str:
    """The text of one headline card, tags stripped."""
    found = re.search(rf'id="{slug}"[^>]*>(.*?)</(?:a|div)>', text, re.S)
    assert found, slug
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


@pytest.fixture
def needs(coverage_city: dict) -> None:
    """Nine needs in 王寨村: four open (one overdue), three resolved, two closed unresolved."""
    village = Village.objects.get(code=VILLAGE)
    household = Household.objects.filter(village=village).first()
    long_ago = TODAY - datetime.timedelta(days=40)

    def need(status: str, **fields: object) -> Need:
        closed = status in (Need.Status.RESOLVED, Need.Status.UNRESOLVABLE)
        return make_need(
            household=household,
            status=status,
            raised_on=long_ago,
            resolution="已处理" if closed else "",
            closed_on=TODAY if closed else None,
            **fields,
        )

    need(Need.Status.PENDING, progressed_on=long_ago)
    need(Need.Status.PENDING)
    for _ in range(2):
        need(Need.Status.IN_PROGRESS)
    for _ in range(3):
        need(Need.Status.RESOLVED)
    for _ in range(2):
        need(Need.Status.UNRESOLVABLE)


@pytest.mark.parametrize("area", [CITY, COUNTY, TOWNSHIP, VILLAGE])
def test_the_needs_card_counts_every_closure_and_its_parts_add_up(
    needs: None, admin_client: Client, area: str
) -> None:
    text = card(page(admin_client, area), "needs-raised")
    assert text == "群众诉求 9 已办结3件、无法解决2件、未办结4件 超期1件"
    figures = re.fullmatch(r"群众诉求 (\d+) 已办结(\d+)件、无法解决(\d+)件、未办结(\d+)件 .*", text)
    total, *parts = (int(number) for number in figures.groups())
    assert sum(parts) == total


def test_the_need_counts_add_up_in_every_row(needs: None) -> None:
    figures = figures_for(None).visits
    assert figures.total.needs == NeedCounts(raised=9, open=4, resolved=3, overdue=1)
    assert figures.total.needs.unresolvable == 2
    for row in [*figures.rows.values(), figures.total]:
        assert row.needs.open + row.needs.resolved + row.needs.unresolvable == row.needs.raised


def test_the_needs_table_shows_closures_that_add_up(needs: None, admin_client: Client) -> None:
    text = page(admin_client, TOWNSHIP)
    table = text[text.index('<table id="visit-table"') :]
    head = re.sub(r"<[^>]+>", "|", table[: table.index("</thead>")])
    assert "诉求数|" in head and "已办结|" in head and "无法解决|" in head and "未办结|" in head
    row = table[table.index("王寨村") : table.index("</tr>", table.index("王寨村"))]
    cells = re.findall(r'<td class="num">(?:<span class="missing">)?(\d+)', row)
    assert cells[3:7] == ["9", "3", "2", "4"]


def test_the_city_cards_count_every_unit_and_cadre(
    coverage_city: dict, admin_client: Client
) -> None:
    text = page(admin_client, CITY)
    assert card(text, "rate-units") == "单位参与率 66.7% 3个单位中有2个已联系村 1个未联系村"
    assert (
        card(text, "rate-cadres") == "在职干部参与率 33.3% 3名在职干部中有1名已联系户 2名未联系户"
    )


@pytest.mark.parametrize(
    ("area", "name", "linking"), [(COUNTY, "东明县", 2), (TOWNSHIP, "沙沃镇", 1)]
)
def test_a_county_or_township_without_units_of_its_own_says_so_and_raises_no_alarm(
    coverage_city: dict, admin_client: Client, area: str, name: str, linking: int
) -> None:
    text = page(admin_client, area)
    assert card(text, "rate-units") == (
        f"单位参与率 — {name}本地没有单位 "
        f"联系{name}村（社区）的单位共{linking}个（含市直等上级单位）"
    )
    assert card(text, "rate-cadres") == f"在职干部参与率 — {name}本地没有单位"
    for slug in ("rate-units", "rate-cadres"):
        assert 'class="gap"' not in re.search(rf'id="{slug}".*?</a>', text, re.S).group(0)


def test_a_county_with_a_unit_of_its_own_counts_it_where_it_is_based(
    coverage_city: dict, admin_client: Client
) -> None:
    make_unit(name="东明县委组织部", level="county", county=coverage_city["county"])
    text = page(admin_client, COUNTY)
    assert card(text, "rate-units").startswith(
        "单位参与率 0.0% 东明县本地1个单位中有0个已联系村 联系东明县村（社区）的单位共2个"
    )
    assert card(text, "rate-units").endswith("1个未联系村")


def test_a_fully_covered_rate_shows_no_gap_in_red(
    coverage_city: dict, admin_client: Client
) -> None:
    text = page(admin_client, "371728104201")
    assert card(text, "rate-villages") == "村（社区）覆盖率 100.0% 1个村（社区）中有1个已有联系单位"


def test_the_village_page_is_titled_with_the_village_and_charts_its_cadres(
    coverage_city: dict, admin_client: Client
) -> None:
    text = page(admin_client, VILLAGE)
    assert "<title>王寨村 覆盖情况" in text
    assert "<h1>王寨村 覆盖情况</h1>" in text
    chart = json.loads(
        re.search(
            r'<script id="coverage-chart-data" type="application/json">(.*?)</script>', text
        ).group(1)
    )
    # 张一 has 王甲; 王乙's assignment ended, so one household has nobody.
    assert chart["names"] == ["张一", "无联系干部"]
    assert chart["series"][0] == {"name": "农户", "data": [1, 1]}
    assert chart["series"][1]["name"] == "近30天走访"
    assert chart["percent"] is False
    assert 'aria-label="各联系干部负责的农户"' in text


def test_other_levels_are_titled_with_their_area_and_chart_the_areas_below(
    coverage_city: dict, admin_client: Client
) -> None:
    assert "<h1>覆盖情况</h1>" in page(admin_client, CITY)
    text = page(admin_client, COUNTY)
    assert "<h1>东明县 覆盖情况</h1>" in text
    chart = json.loads(
        re.search(
            r'<script id="coverage-chart-data" type="application/json">(.*?)</script>', text
        ).group(1)
    )
    assert chart["names"] == ["沙沃镇", "菜园集镇"]
    assert chart["percent"] is True


def xlsx(client: Client, slug: str, area: str) -> list[list[object]]:
    params = {"format": "xlsx", **({"area": area} if area else {})}
    response = client.get(reverse("gap_list", args=[slug]), params)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_city_household_gap_list_names_the_county(
    coverage_city: dict, admin_client: Client, django_assert_max_num_queries: object
) -> None:
    for _ in range(30):
        make_household(village=Village.objects.get(code="371728104202"))
    # A recount of the marked villages (with their work groups' and funds' figures), on
    # PostgreSQL its lock, and the unread reminders' badge are among them.
    with django_assert_max_num_queries(20):
        text = admin_client.get(reverse("gap_list", args=["households"])).text
    head = text[text.index('<table class="gap-table"') :]
    head = head[: head.index("</thead>")]
    assert "<th>县区</th><th>乡镇（街道）</th><th>村（社区）</th>" in head
    assert "<td>东明县</td><td>沙沃镇</td><td>王寨村</td>" in text
    rows = xlsx(admin_client, "households", CITY)
    assert rows[0][:4] == ["县区", "乡镇（街道）", "村（社区）", "户主姓名"]
    assert rows[1][:4] == ["东明县", "沙沃镇", "王寨村", "王乙"]


def test_a_gap_list_drops_the_area_columns_that_are_constant(
    coverage_city: dict, admin_client: Client
) -> None:
    county = xlsx(admin_client, "households", COUNTY)
    assert county[0][:3] == ["乡镇（街道）", "村（社区）", "户主姓名"]
    assert county[1][:3] == ["沙沃镇", "王寨村", "王乙"]
    township = xlsx(admin_client, "households", TOWNSHIP)
    assert township[0][:2] == ["村（社区）", "户主姓名"]
    text = admin_client.get(reverse("gap_list", args=["households"]), {"area": COUNTY}).text
    assert "<th>县区</th>" not in text and "<th>乡镇（街道）</th>" in text


def test_the_city_unit_gap_list_names_county_and_township(
    coverage_city: dict, admin_client: Client
) -> None:
    rows = xlsx(admin_client, "units", CITY)
    assert rows[0] == ["单位", "类型", "层级", "县区", "乡镇（街道）", "在职干部数"]
    assert rows[1][0] == "团市委"
