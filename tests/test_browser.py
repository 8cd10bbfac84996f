"""The pages as people see them, in a real headless Chromium."""

import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from devdata.demo import CADRE_PASSWORD, SUPERUSER
from shuanglian.figures.summary import figures_for
from tests import roster_files
from tests.factories import make_import_batch, resident_id
from units.models import Cadre, HouseholdAssignment
from villages.imports import batches
from villages.models import Household, Village

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
    expect(phone.locator("#my-households li")).to_have_count(names.count())
    # Nothing wider than the phone's screen: no sideways scrolling in the field.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_sign_in_page_is_english_for_an_english_browser(
    live_server: object, browser_context: Callable[..., BrowserContext]
) -> None:
    page = browser_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading")).to_have_text(
        "Shuanglian Shuangchuang work management system"
    )


def test_coordinator_imports_a_roster_and_downloads_the_rejected_rows(
    demo: None, live_server: object, page: Page
) -> None:
    before = Household.objects.count()
    rows = roster_files.clerk_roster(
        [
            ["蔡大明", resident_id(31, born="19660606"), "13800138000", 3, "监测户", ""],
            ["蔡二", "3.71728E+17", "", 2, "", ""],
        ]
    )
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    page.goto(f"{live_server.url}/admin/villages/household/")
    page.get_by_role("link", name="导入花名册").click()

    page.locator("#id_file").set_input_files(
        files=[
            {
                "name": "蔡寨村花名册.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": roster_files.xlsx({"Sheet1": rows}),
            }
        ]
    )
    page.locator("#id_village + .select2").click()
    page.locator(".select2-search__field").fill("蔡寨")
    page.locator(".select2-results__option", has_text="蔡寨村").click()
    page.get_by_role("button", name="上传并检查").click()

    expect(page.locator("#roster-status")).to_have_text("已检查，待确认")
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-rejected")).to_have_text("1")
    expect(page.locator("#roster-rejected")).to_contain_text("身份证号被Excel转成了数字")
    assert Household.objects.count() == before

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#roster-status")).to_have_text("已导入")
    assert Household.objects.filter(head_name="蔡大明").exists()

    with page.expect_download() as download:
        page.locator("#roster-errors").click()
    assert download.value.suggested_filename == "蔡寨村花名册-未导入行.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    header, *rejected = book.active.iter_rows(values_only=True)
    assert "错误原因" in header
    assert [row[header.index("户主姓名")] for row in rejected] == ["蔡二"]


def test_the_batch_page_follows_a_background_import_until_it_is_done(
    demo: None, live_server: object, page: Page
) -> None:
    batch = make_import_batch(village=Village.objects.get(name="蔡寨村"))
    assert batches.claim_for_import(batch)
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    page.goto(f"{live_server.url}/admin/villages/importbatch/{batch.pk}/change/")
    expect(page.locator("#roster-status")).to_have_text("导入中")
    expect(page.locator("#roster-progress")).to_contain_text("所有行在一个事务中写入")

    # The worker finishes while the page is open; the page notices by itself.
    batches.confirm_batch(batch)
    expect(page.locator("#roster-status")).to_have_text("已导入", timeout=10_000)
    expect(page.locator("#roster-progress")).to_have_count(0)
    expect(page.locator("#count-created")).to_have_text("1")


def test_coordinator_assigns_three_households_and_the_dashboard_shows_it(
    demo: None, live_server: object, page: Page
) -> None:
    before = figures_for(None).coverage.households
    cadre = Cadre.objects.get(user__username="cadre2")
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#rate-households .counts")).to_have_text(
        f"{before.total}户中有{before.done}户已有联系干部"
    )
    expect(page.locator("#coverage-chart")).to_have_attribute("data-ready", "true")

    page.goto(f"{live_server.url}/admin/villages/household/?cadre_status=none")
    for checkbox in page.locator("#result_list tbody input.action-select").all()[:3]:
        checkbox.check()
    page.locator("select[name=action]").select_option("assign_cadre")
    page.locator("button[name=index]").click()
    expect(page.locator("#chosen-households tbody tr")).to_have_count(3)
    page.locator("#id_cadre + .select2").click()
    page.locator(".select2-search__field").fill(cadre.name)
    page.locator(".select2-results__option", has_text=cadre.name).click()
    page.get_by_role("button", name="确认分配").click()
    # The demo's cadre already links 8 of the 10 households a cadre may link.
    expect(page.locator(".errorlist")).to_contain_text("已联系8户，再分配3户将超过")
    page.get_by_label("超过上限仍分配").check()
    page.get_by_role("button", name="确认分配").click()
    expect(page.locator(".messagelist")).to_contain_text("新分配3户")

    page.locator("#nav-dashboard").click()
    expect(page.locator("#rate-households .counts")).to_have_text(
        f"{before.total}户中有{before.done + 3}户已有联系干部"
    )
