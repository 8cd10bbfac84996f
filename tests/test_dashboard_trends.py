"""Trends on the coverage dashboard: the week-on-week and month-on-month change (环比) of each
headline figure, read from the nightly snapshots in one query, the lines of the last 90 days, and
the empty state before the first night."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuanglian.figures import trends
from shuanglian.models import AreaSnapshot
from tests.factories import make_coordinator
from tests.test_dashboard_shuangchuang import city  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LEVELS = {"": "city", "371728000000": "county", "371728104000": "township"}
LEVELS["371728104201"] = "village"


def snap(code: str, day: datetime.date, **figures: object) -> AreaSnapshot:
    level = figures.pop("level", "city")
    return AreaSnapshot(code=code, level=level, day=day, **figures)


def save(code: str, day: datetime.date, **figures: object) -> AreaSnapshot:
    snapshot = snap(code, day, **figures)
    snapshot.save()
    return snapshot


def full(n: int) -> dict[str, object]:
    """Every figure of a snapshot, growing with ``n``."""
    return {
        "villages": 100,
        "villages_covered": 60 + n // 3,
        "households": 1000,
        "households_covered": 700 + n,
        "units": 50,
        "units_linking": 40,
        "cadres": 400,
        "cadres_linking": 300 + n,
        "visited_30": 200 + 2 * n,
        "visited_90": 500 + n,
        "needs_raised": 80 + n,
        "needs_resolved": 60 + n,
        "needs_open": 20,
        "needs_overdue": 5 + n % 4,
        "rated": 50,
        "pleased": 45,
        "satisfaction": Decimal("88.50"),
        "projects": 10,
        "money_allocated": Decimal("125000.00"),
        "money_paid": Decimal("50000.00"),
        "assessed": 30,
        "up_to_standard": 21,
    }


# --- the arithmetic -------------------------------------------------------------------------


def test_rates_change_in_percentage_points() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), households=1000, households_covered=850)
    week = snap("X", datetime.date(2026, 11, 28), households=1000, households_covered=800)
    month = snap("X", datetime.date(2026, 11, 5), households=800, households_covered=720)
    trend = trends.trends_from("X", [month, week, latest]).by_key["households"]
    assert trend.now == 85.0
    assert trend.week.before == 80.0 and trend.week.delta == 5.0
    assert trend.month.before == 90.0 and trend.month.delta == -5.0
    assert (trend.week.direction, trend.week.verdict) == ("up", "better")
    assert (trend.month.direction, trend.month.verdict) == ("down", "worse")


def test_counts_change_in_percent_of_the_earlier_value() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), needs_raised=120, needs_overdue=5)
    week = snap("X", datetime.date(2026, 11, 28), needs_raised=100, needs_overdue=4)
    month = snap("X", datetime.date(2026, 11, 5), needs_raised=150, needs_overdue=8)
    by_key = trends.trends_from("X", [month, week, latest]).by_key
    assert by_key["needs_raised"].week.delta == 20.0
    assert by_key["needs_raised"].month.delta == -20.0
    assert by_key["needs_overdue"].week.delta == 25.0
    assert by_key["needs_overdue"].month.delta == -37.5


def test_a_rise_in_overdue_needs_is_bad_and_a_fall_good() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), needs_overdue=6, needs_open=10)
    week = snap("X", datetime.date(2026, 11, 28), needs_overdue=3, needs_open=12)
    by_key = trends.trends_from("X", [week, latest]).by_key
    assert (by_key["needs_overdue"].week.arrow, by_key["needs_overdue"].week.verdict) == (
        "↑",
        "worse",
    )
    assert (by_key["needs_open"].week.arrow, by_key["needs_open"].week.verdict) == ("↓", "better")


def test_a_missing_day_gives_no_change_not_a_neighbour() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), needs_raised=10)
    near = snap("X", datetime.date(2026, 11, 27), needs_raised=5)  # 8 days before, not 7
    month = snap("X", datetime.date(2026, 11, 5), needs_raised=8)
    trend = trends.trends_from("X", [month, near, latest]).by_key["needs_raised"]
    assert trend.week.delta is None and trend.week.before is None
    assert trend.week.text == "—" and trend.week.verdict == ""
    assert trend.month.delta == 25.0


def test_a_missing_figure_on_either_side_gives_no_change() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), visited_30=None, households=100)
    week = snap("X", datetime.date(2026, 11, 28), visited_30=20, households=100)
    month = snap("X", datetime.date(2026, 11, 5), visited_30=20, households=0)
    trend = trends.trends_from("X", [month, week, latest]).by_key["visited_30"]
    assert trend.week.delta is None and trend.week.before == 20.0
    assert trend.month.delta is None and trend.month.before is None, "a rate of nothing"


def test_a_count_that_was_zero_has_no_relative_change_unless_it_still_is() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), needs_raised=3, needs_overdue=0)
    week = snap("X", datetime.date(2026, 11, 28), needs_raised=0, needs_overdue=0)
    by_key = trends.trends_from("X", [week, latest]).by_key
    assert by_key["needs_raised"].week.delta is None
    assert by_key["needs_raised"].week.before == 0.0
    assert by_key["needs_overdue"].week.delta == 0.0
    assert (by_key["needs_overdue"].week.arrow, by_key["needs_overdue"].week.verdict) == (
        "→",
        "same",
    )


def test_a_calendar_month_before_the_end_of_a_long_month_is_the_end_of_the_short_one() -> None:
    assert trends.month_before(datetime.date(2027, 3, 31)) == datetime.date(2027, 2, 28)
    assert trends.month_before(datetime.date(2028, 3, 30)) == datetime.date(2028, 2, 29)
    assert trends.month_before(datetime.date(2026, 12, 5)) == datetime.date(2026, 11, 5)
    assert trends.month_before(datetime.date(2027, 1, 31)) == datetime.date(2026, 12, 31)


def test_across_a_year_end_rates_compare_but_counts_of_the_year_do_not() -> None:
    latest = snap("X", datetime.date(2027, 1, 3), households=100, households_covered=90, projects=2)
    week = snap(
        "X", datetime.date(2026, 12, 27), households=100, households_covered=88, projects=40
    )
    month = snap(
        "X", datetime.date(2026, 12, 3), households=100, households_covered=80, projects=35
    )
    by_key = trends.trends_from("X", [month, week, latest]).by_key
    assert by_key["households"].week.before_day == datetime.date(2026, 12, 27)
    assert by_key["households"].week.delta == 2.0
    assert by_key["households"].month.before_day == datetime.date(2026, 12, 3)
    assert by_key["households"].month.delta == 10.0
    assert by_key["projects"].week.delta is None and by_key["projects"].month.delta is None


def test_measured_satisfaction_is_compared_in_points() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), satisfaction=Decimal("88.50"))
    week = snap("X", datetime.date(2026, 11, 28), satisfaction=Decimal("90.20"))
    trend = trends.trends_from("X", [week, latest]).by_key["satisfaction"]
    assert trend.week.delta == -1.7 and trend.week.verdict == "worse"


def test_the_texts_in_chinese() -> None:
    latest = snap("X", datetime.date(2026, 12, 5), households=1000, households_covered=850)
    latest.needs_raised = 120
    week = snap("X", datetime.date(2026, 11, 28), households=1000, households_covered=800)
    week.needs_raised = 100
    by_key = trends.trends_from("X", [week, latest]).by_key
    assert by_key["households"].week.text == "↑5.0个百分点"
    assert by_key["households"].week_title == "2026-11-28：80.0%；2026-12-05：85.0%"
    assert by_key["households"].month.text == "—"
    assert by_key["households"].month_title == "2026-11-05：—；2026-12-05：85.0%"
    assert by_key["needs_raised"].week.text == "↑20.0%"
    assert by_key["needs_raised"].week_title == "2026-11-28：100；2026-12-05：120"


# --- reading the snapshots ------------------------------------------------------------------


def test_the_city_is_read_under_its_code_and_only_the_last_90_days(city: dict) -> None:  # noqa: F811
    user = make_coordinator("city", "city")
    code = settings.CITY_CODE
    for back in (0, 7, 30, 89, 90, 120):
        save(code, TODAY - back * DAY, **full(back))
    save("371728000000", TODAY, level="county", **full(99))
    trends.trends_for(user=user, area=None)  # the user's scope is read once and kept
    with CaptureQueriesContext(connection) as captured:
        found = trends.trends_for(user=user, area=None)
    assert len(captured) == 1
    assert found.code == code
    assert found.days == [TODAY - back * DAY for back in (89, 30, 7, 0)]
    assert found.by_key["households"].now == 70.0


def test_each_level_reads_its_own_code(city: dict) -> None:  # noqa: F811
    user = make_coordinator("city", "city")
    areas = [
        city["counties"][0],
        city["townships"][0],
        city["villages"][0],
    ]
    for n, area in enumerate(areas):
        save(area.code, TODAY, level=area.level, **full(n))
    for n, area in enumerate(areas):
        found = trends.trends_for(user=user, area=area)
        assert found.code == area.code
        assert found.by_key["cadres"].now == round(100 * (300 + n) / 400, 1)


def test_a_township_coordinator_cannot_read_another_townships_trends(city: dict) -> None:  # noqa: F811
    user = make_coordinator(
        "sha", "township", county=city["counties"][0], township=city["townships"][0]
    )
    trends.trends_for(user=user, area=city["villages"][0])
    with pytest.raises(PermissionDenied):
        trends.trends_for(user=user, area=city["townships"][2])


# --- the page -------------------------------------------------------------------------------


def _changes(text: str, figure: str) -> str:
    found = re.search(
        rf'<span class="changes" data-figure="{figure}">(.*?)</span>\n</span>', text, re.S
    )
    assert found, figure
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_the_page_shows_each_change_beside_its_figure_in_chinese(
    city: dict,  # noqa: F811
    admin_client: Client,
) -> None:
    code = settings.CITY_CODE
    save(code, trends.month_before(TODAY), **full(0))
    save(code, TODAY - 7 * DAY, **{**full(10), "needs_overdue": 4})
    save(code, TODAY, **{**full(20), "needs_overdue": 5})
    text = admin_client.get(reverse("dashboard")).text
    day, week = (f"{TODAY - n * DAY:%Y-%m-%d}" for n in (0, 7))
    month = f"{trends.month_before(TODAY):%Y-%m-%d}"
    assert _changes(text, "households").startswith(
        f"周环比 ↑1.0个百分点 ({week}：71.0%；{day}：72.0%) 月环比 "
    )
    assert f'class="change worse" title="{week}：4；{day}：5">周环比 <b>↑25.0%</b>' in text
    assert "超期" in _changes(text, "needs_overdue")
    for figure in ("units", "cadres", "villages", "visited_30", "visited_90", "needs_raised"):
        assert "周环比" in _changes(text, figure) and "月环比" in _changes(text, figure)
    for figure in ("pleased", "money_allocated", "projects", "assessed", "up_to_standard"):
        assert _changes(text, figure)
    assert _changes(text, "satisfaction").startswith("周环比 →0.0个百分点")
    assert f'title="{month}：70.0%；{day}：72.0%">月环比 <b>↑2.0个百分点</b>' in text
    assert 'id="snapshot-trend-chart"' in text and 'id="trend-chart"' in text
    data = json.loads(re.search(r'id="snapshot-trend-data"[^>]*>(.*?)</script>', text).group(1))
    assert data["days"][-1] == day and len(data["days"]) == 3
    names = [series["name"] for series in data["series"]]
    assert names == [
        "单位参与率（%）",
        "干部参与率（%）",
        "村覆盖率（%）",
        "户覆盖率（%）",
        "30天内走访户数",
        "未办结诉求",
        "超期诉求",
    ]
    assert data["axes"] == ["百分比", "户数或件数"]
    assert "近90天趋势" in text


def test_without_snapshots_the_page_says_so_and_draws_nothing(
    city: dict,  # noqa: F811
    admin_client: Client,
) -> None:
    text = admin_client.get(reverse("dashboard")).text
    assert "尚无历史数据，每日零时记录一次。" in text
    assert 'id="snapshot-trend-chart"' not in text and "周环比" not in text


def test_a_village_page_shows_its_own_trends_without_participation(
    city: dict,  # noqa: F811
    admin_client: Client,
) -> None:
    village = city["villages"][0]
    save(village.code, TODAY - 7 * DAY, level="village", **full(0))
    save(village.code, TODAY, level="village", **full(7))
    text = admin_client.get(reverse("dashboard"), {"area": village.code}).text
    assert 'data-figure="households"' in text and 'data-figure="units"' not in text
    data = json.loads(re.search(r'id="snapshot-trend-data"[^>]*>(.*?)</script>', text).group(1))
    assert [series["name"] for series in data["series"]] == [
        "村覆盖率（%）",
        "户覆盖率（%）",
        "30天内走访户数",
        "未办结诉求",
        "超期诉求",
    ]
    assert data["series"][2]["data"] == [200, 214]


# --- the number of queries ------------------------------------------------------------------


def _queries(client: Client, area: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"), {"area": area} if area else {})
    assert response.status_code == 200
    snapshots = [q for q in captured if "shuanglian_areasnapshot" in q["sql"]]
    return len(captured), len(snapshots)


@pytest.mark.parametrize("area", list(LEVELS))
def test_the_same_queries_with_no_one_or_ninety_days_of_snapshots(
    city: dict,  # noqa: F811
    admin_client: Client,
    django_assert_max_num_queries: object,
    area: str,
) -> None:
    code = area or settings.CITY_CODE
    _queries(admin_client, area)  # the first reader rolls up and recounts
    none, read = _queries(admin_client, area)
    assert read == 1, "the snapshots are read in one query"
    save(code, TODAY, level=LEVELS[area], **full(0))
    one, _ = _queries(admin_client, area)
    for back in range(1, 90):
        save(code, TODAY - back * DAY, level=LEVELS[area], **full(back))
    with django_assert_max_num_queries(none):
        response = admin_client.get(reverse("dashboard"), {"area": area} if area else {})
    assert response.status_code == 200
    assert one == none
    assert "周环比" in response.text


def test_the_page_reads_english_too(city: dict, admin_client: Client) -> None:  # noqa: F811
    code = settings.CITY_CODE
    save(code, TODAY - 7 * DAY, **full(0))
    save(code, TODAY, **full(10))
    text = admin_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").text
    week = f"{TODAY - 7 * DAY:%Y-%m-%d}"
    assert _changes(text, "households").startswith(
        f"week on week ↑1.0 pts ({week}: 70.0%; {TODAY:%Y-%m-%d}: 71.0%) month on month — "
    )
    assert "Trends over the last 90 days" in text
