"""The Content-Security-Policy in a real Chromium: injected scripts do not run, and every page,
chart, autocomplete, import page and visit draft works under it without a single violation
(the `csp_violations` fixture fails any browser test that has one)."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import BrowserContext, Page, Route, expect

from devdata.demo import CADRE_PASSWORD, SUPERUSER
from tests.factories import make_import_batch
from units.models import Cadre, HouseholdAssignment, WorkGroup
from villages.imports import batches
from villages.models import Village
from visits.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WIDTHS = {"desktop": 1366, "phone": 390}
# What a stored field would carry if escaping ever failed: a script element and a handler.
INJECTED = (
    "<script>window.injected = 'script';</script>"
    '<img src="/static/none.png" onerror="window.injected = \'handler\'">'
)


def open_page(browser_context: Callable[..., BrowserContext], width: int) -> Page:
    if width < 800:
        context = browser_context(
            viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True
        )
    else:
        context = browser_context(viewport={"width": width, "height": 900})
    return context.new_page()


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"csp-{name}.png", full_page=True)


def inject(route: Route, *, keep_policy: bool) -> None:
    """The real response with a script put into its body, its headers as the server sent them
    (or without the policy)."""
    response = route.fetch()
    headers = {
        name: value
        for name, value in response.headers.items()
        if keep_policy or name.lower() != "content-security-policy"
    }
    body = response.text().replace("</form>", f"</form>{INJECTED}", 1)
    assert INJECTED in body
    route.fulfill(response=response, headers=headers, body=body)


def test_a_script_injected_into_a_page_does_not_run(
    live_server: object, page: Page, csp_violations: list[str]
) -> None:
    page.route(re.compile(r"/accounts/login/$"), lambda route: inject(route, keep_policy=True))
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("window.injected") is None
    blocked = " ".join(csp_violations)
    assert "script-src-elem blocked inline" in blocked
    assert "script-src-attr blocked inline" in blocked
    # Chromium's console says so too: the fixture hears both.
    assert any(text.startswith("console: ") for text in csp_violations)
    # Provoked on purpose: nothing else may remain.
    csp_violations.clear()


def test_without_the_policy_the_same_injection_would_run(live_server: object, page: Page) -> None:
    page.route(re.compile(r"/accounts/login/$"), lambda route: inject(route, keep_policy=False))
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("window.injected") in {"script", "handler"}


@pytest.mark.parametrize("screen", WIDTHS)
def test_the_coordinators_pages_work_under_the_policy(
    screen: str, demo: None, live_server: object, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, WIDTHS[screen])
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#coverage-chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#coverage-chart canvas")).to_have_count(1)
    screenshot(page, f"dashboard-{screen}")

    # Autocomplete: Select2 fetches the choices from the admin's autocomplete view.
    group = WorkGroup.objects.select_related("village").order_by("pk").first()
    page.goto(f"{live_server.url}/admin/units/workgroup/{group.pk}/change/")
    page.locator("#id_village + .select2").click()
    page.locator(".select2-search__field").fill(group.village.name[:2])
    expect(page.locator(".select2-results__option", has_text=group.village.name)).to_be_visible()
    screenshot(page, f"workgroup-autocomplete-{screen}")
    page.keyboard.press("Escape")

    # A background import: the page asks for progress every second and reloads when done.
    batch = make_import_batch(village=Village.objects.get(name="蔡寨村"))
    assert batches.claim_for_import(batch)
    page.goto(f"{live_server.url}/admin/villages/importbatch/{batch.pk}/change/")
    expect(page.locator("#roster-status")).to_have_text("导入中")
    screenshot(page, f"import-batch-running-{screen}")
    batches.confirm_batch(batch)
    expect(page.locator("#roster-status")).to_have_text("已导入", timeout=10_000)
    screenshot(page, f"import-batch-done-{screen}")


@pytest.mark.parametrize("screen", WIDTHS)
def test_the_cadres_visit_form_and_its_drafts_work_under_the_policy(
    screen: str, demo: None, live_server: object, browser_context: Callable[..., BrowserContext]
) -> None:
    page = open_page(browser_context, WIDTHS[screen])
    sign_in(page, live_server.url, "cadre1", CADRE_PASSWORD)
    household = (
        HouseholdAssignment.objects.active()
        .filter(cadre=Cadre.objects.get(user__username="cadre1"))
        .order_by("household__pk")
        .first()
        .household
    )
    page.goto(f"{live_server.url}/me/households/{household.pk}/visit/")
    page.get_by_label("走访内容").fill("草稿留在手机上")
    page.get_by_role("button", name="再添一条诉求").click()
    expect(page.locator(".need-row:visible")).to_have_count(2)
    page.reload()
    # The draft script restored what was typed: it ran under the policy.
    expect(page.get_by_label("走访内容")).to_have_value("草稿留在手机上")
    screenshot(page, f"visit-form-{screen}")


def test_every_admin_list_add_change_import_and_export_page_loads_without_a_violation(
    demo: None, live_server: object, page: Page
) -> None:
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    visited = []
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [(f"{prefix}_{view}", []) for view in ("changelist", "add", "import", "export")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append((f"{prefix}_change", [first.pk]))
        for name, args in pages:
            try:
                url = reverse(name, args=args)
            except NoReverseMatch:
                continue
            response = page.goto(f"{live_server.url}{url}")
            assert response.status < 500, url
            visited.append(url)
    assert len(visited) > 3 * len(admin.site._registry), visited


def test_the_export_pages_select_all_box_works_under_the_policy(
    demo: None, live_server: object, page: Page
) -> None:
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    page.goto(f"{live_server.url}/admin/villages/household/export/")
    toggle = page.locator("input.select-toggle")
    columns = page.locator(".selectable-field-export-row:visible input[type=checkbox]")
    expect(columns.first).to_be_checked()
    toggle.uncheck()
    expect(columns.first).not_to_be_checked()
    toggle.check()
    expect(columns.first).to_be_checked()


def test_the_need_action_page_and_the_print_button_work_under_the_policy(
    demo: None, live_server: object, page: Page
) -> None:
    sign_in(page, live_server.url, SUPERUSER.username, SUPERUSER.password)
    need = Need.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/visits/need/")
    page.locator(f"#result_list input.action-select[value='{need.pk}']").check()
    page.locator("select[name=action]").select_option("reassign")
    page.locator("button[name=index]").click()
    expect(page.locator("#chosen-needs tbody tr")).to_have_count(1)

    cadre = Cadre.objects.order_by("pk").first()
    page.add_init_script("window.print = () => { window.printed = true; };")
    page.goto(f"{live_server.url}/cards/cadre/{cadre.pk}/")
    page.locator(".print-button").click()
    assert page.evaluate("window.printed") is True
