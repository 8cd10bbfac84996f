"""The dashboard's trends in a real headless Chromium: at 1366 and 390 px, at every level, the
lines of the last 90 days are drawn under the Content-Security-Policy (the ``csp_violations``
fixture fails any violation), the week-on-week and month-on-month changes show in Chinese, and
nothing is wider than the screen."""

import datetime
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from shuanglian.figures.trends import month_before
from shuanglian.models import AreaSnapshot
from tests.factories import make_coordinator
from tests.test_browser_projects import DESKTOP, PHONE, assert_fits, open_page, sign_in
from tests.test_dashboard_shuangchuang import city  # noqa: F401 - the fixture
from tests.test_dashboard_trends import full

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
SHOTS = Path(tempfile.gettempdir()) / "shots"
AREAS = {
    "": "city",
    "371728000000": "county",
    "371728104000": "township",
    "371728104201": "village",
}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"trends-{name}.png", full_page=True)


@pytest.fixture
def world(city: dict) -> dict:  # noqa: F811
    make_coordinator("city", "city")
    for area, level in AREAS.items():
        for back in range(90):
            AreaSnapshot.objects.create(
                code=area or settings.CITY_CODE,
                level=level,
                day=TODAY - datetime.timedelta(days=back),
                **full(90 - back),
            )
    return city


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_lines_draw_and_the_changes_show_at_every_level(
    world: dict,
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    width: int,
) -> None:
    base = live_server.url
    page = open_page(browser_context, width)
    sign_in(page, base, "city")
    week = f"{TODAY - datetime.timedelta(days=7):%Y-%m-%d}"
    month = f"{month_before(TODAY):%Y-%m-%d}"
    for area in AREAS:
        page.goto(f"{base}/dashboard/{'?area=' + area if area else ''}")
        chart = page.locator("#snapshot-trend-chart")
        expect(chart).to_have_attribute("data-ready", "true")
        expect(chart.locator("canvas")).to_have_count(1)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 300
        drawn = chart.locator("canvas").evaluate(
            "canvas => { const d = canvas.getContext('2d').getImageData("
            "0, 0, canvas.width, canvas.height).data;"
            " for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }"
        )
        assert drawn, "the canvas holds something"
        changes = page.locator('[data-figure="households"]')
        expect(changes).to_contain_text("周环比")
        expect(changes).to_contain_text("月环比")
        expect(changes.locator(".change").first).to_have_attribute(
            "title", f"{week}：78.3%；{TODAY:%Y-%m-%d}：79.0%"
        )
        expect(changes.locator(".change.better").first).to_contain_text("↑0.7个百分点")
        expect(page.locator('[data-figure="needs_raised"]')).to_contain_text("%")
        expect(page.locator("#trends")).to_have_text("近90天趋势")
        assert month in (changes.locator(".change").nth(1).get_attribute("title") or "")
        assert_fits(page, width)
        page.locator("#trends").scroll_into_view_if_needed()
        shot(page, f"{AREAS[area]}-{width}")


def test_before_the_first_night_the_section_says_there_is_no_history(
    city: dict,  # noqa: F811
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
) -> None:
    make_coordinator("city", "city")
    page = open_page(browser_context, PHONE)
    sign_in(page, live_server.url, "city")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#snapshot-trend-empty")).to_have_text("尚无历史数据，每日零时记录一次。")
    expect(page.locator("#snapshot-trend-chart")).to_have_count(0)
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    assert_fits(page, PHONE)


def test_a_figure_known_only_on_the_last_days_shows_its_points(
    world: dict, live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    # As after a back-fill: the visits and needs go back 90 days, the coverages only to the
    # first nightly snapshot, two days ago. A line of two points would not be seen.
    AreaSnapshot.objects.filter(day__lt=TODAY - datetime.timedelta(days=1)).update(
        households_covered=None, villages_covered=None
    )
    base = live_server.url
    page = open_page(browser_context, DESKTOP)
    sign_in(page, base, "city")
    page.goto(f"{base}/dashboard/")
    chart = page.locator("#snapshot-trend-chart")
    expect(chart).to_have_attribute("data-ready", "true")
    shown = chart.evaluate(
        "box => Object.fromEntries(echarts.getInstanceByDom(box).getOption().series"
        ".map((series) => [series.name, series.showSymbol]))"
    )
    assert shown["户覆盖率（%）"] is True
    assert shown["村覆盖率（%）"] is True
    assert shown["30天内走访户数"] is False
