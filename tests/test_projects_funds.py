"""Pooled funds for projects: each step of 申报 → 审核 → 批复 → 拨付 → 验收, its rules and who may
take it; amounts refused with the limit; nothing written by a refused step; every step audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from projects import allocations
from projects import projects as project_steps
from projects.models import Allocation, Disbursement, FundPool, Project
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def png(name: str = "凭证.png") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, format="PNG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def pdf(name: str = "凭证.pdf") -> SimpleUploadedFile:
    """A one-page PDF, written by Pillow."""
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, format="PDF")
    return SimpleUploadedFile(name, output.getvalue(), content_type="application/pdf")


def make_pool(amount: str = "100000.00", **overrides: object) -> FundPool:
    fields = {
        "source": FundPool.Source.FINANCE,
        "name": f"整合资金{FundPool.objects.count() + 1}",
        "amount": Decimal(amount),
        **overrides,
    }
    return FundPool.objects.create(**fields)


def make_project(work_group: object, pooled: str = "50000.00", **overrides: object) -> Project:
    fields = {
        "work_group": work_group,
        "kind": Project.Kind.INDUSTRY,
        "title": "农贸市场",
        "budget_pooled": Decimal(pooled),
        "budget_unit": Decimal("10000.00"),
        **overrides,
    }
    return Project.objects.create(**fields)


@pytest.fixture
def world(scope_world: ScopeWorld) -> dict:
    home = scope_world.home
    return {
        "users": scope_world.users,
        "pool": make_pool(),
        "project": make_project(home.work_group),
        "far_project": make_project(scope_world.far.work_group, title="远处项目"),
    }


def approved(world: dict, amount: str = "30000.00") -> Allocation:
    users = world["users"]
    allocation = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount=amount, by=users["liaison"]
    )
    allocations.review(allocation=allocation, by=users["township"])
    return allocations.approve(allocation=allocation, by=users["city"])


def message(error: ValidationError | PermissionDenied) -> str:
    return error.messages[0] if isinstance(error, ValidationError) else str(error)


def test_an_allocation_goes_from_application_to_acceptance(world: dict) -> None:
    users, project, pool = world["users"], world["project"], world["pool"]
    allocation = allocations.apply_for(
        project=project, pool=pool, amount="30000", by=users["liaison"], purpose="摊位建设"
    )
    assert (allocation.status, allocation.applied_by) == ("applied", users["liaison"])
    allocations.review(allocation=allocation, by=users["township"], note="同意")
    allocations.approve(allocation=allocation, by=users["city"])
    pool.refresh_from_db()
    assert pool.allocated == Decimal("30000.00")
    allocations.disburse(allocation=allocation, amount="20000", voucher=png(), by=users["city"])
    allocations.disburse(allocation=allocation, amount="10000.00", voucher=pdf(), by=users["city"])
    allocation.refresh_from_db()
    assert (allocation.status, allocation.paid) == ("disbursed", Decimal("30000.00"))
    project_steps.start(project=project, by=users["liaison"], on=TODAY)
    project_steps.complete(project=project, by=users["liaison"], on=TODAY)
    project_steps.accept(project=project, by=users["township"], note="验收合格")
    allocation.refresh_from_db()
    project.refresh_from_db()
    assert (project.status, allocation.status) == ("accepted", "accepted")
    assert (project.accepted_by, allocation.accepted_by) == (users["township"], users["township"])
    steps = [
        (event.action, event.username, event.details.get("amount"))
        for event in AuditEvent.objects.filter(action__startswith="allocation").order_by("pk")
    ]
    assert steps == [
        ("allocation_apply", "liaison", "30000.00"),
        ("allocation_review", "township", "30000.00"),
        ("allocation_approve", "city", "30000.00"),
    ]
    payments = AuditEvent.objects.filter(action="disbursement").order_by("pk")
    assert [event.details["amount"] for event in payments] == ["20000.00", "10000.00"]
    assert AuditEvent.objects.filter(action="project_accept", object_id=str(project.pk)).exists()


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "金额必须大于零。"),
        ("-5", "金额必须大于零。"),
        ("12.345", "金额最多保留两位小数（到分）。"),
        ("一万", "“一万”不是有效金额，请以元为单位填写，如12000或12000.50。"),
        ("NaN", "“NaN”不是有效金额，请以元为单位填写，如12000或12000.50。"),
        ("", "请填写金额（元）。"),
        (
            "50000.01",
            "该项目的整合资金预算还可申报50,000.00元，请调高预算或降低申报金额。",
        ),
    ],
)
def test_a_bad_amount_is_refused_with_the_limit_and_writes_nothing(
    world: dict, amount: str, expected: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        allocations.apply_for(
            project=world["project"], pool=world["pool"], amount=amount, by=world["users"]["city"]
        )
    assert message(refused.value) == expected
    assert not Allocation.objects.exists()
    assert not AuditEvent.objects.filter(action="allocation_apply").exists()


def test_full_width_digits_and_separators_are_read_as_an_amount(world: dict) -> None:
    allocation = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount="１２，０００．５０元", by=None
    )
    assert allocation.amount == Decimal("12000.50")


def test_a_float_is_never_taken_for_money(world: dict) -> None:
    with pytest.raises(TypeError):
        allocations.apply_for(project=world["project"], pool=world["pool"], amount=0.1, by=None)


def test_applications_together_stay_within_the_projects_pooled_budget(world: dict) -> None:
    city = world["users"]["city"]
    allocations.apply_for(project=world["project"], pool=world["pool"], amount="40000", by=city)
    with pytest.raises(ValidationError) as refused:
        allocations.apply_for(project=world["project"], pool=world["pool"], amount="10001", by=city)
    assert message(refused.value) == (
        "该项目的整合资金预算还可申报10,000.00元，请调高预算或降低申报金额。"
    )


def test_a_returned_application_frees_its_amount(world: dict) -> None:
    users = world["users"]
    first = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount="50000", by=users["liaison"]
    )
    with pytest.raises(ValidationError, match="请填写退回理由"):
        allocations.give_back(allocation=first, by=users["township"], reason="  ")
    allocations.give_back(allocation=first, by=users["township"], reason="材料不全")
    first.refresh_from_db()
    assert (first.status, first.return_reason) == ("returned", "材料不全")
    again = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount="50000", by=users["liaison"]
    )
    assert again.status == "applied"


def test_approval_beyond_what_the_pool_has_left_is_refused(world: dict) -> None:
    users = world["users"]
    small = make_pool("20000.00", name="小资金池")
    allocation = allocations.apply_for(
        project=world["project"], pool=small, amount="15000", by=users["liaison"]
    )
    allocations.review(allocation=allocation, by=users["township"])
    other = make_project(world["project"].work_group, title="文化广场")
    second = allocations.apply_for(project=other, pool=small, amount="15000", by=users["liaison"])
    allocations.review(allocation=second, by=users["township"])
    allocations.approve(allocation=allocation, by=users["city"])
    with pytest.raises(ValidationError) as refused:
        allocations.approve(allocation=second, by=users["city"])
    assert message(refused.value) == (
        "该资金池剩余可分配资金为5,000.00元，请退回申报或改由其他资金池批复。"
    )
    small.refresh_from_db()
    second.refresh_from_db()
    assert (small.allocated, second.status) == (Decimal("15000.00"), "reviewed")


def test_the_database_refuses_a_pool_allocated_past_its_amount(world: dict) -> None:
    pool = world["pool"]
    with pytest.raises(IntegrityError), transaction.atomic():
        FundPool.objects.filter(pk=pool.pk).update(allocated=F("amount") + Decimal("0.01"))


def test_the_database_refuses_an_allocation_paid_past_its_amount(world: dict) -> None:
    allocation = approved(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(paid=F("amount") + Decimal("0.01"))


def test_a_payment_past_the_allocation_is_refused_with_what_is_left(world: dict) -> None:
    allocation = approved(world, "30000")
    city = world["users"]["city"]
    allocations.disburse(allocation=allocation, amount="25000", voucher=png(), by=city)
    with pytest.raises(ValidationError) as refused:
        allocations.disburse(allocation=allocation, amount="5000.01", voucher=png(), by=city)
    assert message(refused.value) == "该笔资金还可拨付5,000.00元。"
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize("state", ["applied", "reviewed", "returned"])
def test_paying_an_allocation_not_approved_is_refused_and_writes_nothing(
    world: dict, state: str
) -> None:
    users = world["users"]
    allocation = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount="1000", by=users["liaison"]
    )
    if state == "reviewed":
        allocations.review(allocation=allocation, by=users["township"])
    if state == "returned":
        allocations.give_back(allocation=allocation, by=users["city"], reason="重复申报")
    label = {"applied": "已申报", "reviewed": "乡镇已审核", "returned": "退回"}[state]
    with pytest.raises(ValidationError) as refused:
        allocations.disburse(allocation=allocation, amount="1000", voucher=png(), by=users["city"])
    assert message(refused.value) == f"该笔资金当前状态为“{label}”，现在不能拨付。"
    allocation.refresh_from_db()
    assert (allocation.status, allocation.paid) == (state, Decimal("0.00"))
    assert not Disbursement.objects.exists()
    assert not AuditEvent.objects.filter(action="disbursement").exists()


def test_approving_an_application_not_reviewed_is_refused(world: dict) -> None:
    allocation = allocations.apply_for(
        project=world["project"], pool=world["pool"], amount="1000", by=None
    )
    with pytest.raises(ValidationError) as refused:
        allocations.approve(allocation=allocation, by=world["users"]["city"])
    assert message(refused.value) == "该笔资金当前状态为“已申报”，现在不能批复。"
    world["pool"].refresh_from_db()
    assert world["pool"].allocated == 0


def test_a_payment_dated_in_the_future_or_before_approval_is_refused(world: dict) -> None:
    allocation = approved(world, "1000")
    city = world["users"]["city"]
    with pytest.raises(ValidationError, match="日期不能晚于今天。"):
        allocations.disburse(
            allocation=allocation,
            amount="10",
            voucher=png(),
            by=city,
            paid_on=TODAY + datetime.timedelta(days=1),
        )
    with pytest.raises(ValidationError) as refused:
        allocations.disburse(
            allocation=allocation,
            amount="10",
            voucher=png(),
            by=city,
            paid_on=TODAY - datetime.timedelta(days=1),
        )
    assert message(refused.value) == "拨付日期不能早于批复日期。"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"<html><script>alert(1)</script></html>", "凭证.pdf", "凭证须为PDF文件或照片"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer <<>>\n%%EOF", "凭证.pdf", "该PDF文件已损坏"),
        (b"MZ\x90\x00" + bytes(200), "凭证.jpg", "凭证须为PDF文件或照片"),
        (b"", "凭证.png", "凭证须为PDF文件或照片"),
    ],
)
def test_a_voucher_that_is_not_a_real_pdf_or_image_is_refused(
    world: dict, content: bytes, name: str, expected: str
) -> None:
    allocation = approved(world, "1000")
    with pytest.raises(ValidationError) as refused:
        allocations.disburse(
            allocation=allocation,
            amount="100",
            voucher=SimpleUploadedFile(name, content),
            by=world["users"]["city"],
        )
    assert message(refused.value).startswith(expected)
    allocation.refresh_from_db()
    assert (allocation.paid, Disbursement.objects.count()) == (Decimal("0.00"), 0)


def test_an_image_voucher_is_stored_without_its_metadata_under_a_random_name(
    world: dict,
) -> None:
    allocation = approved(world, "1000")
    output = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    Image.new("RGB", (64, 48), "white").save(output, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("张三拨付凭证.jpg", output.getvalue())
    payment = allocations.disburse(
        allocation=allocation, amount="100", voucher=upload, by=world["users"]["city"]
    )
    assert payment.voucher_name == "张三拨付凭证.jpg"
    assert "张三" not in payment.voucher.name
    with Image.open(payment.voucher.open("rb")) as stored:
        assert not stored.getexif()


@pytest.mark.parametrize(
    ("step", "role"),
    [
        ("apply", "other_liaison"),
        ("apply", "cadre"),
        ("apply", "auditor"),
        ("review", "liaison"),
        ("review", "other_township"),
        ("approve", "township"),
        ("approve", "county"),
        ("approve", "liaison"),
        ("disburse", "township"),
        ("disburse", "liaison"),
        ("accept", "liaison"),
        ("accept", "other_township"),
    ],
)
def test_a_step_by_a_role_that_may_not_take_it_is_refused_and_writes_nothing(
    world: dict, step: str, role: str
) -> None:
    users, project = world["users"], world["project"]
    allocation = allocations.apply_for(
        project=project, pool=world["pool"], amount="1000", by=users["liaison"]
    )
    if step in ("approve", "disburse"):
        allocations.review(allocation=allocation, by=users["township"])
    if step == "disburse":
        allocations.approve(allocation=allocation, by=users["city"])
    if step == "accept":
        allocations.give_back(allocation=allocation, by=users["township"], reason="改自筹")
        project_steps.start(project=project, by=users["liaison"], on=TODAY)
        project_steps.complete(project=project, by=users["liaison"], on=TODAY)
    before = list(AuditEvent.objects.values_list("pk", flat=True))
    by = users[role]
    calls = {
        "apply": lambda: allocations.apply_for(
            project=project, pool=world["pool"], amount="1000", by=by
        ),
        "review": lambda: allocations.review(allocation=allocation, by=by),
        "approve": lambda: allocations.approve(allocation=allocation, by=by),
        "disburse": lambda: allocations.disburse(
            allocation=allocation, amount="10", voucher=png(), by=by
        ),
        "accept": lambda: project_steps.accept(project=project, by=by, note="合格"),
    }
    with pytest.raises(PermissionDenied):
        calls[step]()
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == before
    assert Allocation.objects.count() == 1
    assert not Disbursement.objects.exists()
    project.refresh_from_db()
    assert project.status != "accepted"


def test_a_project_outside_the_users_area_is_refused_as_outside(world: dict) -> None:
    with pytest.raises(PermissionDenied) as refused:
        allocations.apply_for(
            project=world["far_project"],
            pool=world["pool"],
            amount="10",
            by=world["users"]["liaison"],
        )
    assert str(refused.value) == "该项目不在您的管辖范围内。"


def test_a_project_is_not_accepted_while_an_application_waits(world: dict) -> None:
    users, project = world["users"], world["project"]
    allocations.apply_for(project=project, pool=world["pool"], amount="10", by=users["liaison"])
    project_steps.start(project=project, by=users["liaison"], on=TODAY)
    project_steps.complete(project=project, by=users["liaison"], on=TODAY)
    with pytest.raises(ValidationError) as refused:
        project_steps.accept(project=project, by=users["township"], note="合格")
    assert message(refused.value) == ("尚有1笔整合资金申报待审核、批复或拨付，请先办结或退回。")
