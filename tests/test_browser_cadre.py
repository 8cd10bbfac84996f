"""A cadre on a phone: households, logging visits, and a visit logged without a signal."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from devdata.demo import CADRE_PASSWORD
from units.models import Cadre, HouseholdAssignment
from villages.models import Household
from visits.models import Need, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def handset(browser_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A 390×844 phone."""
    return browser_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(CADRE_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的联系户")).to_be_visible()


def first_household(username: str) -> Household:
    cadre = Cadre.objects.get(user__username=username)
    return (
        HouseholdAssignment.objects.active()
        .filter(cadre=cadre)
        .select_related("household")
        .order_by("household__pk")
        .first()
        .household
    )


def test_cadre_logs_a_visit_with_a_need_and_sees_it_in_the_history(
    demo: None, live_server: object, handset: BrowserContext
) -> None:
    page = handset.new_page()
    sign_in(page, live_server.url, "cadre1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    household = first_household("cadre1")
    page.locator("#my-households a", has_text=household.head_name).click()
    expect(page.get_by_role("heading", name=household.head_name)).to_be_visible()
    expect(page.locator("#household-facts")).to_contain_text(household.masked_id_number)

    page.get_by_role("link", name="记录走访").click()
    expect(page.get_by_role("heading", name="记录走访")).to_be_visible()
    page.get_by_label("电话").check()
    page.get_by_label("走访内容").fill("了解今年玉米收成，宣讲医保政策")
    page.get_by_label("宣传党的政策").check()
    page.get_by_label("满意", exact=True).check()
    # One need row shows; the others wait behind the button.
    expect(page.locator(".need-row:visible")).to_have_count(1)
    page.get_by_label("类别").first.select_option("medical")
    page.get_by_label("具体内容").first.fill("老人慢性病用药报销")
    page.get_by_role("button", name="再添一条诉求").click()
    expect(page.locator(".need-row:visible")).to_have_count(2)
    page.get_by_role("button", name="保存走访记录").click()

    expect(page).to_have_url(re.compile(rf"/me/households/{household.pk}/$"))
    expect(page.locator(".messages")).to_have_text("走访已记录，登记诉求1条。")
    history = page.locator("#visit-history li").first
    expect(history).to_contain_text("了解今年玉米收成，宣讲医保政策")
    expect(history).to_contain_text("电话 · 见到户主或家人")
    expect(history).to_contain_text("提出诉求：就医，老人慢性病用药报销")
    expect(page.locator("#household-needs")).to_contain_text("老人慢性病用药报销")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "cadre-household-after-visit")

    visit = Visit.objects.get(summary="了解今年玉米收成，宣讲医保政策")
    assert visit.method == "phone"
    assert Need.objects.get(visit=visit).description == "老人慢性病用药报销"
    # The draft went with the visit: the form opens empty again.
    page.get_by_role("link", name="记录走访").click()
    expect(page.get_by_label("走访内容")).to_have_value("")

    # The need is followed up and closed from the household page.
    page.go_back()
    page.locator("#household-needs a", has_text="老人慢性病用药报销").click()
    expect(page.locator("#need-status")).to_have_text("待办")
    page.get_by_role("button", name="开始办理").click()
    expect(page.locator("#need-status")).to_have_text("办理中")
    page.locator("#step-resolve summary").click()
    page.get_by_label("办理结果").fill("协调镇卫生院办理慢病卡，报销已到账")
    page.locator("#step-resolve").get_by_label("满意", exact=True).check()
    page.locator("#step-resolve").get_by_role("button", name="办结").click()
    expect(page.locator("#need-status")).to_have_text("已办结")
    expect(page.locator("#need-steps")).to_contain_text("协调镇卫生院办理慢病卡")
    screenshot(page, "cadre-need-closed")
    need = Need.objects.get(visit=visit)
    assert (need.status, need.satisfaction) == ("resolved", "satisfied")
    assert need.notes.count() == 3


def test_the_form_keeps_what_was_typed_when_the_page_is_reopened(
    demo: None, live_server: object, handset: BrowserContext
) -> None:
    page = handset.new_page()
    sign_in(page, live_server.url, "cadre1")
    household = first_household("cadre1")
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    page.get_by_label("不在家").check()
    expect(page.locator("#outcome-note")).to_have_text("这次会记录下来，但不计入走访次数。")
    page.get_by_label("走访内容").fill("敲门无人应答")
    page.reload()
    expect(page.get_by_label("走访内容")).to_have_value("敲门无人应答")
    expect(page.get_by_label("不在家")).to_be_checked()
    expect(page.locator("#outcome-note")).to_be_visible()


def test_a_visit_logged_without_a_signal_is_sent_once_when_it_returns(
    demo: None, live_server: object, handset: BrowserContext
) -> None:
    page = handset.new_page()
    sign_in(page, live_server.url, "cadre1")
    household = first_household("cadre1")
    before = Visit.objects.count()
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")

    handset.set_offline(True)
    page.get_by_label("走访内容").fill("村里信号不好，离线记录")
    page.get_by_label("加强基层组织").check()
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#draft-status")).to_contain_text("已保存在手机上，联网后自动提交")
    # The form is ready for the next visit, with a new key.
    expect(page.get_by_label("走访内容")).to_have_value("")
    assert Visit.objects.count() == before
    screenshot(page, "cadre-visit-queued-offline")

    handset.set_offline(False)
    expect(page.locator("#draft-status")).to_have_text("手机上保存的1条记录已提交。")
    visit = Visit.objects.get(summary="村里信号不好，离线记录")
    assert visit.household == household
    assert visit.task_organization
    assert Visit.objects.count() == before + 1

    # Later pages find nothing left to send, and the server kept one visit.
    page.goto(f"{live_server.url}/me/households/{household.pk}/")
    expect(page.locator("#visit-history")).to_contain_text("村里信号不好，离线记录")
    expect(page.locator("html")).to_have_attribute("data-offline-queued", "0")
    assert Visit.objects.filter(summary="村里信号不好，离线记录").count() == 1
    screenshot(page, "cadre-household-after-offline-visit")


def test_a_visit_kept_without_a_signal_is_announced_where_the_cadre_is_looking(
    demo: None, live_server: object, handset: BrowserContext
) -> None:
    page = handset.new_page()
    sign_in(page, live_server.url, "cadre1")
    household = first_household("cadre1")
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    handset.set_offline(True)
    notice = page.locator("#draft-status")
    for number, (day, summary) in enumerate(
        [("2026-11-30", "离线记录第一条"), ("2026-12-01", "离线记录第二条")], start=1
    ):
        page.get_by_label("走访日期").fill(day)
        page.get_by_label("走访内容").fill(summary)
        page.get_by_role("button", name="再添一条诉求").click()
        page.get_by_role("button", name="保存走访记录").click()
        expect(notice).to_have_text(
            "已保存在手机上，联网后自动提交"
            f"已保存：{household.head_name} {day} 的走访。"
            f"手机上有{number}条走访等待联网提交。"
        )
        # In sight on the 390×844 screen, not below the emptied form, and focused.
        expect(notice).to_be_in_viewport(ratio=1)
        box = notice.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844
        assert page.evaluate("document.activeElement.id") == "draft-status"
        assert notice.get_attribute("aria-live") == "polite"
        expect(page.get_by_label("走访内容")).to_have_value("")
        screenshot(page, f"cadre-visit-kept-offline-{number}")
    expect(page.locator("html")).to_have_attribute("data-offline-queued", "2")


def test_another_cadres_household_is_not_found(
    demo: None, live_server: object, handset: BrowserContext
) -> None:
    page = handset.new_page()
    sign_in(page, live_server.url, "cadre2")
    household = first_household("cadre1")
    response = page.goto(f"{live_server.url}/me/households/{household.pk}/")
    assert response.status == 404
    assert household.head_name not in page.content()
    response = page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    assert response.status == 404
    screenshot(page, "cadre2-other-household-404")
