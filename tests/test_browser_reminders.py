"""Reminders in the browser: 本周待办 first on a cadre's phone, the overdue box on a
coordinator's admin index, and the switch for the daily reminders."""

import datetime
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from assessments.models import Assessment, RectificationItem
from reminders.models import Notification, ReminderPreference
from tests.factories import (
    make_assignment,
    make_cadre,
    make_checklist,
    make_coordinator,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_user,
    make_village,
    make_visit,
    make_visit_intervals,
    make_work_group,
)
from villages.models import Household
from visits.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots to look at: /tmp/shots/reminders-*.png.
SHOTS = Path(tempfile.gettempdir()) / "shots"
PHONE, DESKTOP = 390, 1366
PASSWORD = "a-long-test-password"
TODAY = timezone.localdate()
TOLERANCE = 2


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def deadlines(settings: Any) -> None:
    settings.NEED_OVERDUE_DAYS = 15
    settings.REMINDER_DEADLINE_DAYS = 3


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """A township with a cadre's households, needs overdue and near their deadline, an
    overdue rectification item, and the township's coordinator; another township's need."""
    make_visit_intervals(general=90)
    county = make_county()
    township = make_township(county=county, name="沙沃镇")
    village = make_village(township=township, name="王寨村")
    unit = make_unit(name="市农业农村局")
    make_work_group(unit=unit, village=village)
    cadre = make_cadre(name="刘建国", unit=unit, user=make_user("liu"))
    names = ["张秀英", "王德福", "李桂兰", "赵长海", "孙玉梅", "周建设", "吴淑珍"]
    households = []
    for n, name in enumerate(names):
        household = make_household(
            village=village, head_name=name, category=Household.Category.GENERAL
        )
        make_assignment(cadre=cadre, household=household)
        if n:
            make_visit(household=household, cadre=cadre, visited_on=ago(30 * n - 5))
        households.append(household)
    make_need(household=households[1], cadre=cadre, progressed_on=ago(21))
    make_need(
        household=households[2],
        cadre=cadre,
        progressed_on=ago(13),
        category=Need.Category.HOUSING,
        description="危房改造申请",
    )
    make_need(
        household=households[4],
        cadre=cadre,
        level=Need.Level.TOWNSHIP,
        due_on=TODAY + datetime.timedelta(days=1),
        category=Need.Category.EMPLOYMENT,
    )
    checklist = make_checklist()
    assessment = Assessment.objects.create(
        village=village, checklist=checklist, year=checklist.year
    )
    RectificationItem.objects.create(
        assessment=assessment,
        task="规范党群服务中心门牌和制度上墙",
        responsible="村支书",
        deadline=ago(6),
    )
    elsewhere = make_village(township=make_township(county=county, name="古营集镇"), name="李庄村")
    make_need(
        household=make_household(village=elsewhere, head_name="外镇户"),
        cadre=make_cadre(name="外镇干部"),
        progressed_on=ago(40),
    )
    coordinator = make_coordinator("shawo", "township", township=township)
    Notification.objects.create(
        user=cadre.user,
        day=TODAY,
        subject="今日待办：走访3户，诉求2件",
        body="王德福：就医，超期6天",
    )
    Notification.objects.create(
        user=coordinator, day=TODAY, subject="沙沃镇逾期事项2件", body="超期诉求1件，逾期整改1项"
    )
    return {"cadre": cadre, "coordinator": coordinator}


def open_page(browser_context: Callable[..., BrowserContext], width: int) -> Page:
    if width < 800:
        options: dict[str, Any] = {"viewport": {"width": width, "height": 844}}
        options |= {"is_mobile": True, "has_touch": True}
    else:
        options = {"viewport": {"width": width, "height": 900}}
    return browser_context(**options).new_page()


def sign_in(page: Page, base: str, username: str, *, admin: bool = False) -> None:
    page.goto(f"{base}/admin/login/" if admin else f"{base}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"reminders-{name}.png", full_page=True)


def assert_fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + TOLERANCE, f"{page.url} is {scroll} px wide on a {width}-px screen"


def test_the_cadre_sees_this_week_first_on_the_phone_and_mutes_the_reminders(
    world: dict[str, Any], live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, PHONE)
    sign_in(page, live_server.url, "liu")
    expect(page.get_by_role("heading", name="我的联系户")).to_be_visible()

    week = page.locator("#this-week")
    expect(week.get_by_role("heading", name="本周待办")).to_be_in_viewport()
    first_section = page.evaluate("document.querySelector('main h2').textContent")
    assert first_section == "本周待办"
    expect(page.locator("#week-households li").first).to_contain_text("张秀英")
    expect(page.locator("#week-households li").first).to_contain_text("尚未走访")
    needs = page.locator("#week-needs li")
    expect(needs).to_have_count(3)
    expect(needs.nth(0)).to_contain_text("王德福：就医")
    expect(needs.nth(0)).to_contain_text("超期6天")
    expect(needs.nth(1)).to_contain_text("孙玉梅：就业")
    expect(needs.nth(1)).to_contain_text("还剩1天")
    expect(needs.nth(2)).to_contain_text("李桂兰：住房")
    expect(needs.nth(2)).to_contain_text("还剩2天")
    expect(page.locator("#unread-count")).to_have_text("1")
    assert_fits(page, PHONE)
    shot(page, "cadre-this-week-390")

    needs.nth(2).click()
    expect(page.get_by_text("危房改造申请")).to_be_visible()
    page.go_back()

    page.locator("#reminders-link").click()
    expect(page.get_by_role("heading", name="我的提醒")).to_be_visible()
    expect(page.locator("#notifications li").first).to_contain_text("今日待办：走访3户，诉求2件")
    expect(page.locator("#notifications li").first).to_contain_text("未读")
    page.get_by_role("button", name="关闭每日提醒").click()
    expect(page.locator(".messages")).to_have_text("每日提醒已关闭。")
    expect(page.locator("#mute-state")).to_have_text("每日提醒已关闭，不会再向您发送。")
    expect(page.locator("#notifications li").first).not_to_contain_text("未读")
    assert ReminderPreference.objects.get(user=world["cadre"].user).muted
    assert_fits(page, PHONE)
    shot(page, "cadre-muted-390")
    page.get_by_role("button", name="重新开启每日提醒").click()
    expect(page.locator(".messages")).to_have_text("每日提醒已重新开启。")
    assert not ReminderPreference.objects.get(user=world["cadre"].user).muted

    page.goto(f"{live_server.url}/me/")
    expect(page.locator("#unread-count")).to_have_count(0)


def test_the_township_coordinator_sees_the_overdue_box_on_the_admin_index(
    world: dict[str, Any], live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, DESKTOP)
    sign_in(page, live_server.url, "shawo", admin=True)

    box = page.locator("#overdue-box")
    expect(box).to_be_visible()
    expect(box.get_by_role("heading", name="逾期事项")).to_be_visible()
    expect(box.locator("#overdue-needs-heading")).to_have_text("超期诉求：1件")
    expect(box.locator("#overdue-needs tbody tr")).to_have_count(1)
    expect(box.locator("#overdue-needs tbody tr")).to_contain_text("王德福（王寨村）：就医")
    expect(box.locator("#overdue-needs tbody tr")).to_contain_text("刘建国")
    expect(box.locator("#overdue-needs tbody tr")).to_contain_text("6天")
    expect(box).not_to_contain_text("外镇户")
    expect(box.locator("#overdue-items-heading")).to_have_text("逾期整改事项：1项")
    expect(box.locator("#overdue-items")).to_contain_text("规范党群服务中心门牌和制度上墙")
    expect(page.locator("#nav-reminders")).to_have_text("我的提醒 1")
    # Above the apps, across the content column.
    box_top = box.bounding_box()["y"]
    assert box_top < page.locator("#content-main .app-villages").bounding_box()["y"]
    assert_fits(page, DESKTOP)
    shot(page, "coordinator-index-1366")

    box.locator("#overdue-needs-heading a").click()
    expect(page).to_have_url(re.compile(r"/admin/visits/need/\?late=yes$"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.go_back()
    box.locator("#overdue-needs tbody a").click()
    expect(page).to_have_url(re.compile(r"/admin/visits/need/\d+/change/$"))

    page.locator("#nav-reminders").click()
    expect(page.locator("#notifications li").first).to_contain_text("沙沃镇逾期事项2件")
    page.get_by_role("button", name="关闭每日提醒").click()
    expect(page.locator(".messages")).to_have_text("每日提醒已关闭。")
    shot(page, "coordinator-reminders-1366")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_index_on_a_phone_keeps_the_box_inside_the_screen(
    world: dict[str, Any],
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    language: str,
) -> None:
    # A task as long as real ones: the box's columns share the phone's width.
    RectificationItem.objects.update(task="补齐“三会一课”记录，规范主题党日活动和党员积分管理台账")
    page = open_page(browser_context, PHONE)
    sign_in(page, live_server.url, "shawo", admin=True)
    if language == "en":
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        page.goto(f"{live_server.url}/admin/")
        expect(page.locator("#overdue-needs-heading")).to_contain_text("Overdue needs")

    expect(page.locator("#overdue-box")).to_be_visible()
    assert_fits(page, PHONE)
    # The days overdue stay on the screen, beside the task.
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#overdue-box .late-days')]"
        ".map((cell) => cell.getBoundingClientRect().right))"
    )
    assert right <= PHONE
    shot(page, f"coordinator-index-390-{language}")
