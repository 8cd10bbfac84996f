"""The dashboard's "双创" section and the ranking page in a real headless Chromium: at 390 and
1366 px, in Chinese and English, without horizontal overflow, with the charts drawn under the
Content-Security-Policy (the ``csp_violations`` fixture fails any violation), and the ranking's
workbook downloaded."""

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from tests.factories import make_coordinator
from tests.test_browser_projects import DESKTOP, PHONE, assert_fits, open_page, shot, sign_in
from tests.test_dashboard_shuangchuang import city  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


@pytest.fixture
def world(city: dict) -> dict:  # noqa: F811
    make_coordinator("city", "city")
    return city


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_section_and_the_ranking_fit_and_draw(
    world: dict,
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    width: int,
    language: str,
) -> None:
    base = live_server.url
    page = open_page(browser_context, width, language)
    sign_in(page, base, "city")
    for area in ("", "371728000000", "371728104000", "371728104201"):
        page.goto(f"{base}/dashboard/{'?area=' + area if area else ''}")
        expect(page.locator("#shuangchuang")).to_be_visible()
        expect(page.locator("#rating-chart canvas")).to_have_count(1)
        expect(page.locator("#trend-chart canvas")).to_have_count(1)
        assert_fits(page, width)
    shot(page, f"shuangchuang-{language}-{width}")
    page.goto(f"{base}/dashboard/")
    page.locator("#ranking-link").click()
    expect(page.locator("#ranking-units-table")).to_be_visible()
    heading = "考核排名" if language == "zh" else "Ranking"
    expect(page.locator("h1")).to_contain_text(heading)
    assert_fits(page, width)
    page.locator("#ranking-units-table a").first.click()
    expect(page.locator("#ranking-parts")).to_be_visible()
    assert_fits(page, width)
    shot(page, f"ranking-{language}-{width}")


def test_the_ranking_workbook_downloads(
    world: dict, live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, DESKTOP)
    sign_in(page, live_server.url, "city")
    page.goto(f"{live_server.url}/dashboard/ranking/")
    with page.expect_download() as download:
        page.locator("#ranking-export").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(f"{TODAY:%Y%m%d}.xlsx")
    with open(path, "rb") as workbook:
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.read())).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "市委组织部" in names
