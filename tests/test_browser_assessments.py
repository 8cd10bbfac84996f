"""One village's assessment in a real headless Chromium: the liaison fills it with a photo as
evidence and submits it, the township reviews it, the county approves it, and the township
sets a rectification item; the page on a 390-px phone fits, and a refused point is said in
Chinese (the `csp_violations` fixture fails any test that has a violation)."""

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from assessments.models import Assessment, EvidenceFile, RectificationItem
from tests.factories import (
    make_checklist,
    make_coordinator,
    make_county,
    make_township,
    make_unit,
    make_village,
    make_work_group,
)
from tests.test_browser_projects import (
    DESKTOP,
    PHONE,
    as_user,
    assert_fits,
    confirm_step,
    expect_success,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def assessment(db: None) -> Assessment:
    county = make_county()
    township = make_township(county=county, name="沙沃镇")
    village = make_village(township=township, name="王寨村")
    unit = make_unit(name="市农业农村局")
    make_work_group(unit=unit, village=village)
    make_coordinator("liaison", "liaison", unit=unit)
    make_coordinator("township", "township", township=township)
    make_coordinator("county", "county", county=county)
    make_checklist(year=YEAR)
    from assessments import assessments as steps

    return steps.start_assessment(village=village, year=YEAR, by=None)


def photo(folder: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "red").save(out, format="PNG")
    path = folder / "党群服务中心.png"
    path.write_bytes(out.getvalue())
    return path


def points(page: Page, values: list[str]) -> None:
    fields = page.locator("#step-form input[name^='points_']")
    for index, value in enumerate(values):
        fields.nth(index).fill(value)


def step(page: Page, base: str, assessment: Assessment, name: str) -> None:
    page.goto(f"{base}/admin/assessments/assessment/{assessment.pk}/change/")
    page.locator("a.step-link", has_text=name).click()
    expect(page.locator("#step-form")).to_be_visible()


def test_one_assessment_from_self_assessment_to_approval_and_rectification(
    assessment: Assessment,
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    tmp_path: Path,
) -> None:
    base = live_server.url
    liaison = as_user(browser_context, base, "liaison")
    township = as_user(browser_context, base, "township")
    county = as_user(browser_context, base, "county")

    # A point the criterion does not take is refused in Chinese; then the village fills it in.
    step(liaison, base, assessment, "填写自评")
    points(liaison, ["30", "20", "20"])
    confirm_step(liaison, "填写自评")
    expect(liaison.locator(".errornote, .errorlist").first).to_contain_text(
        "“活动场所规范”只计达标与否：得0分或30分。"
    )
    points(liaison, ["30", "30", "20"])
    confirm_step(liaison, "填写自评")
    expect_success(liaison, "自评已保存。")

    step(liaison, base, assessment, "上传佐证材料")
    liaison.locator("#step-form select").select_option(label="活动场所规范")
    liaison.locator("#step-form input[type=file]").set_input_files(photo(tmp_path))
    confirm_step(liaison, "上传佐证材料")
    expect_success(liaison, "佐证材料已上传。")
    expect(liaison.locator("a.evidence-link")).to_have_text("党群服务中心.png")

    step(liaison, base, assessment, "提交审核")
    confirm_step(liaison, "提交审核")
    expect_success(liaison, "自评已提交乡镇审核。")

    step(township, base, assessment, "审核")
    points(township, ["30", "30", "10"])
    township.locator("#step-form textarea[name=comment]").fill("群众满意度偏低")
    confirm_step(township, "审核")
    expect_success(township, "审核结果已报县级审定。")

    step(county, base, assessment, "审定")
    confirm_step(county, "审定")
    expect_success(county, "评价已审定。")
    assessment.refresh_from_db()
    assert (assessment.review_total, assessment.stars) == (70, 3)
    assert assessment.up_to_standard is False
    expect(county.locator("#village-path")).to_contain_text("★★★")
    shot(county, "assessment-1366-zh")

    step(township, base, assessment, "添加整改事项")
    township.locator("#step-form textarea[name=task]").fill("逐户走访，回应群众意见")
    township.locator("#step-form input[name=responsible]").fill("村党支部书记")
    township.locator("#step-form input[name=deadline]").fill(timezone.localdate().isoformat())
    confirm_step(township, "添加整改事项")
    expect_success(township, "整改事项已添加。")
    assert RectificationItem.objects.get().responsible == "村党支部书记"
    assert EvidenceFile.objects.count() == 1

    phone = as_user(browser_context, base, "township", width=PHONE)
    phone.goto(f"{base}/admin/assessments/assessment/{assessment.pk}/change/")
    expect(phone.locator("#assessment-criteria")).to_contain_text("班子建设（40分）")
    assert_fits(phone, PHONE)
    shot(phone, "assessment-390-zh")
    phone.goto(f"{base}/admin/assessments/rectificationitem/")
    assert_fits(phone, PHONE)
    assert re.search("逐户走访", phone.content())
    assert DESKTOP > PHONE
