"""One project from 申报 to 验收 in a real headless Chromium: each step taken on its page by the
role that takes it, a voucher uploaded and downloaded, a refused step that writes nothing, the
pages on a 390-px phone and in English, and the dashboard's "项目与资金" charts drawn under the
Content-Security-Policy (the `csp_violations` fixture fails any test that has a violation)."""

import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfWriter

from projects import allocations
from projects import projects as project_steps
from projects.models import Allocation, Disbursement, FundPool, Project
from shuanglian.models import AuditEvent
from tests.factories import (
    make_coordinator,
    make_county,
    make_fund_pool,
    make_household,
    make_project,
    make_township,
    make_unit,
    make_village,
    make_work_group,
)
from units.models import WorkGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
# Screenshots to look at after a run: 1366 and 390 px, in Chinese and English.
SHOTS = Path(tempfile.gettempdir()) / "browser-shots"
DESKTOP, PHONE = 1366, 390
TITLE = "王寨村道路硬化"
# A page may be a pixel or two wider than the screen from rounding; more is a real overflow.
TOLERANCE = 2


@dataclass
class World:
    group: WorkGroup
    pool: FundPool


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(db: None) -> World:
    """A township with one village linked by one unit, a coordinator of each level and a pool."""
    township = make_township(county=make_county(), name="沙沃镇")
    village = make_village(township=township, name="王寨村")
    unit = make_unit(name="市农业农村局")
    group = make_work_group(unit=unit, village=village)
    make_household(village=village, head_name="王大")
    make_coordinator("liaison", "liaison", unit=unit)
    make_coordinator("township", "township", township=township)
    make_coordinator("city", "city")
    pool = make_fund_pool(
        name="衔接资金", source=FundPool.Source.FINANCE, amount=Decimal("200000.00")
    )
    return World(group, pool)


def pdf_file(folder: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    path = folder / "拨付凭证.pdf"
    path.write_bytes(out.getvalue())
    return path


def open_page(
    browser_context: Callable[..., BrowserContext], width: int = DESKTOP, language: str = "zh"
) -> Page:
    if width < 800:
        options = {"viewport": {"width": width, "height": 844}}
        options |= {"is_mobile": True, "has_touch": True}
    else:
        options = {"viewport": {"width": width, "height": 900}}
    if language == "en":
        options["locale"] = "en-US"
    return browser_context(**options).new_page()


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Through the admin's login page, in the page's language."""
    page.goto(f"{base_url}/admin/login/")
    chinese = page.locator("html").get_attribute("lang").startswith("zh")
    page.get_by_label("用户名" if chinese else "Username").fill(username)
    page.get_by_label("密码" if chinese else "Password").fill(PASSWORD)
    page.get_by_role("button", name="登录" if chinese else "Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def as_user(
    browser_context: Callable[..., BrowserContext], base_url: str, username: str, **options: Any
) -> Page:
    page = open_page(browser_context, **options)
    sign_in(page, base_url, username)
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"projects-{name}.png", full_page=True)


def project_url(base_url: str, project: Project) -> str:
    return f"{base_url}/admin/projects/project/{project.pk}/change/"


def allocation_url(base_url: str, allocation: Allocation) -> str:
    return f"{base_url}/admin/projects/allocation/{allocation.pk}/change/"


def take_step(page: Page, name: str) -> None:
    """Open the step's page from its button on the object's page."""
    page.locator("a.step-link", has_text=name).click()
    expect(page.locator("#step-form")).to_be_visible()


def confirm_step(page: Page, name: str) -> None:
    page.locator("#step-form").get_by_role("button", name=name, exact=True).click()


def expect_success(page: Page, text: str) -> None:
    expect(page.locator(".messagelist .success")).to_contain_text(text)


def expect_status(page: Page, text: str) -> None:
    expect(page.locator(".field-status .readonly").first).to_have_text(text)


# Tables of the page that run past the screen's right edge with no box around them that
# scrolls sideways: their last columns are cut off, out of reach (the page itself cannot scroll
# sideways, so the page's own width does not show them).
CUT_OFF_TABLES = """(tolerance) => {
  const edge = window.innerWidth + tolerance;
  const scrolls = (box) => ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
  return [...document.querySelectorAll("#content table")]
    .filter((table) => {
      if (table.getBoundingClientRect().right <= edge) return false;
      for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
        if (scrolls(box) && box.getBoundingClientRect().right <= edge) return false;
      }
      return true;
    })
    .map((table) => table.id || table.closest("[id]").id);
}"""


def assert_fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + TOLERANCE, f"{page.url} is {scroll} px wide on a {width}-px screen"
    assert page.evaluate(CUT_OFF_TABLES, TOLERANCE) == [], f"tables cut off on {page.url}"


def test_one_project_from_application_to_acceptance_with_a_voucher(
    world: World,
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    tmp_path: Path,
) -> None:
    base = live_server.url
    liaison = as_user(browser_context, base, "liaison")
    township = as_user(browser_context, base, "township")
    city = as_user(browser_context, base, "city")

    # The liaison adds a project of their work group, its budget by source.
    liaison.goto(f"{base}/admin/projects/project/add/")
    liaison.locator("#id_work_group + .select2").click()
    liaison.locator(".select2-container--open .select2-search__field").fill("王寨")
    liaison.locator(".select2-results__option", has_text="市农业农村局").click()
    liaison.locator("#id_beneficiaries + .select2 .select2-search__field").fill("王大")
    liaison.locator(".select2-results__option", has_text="王大").click()
    liaison.get_by_label("类型").select_option(label="基础设施")
    liaison.locator("#id_title").fill(TITLE)
    liaison.get_by_label("整合资金（元）").fill("50000")
    liaison.get_by_label("单位自筹（元）").fill("12000")
    expect(liaison.locator("fieldset", has_text="资金预算（按来源，元）")).to_be_visible()
    shot(liaison, "add-1366-zh")
    liaison.get_by_role("button", name="保存", exact=True).click()
    expect_success(liaison, f"成功添加了 帮扶项目“{TITLE}”。")
    project = Project.objects.get(title=TITLE)
    assert (project.work_group, project.created_by.username) == (world.group, "liaison")
    assert (project.budget_pooled, project.budget_unit) == (Decimal(50000), Decimal(12000))
    assert [h.head_name for h in project.beneficiaries.all()] == ["王大"]

    # 开工
    liaison.goto(project_url(base, project))
    expect_status(liaison, "计划中")
    shot(liaison, "project-planned-1366-zh")
    take_step(liaison, "开工")
    confirm_step(liaison, "开工")
    expect_success(liaison, f"项目“{TITLE}”已开工。")
    expect_status(liaison, "实施中")

    # 申报: the pooled funds the budget allows, from the pool.
    take_step(liaison, "申请资金")
    liaison.get_by_label("资金池").select_option(str(world.pool.pk))
    liaison.get_by_label("金额（元）").fill("50000")
    liaison.get_by_label("资金用途").fill("购买水泥、砂石")
    shot(liaison, "step-apply-1366-zh")
    confirm_step(liaison, "申请资金")
    expect_success(liaison, "资金申报已提交，等待审核。")
    allocation = Allocation.objects.get(project=project)
    expect(liaison.locator(".field-status", has_text="已申报")).to_have_count(1)

    # 审核 by the township.
    township.goto(project_url(base, project))
    township.get_by_role("link", name="办理环节与拨付").click()
    expect(township).to_have_url(re.compile(rf"/allocation/{allocation.pk}/change/"))
    take_step(township, "审核")
    township.get_by_label("审核意见").fill("同意，报市级批复")
    confirm_step(township, "审核")
    expect_success(township, "申报已审核，报市级批复。")
    expect_status(township, "乡镇已审核")

    # 批复 and 拨付 by the city, with a voucher.
    city.goto(allocation_url(base, allocation))
    take_step(city, "批复")
    expect(city.locator("#step-form")).to_contain_text(f"请确认：对“{allocation}”办理批复。")
    confirm_step(city, "批复")
    expect_success(city, "已从“衔接资金”批复资金。")
    expect_status(city, "市级已批复")
    take_step(city, "拨付")
    expect(city.get_by_label("金额（元）")).to_have_value("50000.00")
    city.get_by_label("拨付凭证").set_input_files(pdf_file(tmp_path))
    shot(city, "step-disburse-1366-zh")
    confirm_step(city, "拨付")
    expect_success(city, "拨付及其凭证已登记。")
    expect_status(city, "已拨付")
    shot(city, "allocation-disbursed-1366-zh")

    # The voucher's link downloads the file, for the city coordinator.
    disbursement = Disbursement.objects.get()
    with city.expect_download() as download:
        city.locator("a.voucher-link", has_text="下载").click()
    assert download.value.suggested_filename == f"voucher-{disbursement.pk}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")

    # 完工 by the liaison, 验收 by the township with its opinion.
    liaison.goto(project_url(base, project))
    take_step(liaison, "完工")
    confirm_step(liaison, "完工")
    expect_success(liaison, f"项目“{TITLE}”已完工。")
    expect_status(liaison, "已完工")
    township.goto(project_url(base, project))
    take_step(township, "验收")
    township.get_by_label("验收意见").fill("质量合格，同意验收")
    confirm_step(township, "验收")
    expect_success(township, f"项目“{TITLE}”已验收。")
    expect_status(township, "已验收")
    expect(township.locator(".field-acceptance_note .readonly")).to_have_text("质量合格，同意验收")
    for step in ("验收", "申请资金", "记录进展"):
        expect(township.locator("a.step-link", has_text=step)).to_have_count(0)
    shot(township, "project-accepted-1366-zh")

    project.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED
    assert project.accepted_by.username == "township"
    assert project.acceptance_note == "质量合格，同意验收"
    assert (project.actual_start, project.actual_end) == (timezone.localdate(),) * 2
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.ACCEPTED
    assert allocation.amount == allocation.paid == Decimal("50000.00")
    assert (allocation.reviewed_by.username, allocation.approved_by.username) == (
        "township",
        "city",
    )
    world.pool.refresh_from_db()
    assert world.pool.allocated == Decimal("50000.00")
    assert disbursement.allocation == allocation
    assert disbursement.amount == Decimal("50000.00")
    assert disbursement.recorded_by.username == "city"
    assert disbursement.voucher_name == "拨付凭证.pdf"
    assert disbursement.voucher.open("rb").read(5) == b"%PDF-"
    money_steps = AuditEvent.objects.filter(
        action__in=[
            "allocation_apply",
            "allocation_review",
            "allocation_approve",
            "disbursement",
            "voucher_download",
            "project_accept",
        ]
    ).order_by("pk")
    assert [(event.action, event.username or event.user.username) for event in money_steps] == [
        ("allocation_apply", "liaison"),
        ("allocation_review", "township"),
        ("allocation_approve", "city"),
        ("disbursement", "city"),
        ("voucher_download", "city"),
        ("project_accept", "township"),
    ]
    assert money_steps.get(action="disbursement").details["amount"] == "50000.00"

    # The dashboard's section counts the project and draws its charts.
    city.goto(f"{base}/dashboard/")
    section = city.locator("#projects-and-funds")
    expect(section).to_have_text("项目与资金")
    expect(city.locator("#funds-allocated .amount")).to_have_text("50,000.00")
    expect(city.locator("#projects-this-year")).to_contain_text("已验收1个")
    for chart in ("#money-chart", "#project-chart"):
        expect(city.locator(chart)).to_have_attribute("data-ready", "true")
        expect(city.locator(f"{chart} canvas")).to_have_count(1)
    section.scroll_into_view_if_needed()
    shot(city, "dashboard-1366-zh")


def test_an_application_over_the_pooled_budget_is_refused_and_writes_nothing(
    world: World, live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    project = make_project(work_group=world.group, title=TITLE)  # 50,000 yuan pooled
    page = as_user(browser_context, live_server.url, "liaison")
    page.goto(project_url(live_server.url, project))
    take_step(page, "申请资金")
    page.get_by_label("资金池").select_option(str(world.pool.pk))
    page.get_by_label("金额（元）").fill("60000")
    confirm_step(page, "申请资金")
    expect(page.locator("#step-form .errornote, #step-form .errorlist")).to_have_text(
        "该项目的整合资金预算还可申报50,000.00元，请调高预算或降低申报金额。"
    )
    expect(page.get_by_label("金额（元）")).to_have_value("60000")
    shot(page, "step-apply-refused-1366-zh")
    assert not Allocation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="allocation_").exists()
    world.pool.refresh_from_db()
    assert world.pool.allocated == 0


def paid_project(world: World) -> tuple[Project, Allocation]:
    """A project underway with its pooled funds approved and half paid, as the services do."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = make_project(work_group=world.group, title=TITLE)
    project_steps.start(project=project, by=None, on=timezone.localdate())
    allocation = allocations.apply_for(
        project=project, pool=world.pool, amount="50000", purpose="购买水泥", by=None
    )
    allocations.review(allocation=allocation, by=None, note="同意")
    allocation = allocations.approve(allocation=allocation, by=None)
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    voucher = SimpleUploadedFile("凭证.pdf", out.getvalue(), content_type="application/pdf")
    allocations.disburse(allocation=allocation, amount="25000", voucher=voucher, by=None)
    return project, allocation


def test_the_project_and_step_pages_fit_a_phone(
    world: World, live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    project, allocation = paid_project(world)
    base = live_server.url
    liaison = as_user(browser_context, base, "liaison", width=PHONE)
    liaison.goto(project_url(base, project))
    expect_status(liaison, "实施中")
    for name in ("完工", "申请资金"):
        link = liaison.locator("a.step-link", has_text=name)
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
    assert_fits(liaison, PHONE)
    shot(liaison, "project-390-zh")
    # The link to the allocation's steps is in sight, not past the edge of its table's box.
    steps = liaison.get_by_role("link", name="办理环节与拨付")
    box = liaison.locator("#allocations-group").bounding_box()
    assert steps.bounding_box()["x"] + steps.bounding_box()["width"] <= box["x"] + box["width"]

    take_step(liaison, "申请资金")
    button = liaison.locator("#step-form").get_by_role("button", name="申请资金", exact=True)
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    expect(liaison.get_by_label("资金池")).to_be_visible()
    assert_fits(liaison, PHONE)
    shot(liaison, "step-apply-390-zh")

    city = as_user(browser_context, base, "city", width=PHONE)
    city.goto(allocation_url(base, allocation))
    link = city.locator("a.step-link", has_text="拨付")
    expect(link).to_be_visible()
    expect(city.locator("a.voucher-link")).to_be_visible()
    assert_fits(city, PHONE)
    shot(city, "allocation-390-zh")
    take_step(city, "拨付")
    button = city.locator("#step-form").get_by_role("button", name="拨付", exact=True)
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    assert_fits(city, PHONE)
    shot(city, "step-disburse-390-zh")

    city.goto(f"{base}/dashboard/")
    expect(city.locator("#projects-and-funds")).to_have_text("项目与资金")
    for chart in ("#money-chart", "#project-chart"):
        expect(city.locator(f"{chart} canvas")).to_have_count(1)
    assert_fits(city, PHONE)
    city.locator("#projects-and-funds").scroll_into_view_if_needed()
    shot(city, "dashboard-390-zh")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_project_page_reads_english_with_the_language_cookie(
    width: int, world: World, live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    project, _ = paid_project(world)
    base = live_server.url
    page = open_page(browser_context, width=width, language="en")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in(page, base, "liaison")
    page.goto(project_url(base, project))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("fieldset", has_text="Budget by source (yuan)")).to_be_visible()
    expect(page.get_by_text("from the pooled funds (yuan)")).to_be_visible()
    expect_status(page, "underway")
    expect(page.locator("a.step-link", has_text="Apply for funds")).to_be_visible()
    expect(page.locator("a.step-link", has_text="Complete")).to_be_visible()
    expect(page.get_by_role("link", name="Steps and payments")).to_be_visible()
    text = page.locator("#content").inner_text()
    assert "办理状态" not in text and "申请资金" not in text
    suffix = "1366" if width == DESKTOP else "390"
    shot(page, f"project-{suffix}-en")
    if width == PHONE:
        assert_fits(page, PHONE)
    take_step(page, "Complete")
    expect(page.get_by_label("Date")).to_be_visible()
    expect(page.locator("#step-form label")).to_have_text("Date:")
    button = page.locator("#step-form").get_by_role("button", name="Complete", exact=True)
    expect(button).to_be_visible()
    shot(page, f"step-complete-{suffix}-en")
