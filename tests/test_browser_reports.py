"""The dashboard's "统计报表" box in a real headless Chromium: a county coordinator chooses a
month and PDF, clicks 生成报表 and receives the PDF; a week's workbook opens in openpyxl; the
area's archive lists and hands out its reports; the box fits a 1366-px and a 390-px screen
under the Content-Security-Policy (the ``csp_violations`` fixture fails any violation)."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from shuanglian.models import AuditEvent
from shuanglian.reports.archive import archive_report
from shuanglian.reports.periods import Period
from tests.factories import (
    make_coordinator,
    make_county,
    make_household,
    make_township,
    make_unit,
    make_village,
    make_work_group,
)
from tests.test_browser_projects import DESKTOP, PHONE, assert_fits, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the screenshots are looked at
TODAY = timezone.localdate()
LAST_MONTH = Period.last_complete("month", TODAY)
MONTH_BEFORE = LAST_MONTH.previous()
LAST_WEEK = Period.last_complete("week", TODAY)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """A county with two townships, villages linked by a unit, and its coordinator."""
    county = make_county(name="东明县")
    townships = [
        make_township(county=county, name="沙沃镇"),
        make_township(county=county, name="菜园集镇"),
    ]
    unit = make_unit(name="市委组织部")
    for number, township in enumerate(townships):
        village = make_village(township=township, name=f"王寨{number}村")
        make_work_group(unit=unit, village=village)
        make_household(village=village, head_name=f"王{number}")
    make_coordinator("county", "county", county=county)
    return {"county": county, "townships": townships}


def box_shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    box = page.locator("#reports")
    box.scroll_into_view_if_needed()
    box.screenshot(path=SHOTS / f"reports-{name}.png")


def download(page: Page) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.get_by_role("button", name="生成报表").click()
    path = started.value.path()
    return started.value.suggested_filename, Path(path).read_bytes()


def test_a_coordinator_takes_a_month_s_pdf_and_a_week_s_workbook_from_the_dashboard(
    world: dict[str, Any], live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, DESKTOP)
    sign_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/dashboard/")
    box = page.locator("#reports")
    expect(box.get_by_role("heading", name="统计报表")).to_be_visible()
    month = box.locator("#report-period-month")
    expect(month).to_have_value(LAST_MONTH.code)
    expect(box.locator("#report-period-week")).to_be_hidden()
    month.select_option(MONTH_BEFORE.code)
    box.get_by_label("PDF").check()
    name, content = download(page)
    assert content.startswith(b"%PDF")
    assert name == f"东明县_月报_{MONTH_BEFORE.code}.pdf"

    box.get_by_label("周报").check()
    expect(box.locator("#report-period-week")).to_be_visible()
    expect(box.locator("#report-period-month")).to_be_hidden()
    expect(box.locator("#report-period-week")).to_have_value(LAST_WEEK.code)
    box.get_by_label("Excel (.xlsx)").check()
    name, content = download(page)
    assert name == f"东明县_周报_{LAST_WEEK.code}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    text = "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "沙沃镇" in text and "菜园集镇" in text

    events = AuditEvent.objects.filter(action="report_export").order_by("pk")
    assert [(e.details["period"], e.details["format"]) for e in events] == [
        (MONTH_BEFORE.code, "pdf"),
        (LAST_WEEK.code, "xlsx"),
    ]


def test_the_archive_lists_the_county_s_reports_and_hands_them_out(
    world: dict[str, Any], live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    county = world["county"]
    archive_report(user=None, area_code=county.code, period=LAST_MONTH, fmt="pdf")
    archive_report(user=None, area_code=world["townships"][0].code, period=LAST_MONTH, fmt="xlsx")
    page = open_page(browser_context, DESKTOP)
    sign_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/dashboard/")
    page.locator("#report-archive-link").click()
    table = page.locator("#archive-table")
    expect(table).to_contain_text("东明县")
    expect(table).to_contain_text("沙沃镇")
    with page.expect_download() as started:
        table.locator("tr", has_text="东明县").get_by_role("link").click()
    assert Path(started.value.path()).read_bytes().startswith(b"%PDF")
    assert started.value.suggested_filename == f"东明县_月报_{LAST_MONTH.code}.pdf"
    assert_fits(page, DESKTOP)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_report_box_fits_the_screen(
    world: dict[str, Any],
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    width: int,
    language: str,
) -> None:
    county = world["county"]
    archive_report(user=None, area_code=county.code, period=LAST_MONTH, fmt="pdf")
    archive_report(user=None, area_code=world["townships"][1].code, period=LAST_WEEK, fmt="xlsx")
    page = open_page(browser_context, width, language)
    sign_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#report-make")).to_be_visible()
    assert_fits(page, width)
    suffix = f"{width}" if language == "zh" else f"{language}-{width}"
    box_shot(page, f"dashboard-{suffix}")
    page.locator('#report-kinds input[value="quarter"]').check()
    expect(page.locator("#report-period-quarter")).to_be_visible()
    assert_fits(page, width)
    box_shot(page, f"quarter-{suffix}")
    page.goto(f"{live_server.url}/dashboard/reports/?area={county.code}")
    expect(page.locator("#archive-table")).to_contain_text("菜园集镇")
    assert_fits(page, width)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"reports-archive-{suffix}.png", full_page=True)


def test_a_village_s_dashboard_has_no_report_box(
    world: dict[str, Any], live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, DESKTOP)
    sign_in(page, live_server.url, "county")
    village = world["townships"][0].villages.first()
    page.goto(f"{live_server.url}/dashboard/?area={village.code}")
    expect(page.locator("#coverage-table")).to_be_visible()
    expect(page.locator("#reports")).to_have_count(0)
