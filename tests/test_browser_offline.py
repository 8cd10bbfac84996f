"""The cadre pages on a phone without a signal: kept pages open from the phone, visits and
need steps recorded offline are sent once when the signal returns, and nothing of one cadre
stays for the next."""

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_started
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from devdata.demo import CADRE_PASSWORD
from tests.factories import make_need
from tests.photo_files import camera_photo
from units.models import Cadre
from visits.models import Need, NeedNote, Visit
from visits.offline import offline_pages
from visits.visits import households_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"


@pytest.fixture
def server_hits() -> Iterator[list[str]]:
    """Every request that reaches the Django server while the test runs."""
    hits: list[str] = []

    def count(sender: object, environ: dict, **kwargs: object) -> None:
        hits.append(environ.get("PATH_INFO", ""))

    request_started.connect(count, weak=False)
    yield hits
    request_started.disconnect(count)


def phone(browser_context: Callable[..., BrowserContext], *, width: int, locale: str):
    return browser_context(
        viewport={"width": width, "height": 844},
        is_mobile=width < 600,
        has_touch=width < 600,
        locale=locale,
        service_workers="allow",
    )


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def sign_in(page: Page, base_url: str, username: str, english: bool = False) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/me/")
    page.get_by_label("Username" if english else "用户名").fill(username)
    page.get_by_label("Password" if english else "密码").fill(CADRE_PASSWORD)
    page.get_by_role("button", name="Sign in" if english else "登录").click()
    # The sign-in page's own address ends in ?next=/me/ too: wait for the cadre page itself.
    page.wait_for_url(re.compile(r"^[^?]*/me/$"))
    assert "/accounts/" not in page.url


def wait_until_kept(page: Page) -> None:
    """The worker is active and has kept the cadre's pages."""
    page.wait_for_function("() => document.documentElement.dataset.offlineCached !== undefined")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def kept_urls(page: Page) -> list[str]:
    return page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            if (!name.startsWith("pages-")) continue;
            const cache = await caches.open(name);
            for (const r of await cache.keys()) urls.push(new URL(r.url).pathname);
          }
          return urls;
        }"""
    )


def queued(page: Page) -> int:
    page.wait_for_function("() => document.documentElement.dataset.offlineQueued !== undefined")
    return int(page.evaluate("() => document.documentElement.dataset.offlineQueued"))


def open_needs(cadre: Cadre) -> list[Need]:
    households = list(households_of(cadre).order_by("pk")[:2])
    return [
        make_need(cadre=cadre, household=household, raised_on=timezone.localdate())
        for household in households
    ]


def test_kept_pages_open_offline_and_records_made_offline_are_sent_once(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    server_hits: list[str],
    server_quiet: Callable[[], None],
) -> None:
    cadre = Cadre.objects.get(user__username="cadre1")
    staying, closing = open_needs(cadre)
    context = phone(browser_context, width=390, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "cadre1")
    wait_until_kept(page)
    pages = offline_pages(user=cadre.user)
    assert sorted(kept_urls(page)) == sorted(pages)
    household = households_of(cadre).order_by("pk").first()

    context.set_offline(True)
    server_hits.clear()
    from_worker = []
    page.on("response", lambda r: from_worker.append(r.from_service_worker))
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#offline-banner")).to_contain_text("离线 · 数据更新于")
        expect(page.locator("h1")).to_be_visible()
    assert server_hits == []
    assert from_worker and all(from_worker)
    page.goto(f"{live_server.url}/me/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "offline-banner-zh-390")

    # Three visits with a photo each and two need steps, without a signal.
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    for number in (1, 2, 3):
        page.get_by_label("走访内容").fill(f"离线走访第{number}次")
        photo = {"name": f"IMG_{number}.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}
        page.set_input_files("input[name=photos]", files=[photo])
        expect(page.locator("#photo-list canvas")).to_have_count(1)
        page.get_by_role("button", name="保存走访记录").click()
        expect(page.locator("#draft-status")).to_contain_text(f"手机上有{number}条走访等待联网提交")
        expect(page.get_by_label("走访内容")).to_have_value("")
    for need, text in ((staying, "离线备注：已电话联系"), (closing, "离线备注：等待乡镇答复")):
        page.goto(f"{live_server.url}/me/needs/{need.pk}/")
        page.locator("#step-note summary").click()
        page.locator("#step-note textarea").fill(text)
        page.locator("#step-note button[type=submit]").click()
        expect(page.locator("#draft-status")).to_contain_text("已保存在手机上")
    assert queued(page) == 5
    expect(page.locator("#offline-queued li")).to_have_count(5)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "offline-queued-zh-390")
    assert server_hits == []
    assert Visit.objects.filter(summary__startswith="离线走访").count() == 0

    # The township closed the second need meanwhile.
    Need.objects.filter(pk=closing.pk).update(
        status=Need.Status.RESOLVED, resolution="乡镇已办结", closed_on=timezone.localdate()
    )
    context.set_offline(False)
    page.reload()
    expect(page.locator("#offline-failed li")).to_have_count(1)
    expect(page.locator("#offline-failed")).to_contain_text("这条诉求已经关闭，不能再变更。")
    expect(page.locator("#offline-queued")).to_be_hidden()
    assert queued(page) == 0
    shot(page, "offline-failed-zh-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "offline-failed-zh-1366")
    page.set_viewport_size({"width": 390, "height": 844})

    server_quiet()
    visits = Visit.objects.filter(summary__startswith="离线走访", household=household)
    assert sorted(visits.values_list("summary", flat=True)) == [
        "离线走访第1次",
        "离线走访第2次",
        "离线走访第3次",
    ]
    assert [visit.photos.count() for visit in visits] == [1, 1, 1]
    # Shrunk on the phone before they were kept there.
    assert all(photo.image.size < 400 * 1024 for visit in visits for photo in visit.photos.all())
    assert NeedNote.objects.filter(need=staying, text="离线备注：已电话联系").count() == 1
    assert not NeedNote.objects.filter(need=closing, text="离线备注：等待乡镇答复").exists()
    # Sent again (a reload, another page): nothing doubles.
    page.goto(f"{live_server.url}/me/needs/")
    server_quiet()
    assert visits.count() == 3
    page.locator("#offline-failed button").click()
    expect(page.locator("#offline-failed")).to_be_hidden()

    # Signing out empties the phone.
    page.goto(f"{live_server.url}/me/")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/"))
    page.wait_for_function("async () => (await caches.keys()).length === 0")
    assert page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)") == []


def test_the_next_cadre_on_the_same_phone_finds_nothing_of_the_first(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    server_quiet: Callable[[], None],
) -> None:
    first = Cadre.objects.get(user__username="cadre1")
    context = phone(browser_context, width=390, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "cadre1")
    wait_until_kept(page)
    household = households_of(first).order_by("pk").first()
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    context.set_offline(True)
    page.get_by_label("走访内容").fill("第一位干部的离线走访")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#draft-status")).to_contain_text("手机上有1条走访等待联网提交")

    # The session ends without signing out (it expires on the server while the phone is
    # without a signal); another cadre signs in.
    server_quiet()
    Session.objects.all().delete()
    context.set_offline(False)
    sign_in(page, live_server.url, "cadre2")
    wait_until_kept(page)
    server_quiet()
    second = Cadre.objects.get(user__username="cadre2")
    urls = kept_urls(page)
    assert sorted(urls) == sorted(offline_pages(user=second.user))
    assert f"/me/households/{household.pk}/" not in urls
    assert queued(page) == 0
    assert not Visit.objects.filter(summary="第一位干部的离线走访").exists()


@pytest.mark.parametrize(("width", "locale"), [(390, "en-US"), (1366, "en-US"), (1366, "zh-CN")])
def test_the_banner_and_lists_read_well_on_every_screen(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    width: int,
    locale: str,
) -> None:
    english = locale.startswith("en")
    cadre = Cadre.objects.get(user__username="cadre1")
    (need, _other) = open_needs(cadre)
    context = phone(browser_context, width=width, locale=locale)
    page = context.new_page()
    sign_in(page, live_server.url, "cadre1", english=english)
    wait_until_kept(page)
    context.set_offline(True)
    page.goto(f"{live_server.url}/me/needs/{need.pk}/")
    banner = page.locator("#offline-banner")
    expect(banner).to_contain_text("Offline · data as of" if english else "离线 · 数据更新于")
    page.locator("#step-note summary").click()
    page.locator("#step-note textarea").fill(
        "Called the township office" if english else "已电话联系乡镇"
    )
    page.locator("#step-note button[type=submit]").click()
    expect(page.locator("#offline-queued li")).to_have_count(1)
    expect(page.locator("#offline-queued h2")).to_have_text(
        "Waiting to be sent" if english else "等待发送"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    language = "en" if english else "zh"
    shot(page, f"offline-queued-{language}-{width}")
    Need.objects.filter(pk=need.pk).update(
        status=Need.Status.RESOLVED, resolution="closed", closed_on=timezone.localdate()
    )
    context.set_offline(False)
    page.reload()
    expect(page.locator("#offline-failed li")).to_have_count(1)
    expect(page.locator("#offline-failed h2")).to_have_text(
        "Could not be submitted" if english else "未能提交"
    )
    shot(page, f"offline-failed-{language}-{width}")


def test_a_record_sent_after_the_session_ended_stays_queued_without_fetching_the_sign_in_page(
    demo: None,
    live_server: object,
    browser_context: Callable[..., BrowserContext],
    server_hits: list[str],
    server_quiet: Callable[[], None],
) -> None:
    cadre = Cadre.objects.get(user__username="cadre1")
    household = households_of(cadre).order_by("pk").first()
    context = phone(browser_context, width=390, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "cadre1")
    wait_until_kept(page)
    server_quiet()
    Session.objects.all().delete()  # the session ends on the server; the phone keeps its cookies
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    server_hits.clear()
    path = f"/me/households/{household.pk}/visit/"
    answer = page.evaluate(
        """([url, token]) => OfflineQueue.send(
            {url: url, fields: [["summary", "会话结束后发送"]]}, token, true)""",
        [f"{live_server.url}{path}", csrf],
    )
    assert answer == {"result": "failed"}  # kept in the queue for the next sign-in
    # The redirect to the sign-in page was not followed: it would have set a new CSRF cookie.
    assert server_hits == [path]
    assert next(c["value"] for c in context.cookies() if c["name"] == "csrftoken") == csrf
    server_quiet()
    assert not Visit.objects.filter(summary="会话结束后发送").exists()
