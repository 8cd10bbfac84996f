import datetime
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from devdata.demo import SUPERUSER, ensure_demo_logins, load_demo
from tests.factories import (
    Place,
    make_assignment,
    make_cadre,
    make_city,
    make_coordinator,
    make_county,
    make_household,
    make_place,
    make_township,
    make_unit,
    make_village,
    make_work_group,
    unique_resident_id,
)
from villages.models import Household


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Real hashing costs a second per login; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the site's language: a request that asked for English leaves
    English active in its thread, which would otherwise carry over into the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def demo(db: None) -> None:
    """The demo city, with its logins."""
    load_demo()
    ensure_demo_logins()


@pytest.fixture
def superuser_client(demo: None) -> Client:
    client = Client()
    client.login(username=SUPERUSER.username, password=SUPERUSER.password)
    return client


@pytest.fixture
def many_households(demo: None) -> int:
    """2,000 more households in one village, to show page costs do not grow with data."""
    village = make_village()
    template = make_household(village=village)
    Household.objects.bulk_create(
        Household(
            village=village,
            head_name=f"{template.head_name}{i}",
            id_number=unique_resident_id(),
            members=2,
        )
        for i in range(1999)
    )
    return Household.objects.count()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page of a browser test reports what its Content-Security-Policy blocked: the listener
# is installed before any script of the page runs, and calls back into the test at once, so
# nothing is lost when the page navigates away.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI} on ${event.documentURI}` +
      (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : ""),
  );
});
"""


def watch_csp(context: BrowserContext, violations: list[str]) -> None:
    """Add to violations every Content-Security-Policy violation in the context's pages, from
    the page's own event and from Chromium's console message alike."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.expose_binding("__cspViolation", lambda source, text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    context.on("page", lambda page: page.on("console", on_console))


@pytest.fixture
def csp_violations() -> Iterator[list[str]]:
    """What the Content-Security-Policy blocked in the test's browser pages: must stay empty.

    A test that provokes a violation on purpose checks it, then clears the list.
    """
    violations: list[str] = []
    yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


class Answering:
    """The live server's application, counting the requests it is still answering.

    A cadre page's service worker goes on fetching pages after the test's last step; the test's
    database must not be flushed while the server thread still uses the shared connection.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            self.count += 1
        try:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self.lock:
                self.count -= 1

    def wait(self, seconds: float = 15, quiet: float = 0) -> None:
        """Until no request is being answered, and none has been for ``quiet`` seconds."""
        deadline = time.monotonic() + seconds
        still_since = None
        while time.monotonic() < deadline:
            if self.count:
                still_since = None
            elif still_since is None:
                still_since = time.monotonic()
            elif time.monotonic() - still_since >= quiet:
                return
            time.sleep(0.02)


def answering(live_server: Any) -> Answering:
    """The counting application of the (session-wide) live server, put in place once."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, Answering):
        app = Answering(app)
        httpd.set_app(app)
    return app


@pytest.fixture
def server_quiet(live_server: Any) -> Callable[[], None]:
    """Waits until the live server has answered nothing for half a second: a cadre page's
    service worker fetches its pages in the background, and each request writes the session."""
    return lambda: answering(live_server).wait(quiet=0.5)


@pytest.fixture
def browser_context(
    chromium: Browser, csp_violations: list[str], request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Opens browser contexts watched for CSP violations, closed at the end of the test, and
    then waits for the live server to answer what the browser had already asked."""
    contexts: list[BrowserContext] = []
    server = None
    if "live_server" in request.fixturenames:
        server = answering(request.getfixturevalue("live_server"))

    def open_context(**options: Any) -> BrowserContext:
        context = chromium.new_context(**{"locale": "zh-CN", **options})
        context.set_default_timeout(15_000)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    if server is not None:
        server.wait()


@pytest.fixture
def page(browser_context: Callable[..., BrowserContext]) -> Page:
    return browser_context(viewport={"width": 1280, "height": 900}).new_page()


@pytest.fixture
def phone(browser_context: Callable[..., BrowserContext]) -> Page:
    """A 360-px-wide phone screen."""
    context = browser_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    return context.new_page()


@pytest.fixture
def coverage_city(db: None) -> dict:
    """Two counties; the second is empty. Every edge case of the four rates once."""
    make_city()
    county = make_county(code="371728000000", name="东明县")
    make_county(code="371721000000", name="曹县")
    t1 = make_township(county=county, code="371728104000", name="沙沃镇")
    t2 = make_township(county=county, code="371728105000", name="菜园集镇")
    v1 = make_village(township=t1, code="371728104201", name="王寨村")
    v2 = make_village(township=t1, code="371728104202", name="蔡寨村")
    v3 = make_village(township=t2, code="371728105201", name="李庄村")
    make_village(township=t2, code="371728105202", name="空村")  # no households, no unit
    u1, u2 = make_unit(name="市委组织部"), make_unit(name="市司法局")
    make_unit(name="团市委")  # no cadres, no work group
    make_work_group(unit=u1, village=v1)
    make_work_group(unit=u2, village=v3)
    c1 = make_cadre(unit=u1, name="张一")
    make_cadre(unit=u1, name="张二")  # in service, no households
    c3 = make_cadre(unit=u2, name="李三", in_service=False)  # left, households still linked
    c4 = make_cadre(unit=u2, name="李四")  # their only assignment ended
    h1 = make_household(village=v1, head_name="王甲")
    h2 = make_household(village=v1, head_name="王乙")
    h3 = make_household(village=v2, head_name="蔡丙")
    h4 = make_household(village=v3, head_name="李丁")
    make_assignment(household=h1, cadre=c1)
    last_year = datetime.date(2025, 3, 1)
    make_assignment(household=h2, cadre=c4, started_on=last_year, ended_on=last_year)
    make_assignment(household=h3, cadre=c3)
    make_assignment(household=h4, cadre=c1)
    return {"county": county, "t1": t1, "t2": t2}


# The scope world's users by role, in the order the probes report them.
SCOPE_ROLES = [
    "city",
    "county",
    "township",
    "other_township",
    "liaison",
    "other_liaison",
    "cadre",
    "auditor",
    "no_role",
]


@dataclass
class ScopeWorld:
    """Three places (home; another township of the same county; another county) and a user per
    role: coordinators of the city, the home county, the home and the other township, liaisons
    of the home and the other unit, the home cadre, an audit viewer and a user with no role."""

    home: Place
    next_door: Place
    far: Place
    users: dict[str, Any]


@pytest.fixture
def scope_world(db: None) -> ScopeWorld:
    return build_scope_world()


def build_scope_world() -> ScopeWorld:
    """The scope world without the fixture, for probes that build it once for a whole module."""
    county = make_county()
    far_county = make_county(code="371721000000", name="曹县")
    home = make_place(township=make_township(county=county, name="甲镇"), tag="甲")
    next_door = make_place(township=make_township(county=county, name="乙镇"), tag="乙")
    far = make_place(township=make_township(county=far_county, name="丙镇"), tag="丙")
    users = {
        "city": make_coordinator("city", "city"),
        "county": make_coordinator("county", "county", county=county),
        "township": make_coordinator("township", "township", township=home.village.township),
        "other_township": make_coordinator(
            "other-township", "township", township=next_door.village.township
        ),
        "liaison": make_coordinator("liaison", "liaison", unit=home.unit),
        "other_liaison": make_coordinator("other-liaison", "liaison", unit=next_door.unit),
        "auditor": make_coordinator("auditor", "auditor"),
        "no_role": make_coordinator("no-role", None),
    }
    # Staff with every permission too, to show that the role alone keeps them out of admin.
    users["cadre"] = make_coordinator("cadre", None)
    home.cadre.user = users["cadre"]
    home.cadre.save(update_fields=["user"])
    return ScopeWorld(home, next_door, far, users)
