"""The 公示牌 printed on A4: one page, filled top to bottom, nothing cut off at the side."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from devdata.demo import SUPERUSER
from tests.factories import make_work_group_member
from units.models import WorkGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
# The printable area of A4 with the 12 mm page margin of print.css, in CSS pixels (96 per inch).
PAGE_WIDTH = round((210 - 24) / 25.4 * 96)
PAGE_HEIGHT = round((297 - 24) / 25.4 * 96)


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(SUPERUSER.username)
    page.locator("#id_password").fill(SUPERUSER.password)
    page.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/"))


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def printed_extent(page: Page) -> dict[str, float]:
    """Where the board's content lies on the printed page, and how wide anything reaches."""
    return page.evaluate(
        """() => {
          const parts = [...document.querySelectorAll('.sheet.board > *')];
          const boxes = parts.map((part) => part.getBoundingClientRect());
          const widest = Math.max(...[...document.querySelectorAll('.sheet.board *')].map(
            (el) => el.getBoundingClientRect().right));
          return {
            top: Math.min(...boxes.map((b) => b.top)),
            bottom: Math.max(...boxes.map((b) => b.bottom)),
            right: widest,
            scrollWidth: document.documentElement.scrollWidth,
            clipped: [...document.querySelectorAll('.sheet.board *')].filter(
              (el) => el.scrollWidth > el.clientWidth + 1
                && getComputedStyle(el).overflow !== 'visible'
            ).map((el) => el.className),
          };
        }"""
    )


@pytest.mark.parametrize(("locale", "extra_members"), [("zh-CN", 0), ("en-US", 4), ("zh-CN", 8)])
def test_the_board_fills_one_a4_page_and_nothing_is_cut_off(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    locale: str,
    extra_members: int,
) -> None:
    group = WorkGroup.objects.order_by("pk").first()
    for _ in range(extra_members):
        make_work_group_member(work_group=group)
    members = group.members.count()
    page = browser_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server.url)
    page.goto(live_server.url + reverse("units:work_group_board", args=[group.pk]))

    pdf = page.pdf(format="A4", print_background=True)
    assert pages_in(pdf) == 1, f"{members} members"

    # The page's printable area, as print media lays it out.
    page.set_viewport_size({"width": PAGE_WIDTH, "height": PAGE_HEIGHT})
    page.emulate_media(media="print")
    extent = printed_extent(page)
    assert extent["bottom"] - extent["top"] >= 0.9 * PAGE_HEIGHT, extent
    assert extent["bottom"] <= PAGE_HEIGHT, extent
    assert extent["right"] <= PAGE_WIDTH and extent["scrollWidth"] <= PAGE_WIDTH, extent
    assert extent["clipped"] == []
    tasks = page.locator(".tasks").bounding_box()
    assert tasks["x"] >= 0 and tasks["x"] + tasks["width"] <= PAGE_WIDTH
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"notice-board-{locale}-{members}-members.png", full_page=True)
