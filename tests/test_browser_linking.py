"""Linking cadres to households in a real headless Chromium: the picker and the distribution
preview, the latter on a 390-px phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import (
    make_cadre,
    make_coordinator,
    make_household,
    make_unit,
    make_village,
    make_work_group,
    make_work_group_member,
)
from units.models import HouseholdAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_the_picker_offers_the_villages_work_group_first_with_loads(
    live_server: object, page: Page
) -> None:
    make_coordinator("city", "city")
    village = make_village(name="王寨村")
    make_cadre(unit=make_unit(name="市财政局"), name="王五")
    unit = make_unit(name="市农业农村局")
    leader = make_cadre(unit=unit, name="张三")
    make_work_group(unit=unit, village=village, leader=leader)
    household = make_household(village=village, head_name="王大")
    sign_in(page, live_server.url, "city")

    page.goto(f"{live_server.url}/admin/villages/household/{household.pk}/change/")
    page.locator("#assign-cadre").click()
    page.locator("#id_cadre + .select2").click()
    options = page.locator(".select2-results__option")
    expect(options.first).to_have_text("张三 · 市农业农村局 · 本村工作组 · 联系0户/上限10户")
    expect(options.nth(1)).to_have_text("王五 · 市财政局 · 联系0户/上限10户")
    options.first.click()
    page.get_by_role("button", name="确认分配").click()
    expect(page.locator(".messagelist")).to_contain_text("张三：新分配1户")
    assert HouseholdAssignment.objects.active().get().cadre == leader


def test_the_distribution_preview_on_a_phone(live_server: object, browser_context) -> None:
    make_coordinator("city", "city")
    village = make_village(name="王寨村")
    unit = make_unit(name="市农业农村局")
    leader, member = make_cadre(unit=unit, name="张三"), make_cadre(unit=unit, name="李四")
    group = make_work_group(unit=unit, village=village, leader=leader)
    make_work_group_member(work_group=group, cadre=member)
    for i in range(3):
        make_household(village=village, head_name=f"户主{i}")
    phone = browser_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    sign_in(phone, live_server.url, "city")

    phone.goto(f"{live_server.url}/admin/villages/village/{village.pk}/distribute/")
    rows = phone.locator("#planned tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("户主0")
    expect(rows.first).to_contain_text("张三")
    confirm = phone.get_by_role("button", name="按此方案分配（3户）")
    confirm.scroll_into_view_if_needed()
    expect(confirm).to_be_visible()
    expect(phone.locator("#cancel")).to_be_visible()
    # The preview table fits the phone's width: no column is cut off.
    width = phone.evaluate("document.querySelector('#planned').getBoundingClientRect().right")
    assert width <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert HouseholdAssignment.objects.count() == 0

    confirm.click()
    expect(phone.locator(".messagelist")).to_contain_text("已为3户分配联系干部。")
    assert HouseholdAssignment.objects.active().count() == 3
