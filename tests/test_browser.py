"""The pages as people see them, in a real headless Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from shuanglian.demo import CADRE_PASSWORD, SUPERUSER
from units.models import Cadre, HouseholdAssignment
from villages.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_coordinator_signs_in_and_sees_masked_households(
    demo: None, live_server: object, page: Page
) -> None:
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_have_text("双联双创工作管理系统")

    household = Household.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/villages/household/")
    page.locator("#searchbar").fill(household.id_number[-4:])
    page.locator("#searchbar").press("Enter")
    row = page.locator("#result_list tbody tr", has_text=household.head_name)
    expect(row).to_contain_text(household.masked_id_number)
    expect(page.locator("#result_list")).not_to_contain_text(household.id_number)


def test_cadre_signs_in_on_a_phone_and_sees_their_households(
    demo: None, live_server: object, phone: Page
) -> None:
    cadre = Cadre.objects.get(user__username="cadre1")
    sign_in(phone, live_server.url, "cadre1", CADRE_PASSWORD)
    expect(phone.get_by_role("heading", name="我的联系户")).to_be_visible()
    names = HouseholdAssignment.objects.active().filter(cadre=cadre)
    expect(phone.locator(".list li")).to_have_count(names.count())
    # Nothing wider than the phone's screen: no sideways scrolling in the field.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_sign_in_page_is_english_for_an_english_browser(
    live_server: object, chromium: object
) -> None:
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading")).to_have_text(
        "Shuanglian Shuangchuang work management system"
    )
    context.close()
