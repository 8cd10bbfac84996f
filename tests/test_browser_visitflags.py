"""走访核查 in the browser: a coordinator reviews a flagged visit and dismisses it with a note,
on a desktop and a phone, in Chinese and English; a cadre records days away on the phone."""

import datetime
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_county,
    make_household,
    make_township,
    make_unit,
    make_user,
    make_village,
    make_visit,
    make_work_group,
)
from units.models import CadreAbsence
from visitflags.models import VisitFlag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"
PHONE, DESKTOP = 390, 1366
PASSWORD = "a-long-test-password"
TOLERANCE = 2


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    township = make_township(county=make_county(), name="沙沃镇")
    village = make_village(township=township, name="王寨村")
    unit = make_unit(name="市农业农村局")
    make_work_group(unit=unit, village=village)
    cadre = make_cadre(name="刘建国", unit=unit, user=make_user("liu"))
    households = []
    for name in ["张秀英", "王德福", "李桂兰", "赵长海"]:
        household = make_household(village=village, head_name=name)
        make_assignment(cadre=cadre, household=household)
        households.append(household)
    coordinator = make_coordinator("shawo", "township", township=township)
    return {"cadre": cadre, "households": households, "coordinator": coordinator}


def open_page(browser_context: Callable[..., BrowserContext], width: int, lang: str) -> Page:
    options: dict[str, Any] = {"viewport": {"width": width, "height": 900}}
    if width < 800:
        options |= {"is_mobile": True, "has_touch": True}
    options["locale"] = "zh-CN" if lang == "zh" else "en-US"
    return browser_context(**options).new_page()


def sign_in(page: Page, base: str, username: str, *, admin: bool = False) -> None:
    page.goto(f"{base}/admin/login/" if admin else f"{base}/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def assert_fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + TOLERANCE, f"{page.url} is {scroll} px wide on a {width}-px screen"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_coordinator_reviews_and_dismisses_a_flag_with_a_note(
    world: dict[str, Any],
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    width: int,
    lang: str,
) -> None:
    cadre, households = world["cadre"], world["households"]
    visit = make_visit(household=households[0], cadre=cadre, summary="了解近况")
    flag = VisitFlag.objects.create(
        visit=visit, kind=VisitFlag.Kind.RAPID, facts={"count": 6, "minutes": 12}
    )
    day = timezone.localdate() - datetime.timedelta(days=1)
    other = make_visit(household=households[1], cadre=cadre, visited_on=day)
    VisitFlag.objects.create(
        visit=other,
        kind=VisitFlag.Kind.WHILE_AWAY,
        facts={"starts_on": "2026-05-03", "ends_on": "2026-05-07", "reason": "培训"},
    )
    page = open_page(browser_context, width, lang)
    sign_in(page, live_server.url, "shawo", admin=True)
    page.goto(f"{live_server.url}/admin/visitflags/visitflag/?state=open")
    reason = "12 分钟内记录了 6 次走访" if lang == "zh" else "6 visits recorded within 12 minutes"
    expect(page.get_by_text(reason).first).to_be_visible()
    away = "5月3日—5月7日" if lang == "zh" else "5/3–5/7"
    expect(page.get_by_text(away, exact=False).first).to_be_visible()
    shot(page, f"flags-list-{lang}-{width}")
    assert_fits(page, width)
    page.locator(f'input[name="_selected_action"][value="{flag.pk}"]').check()
    page.locator('select[name="action"]').select_option("dismiss")
    page.locator('button[name="index"]').click()
    note = page.locator("textarea[name=note]")
    expect(note).to_be_visible()
    shot(page, f"flags-confirm-{lang}-{width}")
    assert_fits(page, width)
    page.locator("#action-confirm-form input[type=submit]").click()
    # An empty note is refused: the page stays, with the error.
    expect(note).to_be_visible()
    note.fill("当天为集中活动，现场登记多户")
    page.locator("#action-confirm-form input[type=submit]").click()
    done = "已排除 1 条核查。" if lang == "zh" else "1 flags dismissed."
    expect(page.get_by_text(done)).to_be_visible()
    shot(page, f"flags-dismissed-{lang}-{width}")
    flag.refresh_from_db()
    assert flag.dismissal_note == "当天为集中活动，现场登记多户"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cadre_records_and_deletes_days_away_on_the_phone(
    world: dict[str, Any],
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    lang: str,
) -> None:
    cadre = world["cadre"]
    day = timezone.localdate() - datetime.timedelta(days=1)
    visit = make_visit(household=world["households"][0], cadre=cadre, visited_on=day)
    page = open_page(browser_context, PHONE, lang)
    sign_in(page, live_server.url, "liu")
    page.locator("#days-away-link").click()
    expect(page).to_have_url(re.compile(r"/me/away/$"))
    shot(page, f"days-away-empty-{lang}")
    assert_fits(page, PHONE)
    page.locator("#id_starts_on").fill(day.isoformat())
    page.locator("#id_ends_on").fill(day.isoformat())
    page.locator("#id_reason").fill("培训")
    page.locator("#absence-form button[type=submit]").click()
    expect(page.locator("#absences")).to_contain_text("培训")
    shot(page, f"days-away-recorded-{lang}")
    assert_fits(page, PHONE)
    assert VisitFlag.objects.filter(visit=visit, kind=VisitFlag.Kind.WHILE_AWAY).exists()
    page.locator("#absences a.button").first.click()
    expect(page.locator("#delete-absence-form")).to_be_visible()
    shot(page, f"days-away-delete-{lang}")
    assert_fits(page, PHONE)
    page.locator("#delete-absence-form button[type=submit]").click()
    expect(page.locator("#absences")).not_to_contain_text("培训")
    assert not CadreAbsence.objects.exists()
