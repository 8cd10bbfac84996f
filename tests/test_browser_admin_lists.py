"""The admin's lists fit a 1366×768 laptop screen: every column visible, no sideways scrolling."""

import pytest
from playwright.sync_api import BrowserContext, Page

from devdata.demo import SUPERUSER
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN_LISTS = [
    "villages/household",
    "villages/village",
    "villages/township",
    "units/unit",
    "units/cadre",
    "units/workgroup",
    "units/householdassignment",
    "units/villagesurvey",
    "visits/visit",
    "visits/need",
    "shuanglian/auditevent",
    "auth/user",
]

# The results table's box against its scrolling container and the window.
MEASURE = """() => {
  const results = document.querySelector('.results');
  const table = document.querySelector('#result_list');
  return {
    overflow: results.scrollWidth - results.clientWidth,
    right: table.getBoundingClientRect().right,
    window: document.documentElement.clientWidth,
    page: document.documentElement.scrollWidth,
    rows: table.querySelectorAll('tbody tr').length,
  };
}"""


def open_lists(page: Page, base_url: str) -> dict[str, dict]:
    sign_in(page, base_url, SUPERUSER.username, SUPERUSER.password)
    measured = {}
    for path in MAIN_LISTS:
        page.goto(f"{base_url}/admin/{path}/")
        measured[path] = page.evaluate(MEASURE)
    return measured


def test_every_main_list_fits_a_1366_px_screen(
    demo: None, live_server: object, browser_context: BrowserContext
) -> None:
    page = browser_context(viewport={"width": 1366, "height": 768}).new_page()
    measured = open_lists(page, live_server.url)
    too_wide = {
        path: box
        for path, box in measured.items()
        if box["overflow"] > 0 or box["right"] > box["window"] or box["page"] > box["window"]
    }
    assert not too_wide, too_wide
    assert all(box["rows"] > 0 for box in measured.values()), measured


def test_on_a_phone_only_the_table_scrolls_sideways_not_the_page(
    demo: None, live_server: object, browser_context: BrowserContext
) -> None:
    page = browser_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    measured = open_lists(page, live_server.url)
    assert all(box["page"] <= 390 for box in measured.values()), measured
