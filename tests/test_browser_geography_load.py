"""A coordinator loads the statistical code table in Chromium, at a laptop's and a phone's
width, in Chinese and English: the preview lists what is new and renamed, one confirm loads it,
and the page never scrolls sideways."""

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import make_city, make_county, make_township, make_user
from tests.roster_files import csv_bytes
from villages.models import Township, Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"
PASSWORD = "a-long-test-password"
LABELS = {
    "zh-CN": ("用户名", "密码", "登录", "载入区划代码表", "上传并预览", "确认载入", "区划已载入"),
    "en-US": (
        "Username",
        "Password",
        "Sign in",
        "Load geography",
        "Upload and preview",
        "Confirm and load",
        "The geography is loaded",
    ),
}
TABLE = [
    ["统计用区划代码", "城乡分类代码", "名称"],
    ["371700000000", None, "菏泽市"],
    ["371728000000", None, "东明县"],
    ["371728109000", None, "沙窝镇"],
    ["371728109201", "220", "王寨村"],
    ["371728109202", "220", "蔡寨村"],
    ["371728001000", None, "城关街道"],
    ["371728001001", "111", "新华社区"],
]


@pytest.mark.parametrize(
    ("locale", "width"),
    [("zh-CN", 1366), ("zh-CN", 390), ("en-US", 1366), ("en-US", 390)],
)
def test_a_coordinator_previews_and_loads_the_code_table(
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    locale: str,
    width: int,
    tmp_path: Path,
) -> None:
    city = make_city(code="371700000000", name="菏泽市")
    county = make_county(city=city, code="371728000000", name="东明县")
    make_township(county=county, code="371728109000", name="沙沃镇")
    make_user("coordinator", is_staff=True, is_superuser=True, password=PASSWORD)
    username, password, log_in, load, upload, confirm, loaded = LABELS[locale]
    context = browser_context(locale=locale, viewport={"width": width, "height": 900})
    page: Page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(username).fill("coordinator")
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=log_in).click()

    page.goto(f"{live_server.url}/admin/villages/county/")
    page.get_by_role("link", name=load).click()
    table = tmp_path / "区划代码.csv"
    table.write_bytes(csv_bytes(TABLE))
    page.locator("#id_file").set_input_files(table)
    page.get_by_role("button", name=upload).click()
    expect(page.locator("#count-new")).to_have_text("4")
    expect(page.locator("#count-renamed")).to_have_text("1")
    expect(page.locator("#geography-renamed")).to_contain_text("沙沃镇")
    SHOTS.mkdir(exist_ok=True)
    shot = f"geography-preview-{locale}-{width}.png"
    page.screenshot(path=SHOTS / shot, full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "sideways scroll"
    assert not Village.objects.filter(code="371728001001").exists(), "the preview writes nothing"

    page.get_by_role("button", name=confirm).click()
    expect(page.locator(".messagelist")).to_contain_text(loaded)
    page.screenshot(path=SHOTS / f"geography-loaded-{locale}-{width}.png", full_page=True)
    assert Township.objects.get(code="371728109000").name == "沙窝镇"
    assert Village.objects.get(code="371728001001").kind == Village.Kind.COMMUNITY
