"""A coordinator uploads another system's "Excel" export (an HTML table saved as .xls) in
Chromium, at a laptop's and a phone's width, in Chinese and English: the preview shows the
rows, a script typed into a cell is shown as text and never runs, and the import is done."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from devdata.demo import SUPERUSER
from tests import roster_files
from tests.factories import resident_id
from villages.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>document.title='pwned'</script>"
LABELS = {
    "zh-CN": ("用户名", "密码", "登录", "上传并检查", "已检查，待确认", "确认导入", "已导入"),
    "en-US": (
        "Username",
        "Password",
        "Sign in",
        "Upload and check",
        "checked, waiting for confirmation",
        "Confirm import",
        "imported",
    ),
}


def export_page() -> bytes:
    rows = roster_files.clerk_roster(
        [
            [
                "蔡大明",
                resident_id(41, born="19660606"),
                "13800138000",
                3,
                "监测户",
                f"东街{SCRIPT}",
            ],
            ["蔡二", resident_id(42, born="19700101"), "", 2, "一般户", "西街"],
        ]
    )
    return roster_files.html_table(rows, encoding="gbk", meta=False, text_columns=[2])


@pytest.mark.parametrize(
    ("locale", "width"),
    [("zh-CN", 1366), ("zh-CN", 390), ("en-US", 1366), ("en-US", 390)],
)
def test_a_coordinator_imports_an_html_export_and_a_script_in_it_stays_text(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    locale: str,
    width: int,
    tmp_path: Path,
) -> None:
    username, password, log_in, upload, checked, confirm, imported = LABELS[locale]
    context = browser_context(locale=locale, viewport={"width": width, "height": 900})
    page: Page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(username).fill(SUPERUSER.username)
    page.get_by_label(password).fill(SUPERUSER.password)
    page.get_by_role("button", name=log_in).click()
    page.goto(f"{live_server.url}/admin/villages/importbatch/add/")
    page.locator("#id_file").set_input_files(
        files=[
            {
                "name": "蔡寨村花名册.xls",
                "mimeType": "application/vnd.ms-excel",
                "buffer": export_page(),
            }
        ]
    )
    page.locator("#id_village + .select2").click()
    page.locator(".select2-search__field").fill("蔡寨")
    page.locator(".select2-results__option", has_text="蔡寨村").click()
    page.get_by_role("button", name=upload).click()

    expect(page.locator("#roster-status")).to_contain_text(checked)
    page.screenshot(path=tmp_path / f"preview-{locale}-{width}.png", full_page=True)
    expect(page.locator("#count-created")).to_have_text("2")
    # Each table of the page is a sheet, named in the uploader's language.
    expect(page.locator("body")).to_contain_text("表格1" if locale == "zh-CN" else "Table 1")
    if width <= 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    page.get_by_role("button", name=confirm).click()
    expect(page.locator("#roster-status")).to_contain_text(imported)
    household = Household.objects.get(head_name="蔡大明")
    assert household.address == f"东街{SCRIPT}"
    page.goto(f"{live_server.url}/admin/villages/household/{household.pk}/change/")
    expect(page.locator("#id_address")).to_have_value(f"东街{SCRIPT}")
    page.screenshot(path=tmp_path / f"household-{locale}-{width}.png", full_page=True)
    assert page.title() != "pwned"
    assert dialogs == []
    assert outside == []
