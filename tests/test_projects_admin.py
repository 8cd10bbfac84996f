"""The projects admin: lists in scope, each step taken on its page by the right role and refused
for the wrong one with the service's message, vouchers downloaded in scope and audited."""

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from projects import allocations
from projects.admin.allocations import ALLOCATION_STEPS
from projects.admin.projects import PROJECT_STEPS
from projects.models import Activity, Allocation, Disbursement, FundPool, Project
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import (
    client_for,
    make_activity,
    make_allocation,
    make_fund_pool,
    make_household,
    make_need,
    make_project,
)
from tests.test_admin_chinese import english_texts
from visits.models import Need

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()
NOT_YOUR_STEP = "您无权办理此环节。"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def step_url(obj: Project | Allocation, step: str) -> str:
    return reverse(f"admin:projects_{obj._meta.model_name}_step", args=[obj.pk, step])


def client_of(world: ScopeWorld, role: str) -> Client:
    return client_for(world.users[role])


@pytest.fixture
def project(scope_world: ScopeWorld) -> Project:
    return make_project(work_group=scope_world.home.work_group, title="甲村道路硬化")


@pytest.fixture
def pool() -> FundPool:
    return make_fund_pool(name="衔接资金", amount=Decimal("200000.00"))


def approved(project: Project, pool: FundPool, amount: str = "20000.00") -> Allocation:
    allocation = allocations.apply_for(project=project, pool=pool, amount=amount, by=None)
    allocations.review(allocation=allocation, by=None)
    return allocations.approve(allocation=allocation, by=None)


# --- lists and scope


def test_liaison_cannot_see_another_units_projects(
    scope_world: ScopeWorld, project: Project
) -> None:
    make_project(work_group=scope_world.next_door.work_group, title="乙村文化广场")
    client = client_of(scope_world, "liaison")
    listing = client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "甲村道路硬化" in listing
    assert "乙村文化广场" not in listing
    other = client_of(scope_world, "other_liaison")
    assert other.get(reverse("admin:projects_project_change", args=[project.pk])).status_code in (
        302,
        404,
    )
    assert other.get(step_url(project, "start")).status_code == 404
    assert "甲村道路硬化" not in other.get(reverse("admin:projects_project_changelist")).text


def test_township_coordinator_sees_only_allocations_of_its_villages(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    make_allocation(project=project, pool=pool)
    far = make_project(work_group=scope_world.far.work_group, title="丙村合作社")
    make_allocation(project=far, pool=pool)
    text = (
        client_of(scope_world, "township").get(reverse("admin:projects_allocation_changelist")).text
    )
    assert "甲村道路硬化" in text
    assert "丙村合作社" not in text


@pytest.mark.parametrize("model", ["project", "allocation", "disbursement", "activity", "fundpool"])
def test_list_pages_answer_in_bounded_queries(
    scope_world: ScopeWorld,
    project: Project,
    pool: FundPool,
    model: str,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(12):
        extra = make_project(work_group=scope_world.home.work_group, title=f"项目{number}")
        allocation = approved(extra, pool, "1000.00")
        voucher = SimpleUploadedFile("凭证.pdf", pdf_bytes(), content_type="application/pdf")
        allocations.disburse(allocation=allocation, amount="500", voucher=voucher, by=None)
        make_activity(work_group=scope_world.home.work_group)
        make_fund_pool()
    client = client_of(scope_world, "township")
    url = reverse(f"admin:projects_{model}_changelist")
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 12


# --- fund pools


def test_only_city_coordinators_keep_fund_pools(scope_world: ScopeWorld, pool: FundPool) -> None:
    township = client_of(scope_world, "township")
    assert township.get(reverse("admin:projects_fundpool_add")).status_code == 403
    page = township.get(reverse("admin:projects_fundpool_change", args=[pool.pk]))
    assert page.status_code == 200
    assert 'name="amount"' not in page.text
    city = client_of(scope_world, "city")
    response = city.post(
        reverse("admin:projects_fundpool_add"),
        {"year": 2025, "source": "water", "name": "水利配套资金", "amount": "80000.00"},
    )
    assert response.status_code == 302
    assert FundPool.objects.get(name="水利配套资金").amount == Decimal("80000.00")


def test_a_pool_cannot_be_cut_below_what_it_allocated(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    approved(project, pool, "20000.00")
    city = client_of(scope_world, "city")
    url = reverse("admin:projects_fundpool_change", args=[pool.pk])
    page = city.get(url)
    data = {
        "year": pool.year,
        "source": pool.source,
        "name": pool.name,
        "amount": "10000.00",
        "_edit_token": page.context.get("edit_token", ""),
    }
    response = city.post(url, data)
    assert response.status_code == 200
    assert (
        "资金池分配的资金不能超过其总额。" in response.text
        or response.context["adminform"].form.errors
    )
    pool.refresh_from_db()
    assert pool.amount == Decimal("200000.00")


# --- projects through the service


def test_liaison_adds_a_project_with_beneficiaries_of_its_village(
    scope_world: ScopeWorld,
) -> None:
    client = client_of(scope_world, "liaison")
    household = scope_world.home.household
    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "work_group": scope_world.home.work_group.pk,
            "kind": Project.Kind.INDUSTRY,
            "title": "甲村蔬菜大棚",
            "year": timezone.localdate().year,
            "budget_pooled": "30000",
            "budget_unit": "5000",
            "budget_donation": "0",
            "budget_village": "0",
            "beneficiaries": [household.pk],
            "beneficiary_count": "0",
            **inline_management(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(title="甲村蔬菜大棚")
    assert list(project.beneficiaries.all()) == [household]
    assert project.beneficiary_count == 1
    assert project.created_by == scope_world.users["liaison"]


def test_a_beneficiary_of_another_village_is_refused_and_nothing_saved(
    scope_world: ScopeWorld,
) -> None:
    client = client_of(scope_world, "city")
    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "work_group": scope_world.home.work_group.pk,
            "kind": Project.Kind.INDUSTRY,
            "title": "甲村蔬菜大棚",
            "year": timezone.localdate().year,
            "budget_pooled": "30000",
            "budget_unit": "0",
            "budget_donation": "0",
            "budget_village": "0",
            "beneficiaries": [scope_world.far.household.pk],
            "beneficiary_count": "0",
            **inline_management(),
        },
    )
    assert response.status_code == 200
    assert "受益农户须为项目所在村（社区）的农户。" in response.text
    assert not Project.objects.filter(title="甲村蔬菜大棚").exists()


def inline_management() -> dict[str, str]:
    data = {}
    for prefix in ("allocations", "notes", "resolved_needs"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "0",
        }
    return data


# --- the steps of a project


def test_a_project_goes_from_application_to_acceptance_through_its_pages(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    liaison = client_of(scope_world, "liaison")
    township = client_of(scope_world, "township")
    city = client_of(scope_world, "city")

    page = liaison.get(reverse("admin:projects_project_change", args=[project.pk])).text
    assert step_url(project, "apply") in page
    assert step_url(project, "accept") not in page
    response = liaison.post(
        step_url(project, "apply"),
        {"pool": pool.pk, "amount": "２０,０００元", "purpose": "购买水泥"},
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(project=project)
    assert allocation.amount == Decimal("20000.00")

    assert township.post(step_url(allocation, "review"), {"note": "同意"}).status_code == 302
    assert city.post(step_url(allocation, "approve"), {}).status_code == 302
    voucher = SimpleUploadedFile("拨付凭证.pdf", pdf_bytes(), content_type="application/pdf")
    response = city.post(
        step_url(allocation, "disburse"),
        {"amount": "20000", "paid_on": TODAY, "voucher": voucher},
    )
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert (allocation.status, allocation.paid) == (Allocation.Status.DISBURSED, Decimal(20000))

    assert liaison.post(step_url(project, "start"), {"on": TODAY}).status_code == 302
    assert liaison.post(step_url(project, "complete"), {"on": TODAY}).status_code == 302
    response = township.post(step_url(project, "accept"), {"note": "质量合格，同意验收"})
    assert response.status_code == 302
    project.refresh_from_db()
    allocation.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED
    assert project.accepted_by == scope_world.users["township"]
    assert allocation.status == Allocation.Status.ACCEPTED

    steps = city.get(reverse("admin:projects_allocation_change", args=[allocation.pk])).text
    assert "township" in steps  # the reviewer's user name, in the steps table
    assert "同意" in steps


def test_a_liaison_may_not_accept_a_project(scope_world: ScopeWorld, project: Project) -> None:
    project_steps_to_completed(project)
    liaison = client_of(scope_world, "liaison")
    page = liaison.get(step_url(project, "accept"))
    assert page.status_code == 200
    assert NOT_YOUR_STEP in page.text
    response = liaison.post(step_url(project, "accept"), {"note": "自己验收"})
    assert response.status_code == 200
    assert NOT_YOUR_STEP in response.text
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED


def project_steps_to_completed(project: Project) -> None:
    from projects import projects as steps

    steps.start(project=project, by=None, on=timezone.localdate())
    steps.complete(project=project, by=None, on=timezone.localdate())


def test_acceptance_without_an_opinion_is_refused(
    scope_world: ScopeWorld, project: Project
) -> None:
    project_steps_to_completed(project)
    response = client_of(scope_world, "township").post(step_url(project, "accept"), {"note": ""})
    assert response.status_code == 200
    assert "请填写验收意见。" in response.text


def test_a_step_out_of_order_is_refused_with_the_reason(
    scope_world: ScopeWorld, project: Project
) -> None:
    response = client_of(scope_world, "township").post(
        step_url(project, "accept"), {"note": "同意"}
    )
    assert "只有已完工的项目才能验收。" in response.text
    project.refresh_from_db()
    assert project.status == Project.Status.PLANNED


def test_an_application_over_the_pooled_budget_names_the_limit(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    response = client_of(scope_world, "liaison").post(
        step_url(project, "apply"), {"pool": pool.pk, "amount": "60000"}
    )
    assert response.status_code == 200
    assert "50,000.00" in response.text
    assert not Allocation.objects.exists()


def test_a_progress_note_with_a_photo_is_added_and_shown_through_a_scoped_view(
    scope_world: ScopeWorld, project: Project
) -> None:
    liaison = client_of(scope_world, "liaison")
    photo = SimpleUploadedFile("工地.png", png_bytes(), content_type="image/png")
    response = liaison.post(
        step_url(project, "note"), {"text": "路基已完成", "on": TODAY, "photo": photo}
    )
    assert response.status_code == 302
    note = project.notes.get()
    assert note.photo
    page = liaison.get(reverse("admin:projects_project_change", args=[project.pk])).text
    assert "路基已完成" in page
    assert note.photo.url not in page
    photo_url = reverse("admin:projects_project_note_photo", args=[project.pk, note.pk])
    assert photo_url in page
    assert liaison.get(photo_url)["Content-Type"] == "image/jpeg"
    assert client_of(scope_world, "other_liaison").get(photo_url).status_code == 404


def test_a_need_of_the_village_is_resolved_by_the_project(
    scope_world: ScopeWorld, project: Project
) -> None:
    need = scope_world.home.need
    far_need = make_need(household=scope_world.far.household, description="丙村诉求二")
    liaison = client_of(scope_world, "liaison")
    page = liaison.get(step_url(project, "resolve_need")).text
    assert "甲诉求" in page
    assert "丙村诉求二" not in page
    response = liaison.post(
        step_url(project, "resolve_need"),
        {"need": need.pk, "satisfaction": "satisfied", "on": TODAY},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    assert "甲村道路硬化" in need.resolution
    forged = liaison.post(
        step_url(project, "resolve_need"),
        {"need": far_need.pk, "satisfaction": "satisfied", "on": TODAY},
    )
    assert forged.status_code == 200
    far_need.refresh_from_db()
    assert far_need.status != Need.Status.RESOLVED


# --- the steps of an allocation


def test_a_liaison_may_not_review_and_a_township_may_not_approve(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = make_allocation(project=project, pool=pool)
    liaison = client_of(scope_world, "liaison")
    response = liaison.post(step_url(allocation, "review"), {"note": "自审"})
    assert NOT_YOUR_STEP in response.text
    allocations.review(allocation=allocation, by=None)
    township = client_of(scope_world, "township")
    page = township.get(reverse("admin:projects_allocation_change", args=[allocation.pk])).text
    assert step_url(allocation, "approve") not in page
    assert step_url(allocation, "give_back") in page
    response = township.post(step_url(allocation, "approve"), {})
    assert NOT_YOUR_STEP in response.text
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.REVIEWED


def test_an_application_is_returned_with_its_reason(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = make_allocation(project=project, pool=pool)
    township = client_of(scope_world, "township")
    response = township.post(step_url(allocation, "give_back"), {"reason": ""})
    assert "请填写退回理由。" in response.text
    response = township.post(step_url(allocation, "give_back"), {"reason": "预算不实"})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert (allocation.status, allocation.return_reason) == (
        Allocation.Status.RETURNED,
        "预算不实",
    )


def test_paying_an_allocation_not_yet_approved_is_refused_and_writes_nothing(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = make_allocation(project=project, pool=pool)
    voucher = SimpleUploadedFile("凭证.pdf", pdf_bytes(), content_type="application/pdf")
    response = client_of(scope_world, "city").post(
        step_url(allocation, "disburse"), {"amount": "100", "paid_on": TODAY, "voucher": voucher}
    )
    assert response.status_code == 200
    assert "该笔资金当前状态为“已申报”，现在不能拨付。" in response.text
    assert not Disbursement.objects.exists()


def test_a_township_may_not_disburse(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = approved(project, pool)
    voucher = SimpleUploadedFile("凭证.pdf", pdf_bytes(), content_type="application/pdf")
    response = client_of(scope_world, "township").post(
        step_url(allocation, "disburse"), {"amount": "100", "paid_on": TODAY, "voucher": voucher}
    )
    assert NOT_YOUR_STEP in response.text
    assert not Disbursement.objects.exists()


def test_a_voucher_that_is_not_a_pdf_or_image_is_refused_with_its_message(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = approved(project, pool)
    fake = SimpleUploadedFile(
        "凭证.pdf", b"MZ\x90\x00 not a voucher", content_type="application/pdf"
    )
    response = client_of(scope_world, "city").post(
        step_url(allocation, "disburse"), {"amount": "100", "paid_on": TODAY, "voucher": fake}
    )
    assert response.status_code == 200
    assert "凭证须为PDF文件或照片（JPEG、PNG、WebP、GIF或BMP格式）。" in response.text
    assert not Disbursement.objects.exists()
    allocation.refresh_from_db()
    assert allocation.paid == 0


def test_the_generic_allocation_pages_write_nothing(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = make_allocation(project=project, pool=pool)
    city = client_of(scope_world, "city")
    assert city.get(reverse("admin:projects_allocation_add")).status_code == 403
    url = reverse("admin:projects_allocation_change", args=[allocation.pk])
    city.post(url, {"amount": "1", "status": "approved"})
    allocation.refresh_from_db()
    assert (allocation.amount, allocation.status) == (Decimal("10000.00"), "applied")


# --- vouchers


@pytest.fixture
def disbursement(project: Project, pool: FundPool) -> Disbursement:
    allocation = approved(project, pool)
    voucher = SimpleUploadedFile("拨付凭证.pdf", pdf_bytes(), content_type="application/pdf")
    return allocations.disburse(allocation=allocation, amount="5000", voucher=voucher, by=None)


def test_a_voucher_is_downloaded_in_scope_as_an_attachment_and_audited(
    scope_world: ScopeWorld, disbursement: Disbursement
) -> None:
    url = reverse("admin:projects_disbursement_voucher", args=[disbursement.pk])
    township = client_of(scope_world, "township")
    page = township.get(reverse("admin:projects_disbursement_changelist")).text
    assert url in page
    assert disbursement.voucher.url not in page
    response = township.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="voucher_download")
    assert event.user == scope_world.users["township"]
    assert event.object_id == str(disbursement.pk)


def test_a_voucher_outside_the_area_is_not_found_and_not_audited(
    scope_world: ScopeWorld, disbursement: Disbursement
) -> None:
    url = reverse("admin:projects_disbursement_voucher", args=[disbursement.pk])
    for role in ("other_township", "other_liaison", "auditor", "no_role"):
        assert client_of(scope_world, role).get(url).status_code in (302, 404), role
    assert not AuditEvent.objects.filter(action="voucher_download").exists()


# --- activities


def test_a_liaison_adds_an_activity_with_photos(scope_world: ScopeWorld) -> None:
    client = client_of(scope_world, "liaison")
    photos = [
        SimpleUploadedFile(f"培训{n}.png", png_bytes(), content_type="image/png") for n in range(2)
    ]
    response = client.post(
        reverse("admin:projects_activity_add"),
        {
            "work_group": scope_world.home.work_group.pk,
            "kind": Activity.Kind.TRAINING,
            "held_on": TODAY,
            "title": "甲村电商培训班",
            "attendees": "40",
            "households_reached": "30",
            "photos": photos,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get(title="甲村电商培训班")
    assert activity.photos.count() == 2
    assert activity.created_by == scope_world.users["liaison"]


def post_activity(client: Client, **fields: Any) -> Any:
    data = {
        "work_group": "",
        "kind": Activity.Kind.TRAINING,
        "held_on": TODAY,
        "title": "甲村电商培训班",
        "attendees": "40",
        "households_reached": "30",
        **fields,
    }
    return client.post(reverse("admin:projects_activity_add"), data)


def test_an_activity_with_a_bad_photo_is_refused_and_nothing_saved(
    scope_world: ScopeWorld,
) -> None:
    client = client_of(scope_world, "liaison")
    response = post_activity(
        client,
        work_group=scope_world.home.work_group.pk,
        photos=[SimpleUploadedFile("x.png", b"not an image")],
    )
    assert response.status_code == 200
    assert "该文件不是照片，请上传 JPEG、PNG、WebP、GIF 或 BMP 格式的图片。" in response.text
    assert not Activity.objects.filter(title="甲村电商培训班").exists()


def test_more_households_than_attendees_is_refused_on_its_field(scope_world: ScopeWorld) -> None:
    client = client_of(scope_world, "liaison")
    response = post_activity(
        client, work_group=scope_world.home.work_group.pk, attendees="10", households_reached="30"
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["households_reached"] == [
        "覆盖户数多于参加人数，请核对这两个数字。"
    ]
    assert not Activity.objects.filter(title="甲村电商培训班").exists()


def test_another_units_liaison_cannot_change_an_activity(scope_world: ScopeWorld) -> None:
    activity = make_activity(work_group=scope_world.home.work_group, title="甲村座谈会")
    other = client_of(scope_world, "other_liaison")
    url = reverse("admin:projects_activity_change", args=[activity.pk])
    assert other.get(url).status_code in (302, 404)
    other.post(url, {"title": "改"})
    activity.refresh_from_db()
    assert activity.title == "甲村座谈会"


def test_a_household_of_the_project_village_is_offered_in_the_beneficiary_search(
    scope_world: ScopeWorld, project: Project
) -> None:
    make_household(village=scope_world.far.village, head_name="丙村受益户")
    client = client_of(scope_world, "liaison")

    def offered(term: str) -> list[str]:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "projects",
                "model_name": "project",
                "field_name": "beneficiaries",
                "term": term,
            },
        )
        assert response.status_code == 200
        return [row["text"] for row in response.json()["results"]]

    assert any("甲户主" in name for name in offered("甲户主"))
    assert offered("丙村受益户") == []


def test_every_step_page_speaks_chinese(
    scope_world: ScopeWorld, project: Project, pool: FundPool
) -> None:
    allocation = make_allocation(project=project, pool=pool)
    city = client_of(scope_world, "city")
    city.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    urls = [step_url(project, step) for step in PROJECT_STEPS]
    urls += [step_url(allocation, step) for step in ALLOCATION_STEPS]
    urls += [
        reverse("admin:projects_project_change", args=[project.pk]),
        reverse("admin:projects_allocation_change", args=[allocation.pk]),
    ]
    names = {"city", scope_world.home.need.description}
    for url in urls:
        response = city.get(url)
        assert response.status_code == 200, url
        assert english_texts(response.text, names) == set(), url
