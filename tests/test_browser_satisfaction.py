"""One satisfaction interview recorded on a 390-px phone in Chromium, from the cadre's
households to the answers stored; the pages at 390 and 1366 px, in Chinese and English, with
no horizontal overflow and nothing blocked by the Content-Security-Policy."""

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from devdata.demo import CADRE_PASSWORD
from satisfaction.models import Answer, Sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "browser-shots"
DESKTOP, PHONE = 1366, 390
# A page may be a pixel or two wider than the screen from rounding; more is a real overflow.
TOLERANCE = 2


def opened(
    browser_context: Callable[..., BrowserContext], width: int, *, english: bool = False
) -> Page:
    options = {"viewport": {"width": width, "height": 844 if width == PHONE else 900}}
    if width == PHONE:
        options.update(is_mobile=True, has_touch=True)
    if english:
        options["locale"] = "en-US"
    return browser_context(**options).new_page()


def sign_in(page: Page, base_url: str, *, english: bool = False) -> None:
    page.goto(f"{base_url}/")
    page.locator("input[name=username]").fill("cadre1")
    page.locator("input[name=password]").fill(CADRE_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#my-households")).to_be_visible()


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width + TOLERANCE


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"satisfaction-{name}.png", full_page=True)


def test_an_interview_is_recorded_on_a_phone(
    demo: None, live_server: object, browser_context: Callable[..., BrowserContext]
) -> None:
    page = opened(browser_context, PHONE)
    sign_in(page, live_server.url)
    page.locator("#interviews-link").click()
    expect(page.get_by_role("heading", name="满意度测评")).to_be_visible()
    fits(page, PHONE)
    shoot(page, "list-390-zh")
    sample = (
        Sample.objects.filter(interviewer__user__username="cadre1", status="pending")
        .select_related("household")
        .order_by("village__name", "draw_order")
        .first()
    )
    page.locator("#my-interviews a", has_text=sample.household.head_name).first.click()
    expect(page.get_by_role("heading", name=sample.household.head_name)).to_be_visible()
    fits(page, PHONE)
    page.get_by_label("已联系上", exact=True).check()
    page.get_by_label("当面").check()
    answers = page.locator("#answers .answer")
    assert answers.count() == 4
    for index in range(4):
        answers.nth(index).get_by_label("满意", exact=True).check()
    # Each answer is a touch target of at least 44 px.
    box = answers.nth(0).locator("label").first.bounding_box()
    assert box["height"] >= 44
    page.get_by_label("群众意见建议").fill("希望村里多办技能培训")
    shoot(page, "form-390-zh")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("测评已记录，谢谢。")
    fits(page, PHONE)
    sample.refresh_from_db()
    assert sample.status == Sample.Status.INTERVIEWED
    assert sample.comment == "希望村里多办技能培训"
    assert set(Answer.objects.filter(sample=sample).values_list("choice", flat=True)) == {
        "satisfied"
    }


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("english", [False, True], ids=["zh-hans", "en"])
def test_the_interview_pages_fit_the_screen(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    width: int,
    english: bool,
) -> None:
    page = opened(browser_context, width, english=english)
    sign_in(page, live_server.url, english=english)
    page.goto(f"{live_server.url}/me/interviews/")
    heading = "Satisfaction interviews" if english else "满意度测评"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    fits(page, width)
    language = "en" if english else "zh"
    shoot(page, f"list-{width}-{language}")
    page.locator("#my-interviews a").first.click()
    expect(page.locator("#interview-form")).to_be_visible()
    fits(page, width)
    shoot(page, f"form-{width}-{language}")
