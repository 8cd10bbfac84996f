import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from shuanglian.demo import SUPERUSER, ensure_demo_logins, load_demo
from tests.factories import make_household, make_village, unique_resident_id
from villages.models import Household


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Real hashing costs a second per login; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    """A 360-px-wide phone screen."""
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
