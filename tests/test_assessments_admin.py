"""The assessments admin: lists in scope with bounded queries, each step taken on its page by the
right role and refused for the wrong one with the service's message, evidence downloaded in scope
and audited, the city alone keeping the checklists, every page in Chinese."""

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessments import assessments as steps
from assessments import rectification
from assessments.admin.assessments import ASSESSMENT_STEPS
from assessments.admin.rectification import ITEM_STEPS
from assessments.models import (
    Assessment,
    Checklist,
    Criterion,
    CriterionScore,
    EvidenceFile,
    RectificationItem,
)
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import client_for, make_checklist
from tests.test_admin_chinese import english_texts

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
NOT_YOUR_STEP = "您无权办理此环节。"
Status = Assessment.Status


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def world(scope_world: ScopeWorld) -> ScopeWorld:
    make_checklist(year=YEAR)
    for place in (scope_world.home, scope_world.next_door, scope_world.far):
        steps.start_assessment(village=place.village, year=YEAR, by=None)
    return scope_world


def client_of(world: ScopeWorld, role: str) -> Client:
    return client_for(world.users[role])


def assessment_of(world: ScopeWorld, place: str = "home") -> Assessment:
    return Assessment.objects.get(village=getattr(world, place).village)


def step_url(obj: Any, step: str) -> str:
    return reverse(f"admin:assessments_{obj._meta.model_name}_step", args=[obj.pk, step])


def change_url(obj: Any) -> str:
    return reverse(f"admin:assessments_{obj._meta.model_name}_change", args=[obj.pk])


def fill_data(assessment: Assessment, points: dict[str, str]) -> dict[str, str]:
    data = {}
    for score in CriterionScore.objects.filter(assessment=assessment).select_related("criterion"):
        data[f"points_{score.criterion_id}"] = points.get(score.criterion.title, "")
        data[f"text_{score.criterion_id}"] = f"{score.criterion.title}佐证"
    return data


FULL = {"班子团结有力": "40", "活动场所规范": "30", "群众满意": "25"}
LOW = {"班子团结有力": "20", "活动场所规范": "0", "群众满意": "20"}


def through_steps(world: ScopeWorld, points: dict[str, str] = FULL) -> Assessment:
    assessment = assessment_of(world)
    liaison = client_of(world, "liaison")
    assert (
        liaison.post(step_url(assessment, "fill"), fill_data(assessment, points)).status_code == 302
    )
    assert liaison.post(step_url(assessment, "submit"), {}).status_code == 302
    township = client_of(world, "township")
    review = {**fill_data(assessment, points), "comment": "属实"}
    assert township.post(step_url(assessment, "review"), review).status_code == 302
    county = client_of(world, "county")
    assert county.post(step_url(assessment, "approve"), {"comment": "同意"}).status_code == 302
    assessment.refresh_from_db()
    return assessment


# --- lists --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("city", {"甲村", "乙村", "丙村"}),
        ("county", {"甲村", "乙村"}),
        ("township", {"甲村"}),
        ("other_township", {"乙村"}),
        ("liaison", {"甲村"}),
        ("other_liaison", {"乙村"}),
    ],
)
def test_assessment_list_shows_only_the_roles_villages(
    world: ScopeWorld, role: str, seen: set[str]
) -> None:
    response = client_of(world, role).get(reverse("admin:assessments_assessment_changelist"))
    assert response.status_code == 200
    shown = {a.village.name for a in response.context["cl"].result_list}
    assert shown == seen


@pytest.mark.parametrize("role", ["cadre", "auditor", "no_role"])
def test_others_do_not_reach_the_assessments(world: ScopeWorld, role: str) -> None:
    response = client_of(world, role).get(reverse("admin:assessments_assessment_changelist"))
    assert response.status_code in (302, 403)


def test_assessment_list_queries_are_bounded(
    world: ScopeWorld, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        from tests.factories import make_village

        village = make_village(township=world.home.village.township, name=f"加{n}村")
        steps.start_assessment(village=village, year=YEAR, by=None)
    client = client_of(world, "township")
    url = reverse("admin:assessments_assessment_changelist")
    client.get(url)
    with django_assert_max_num_queries(16):
        response = client.get(url, {"status": "draft", "year": YEAR})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 16


def test_assessment_list_filters_and_searches(world: ScopeWorld) -> None:
    through_steps(world)
    client = client_of(world, "city")
    url = reverse("admin:assessments_assessment_changelist")
    approved = client.get(url, {"status": "approved"}).context["cl"].result_list
    assert [a.village.name for a in approved] == ["甲村"]
    standard = client.get(url, {"up_to_standard__exact": "1"}).context["cl"].result_list
    assert [a.village.name for a in standard] == ["甲村"]
    found = client.get(url, {"q": "丙村"}).context["cl"].result_list
    assert [a.village.name for a in found] == ["丙村"]
    county = world.far.village.township.county_id
    in_county = client.get(url, {"county": county}).context["cl"].result_list
    assert [a.village.name for a in in_county] == ["丙村"]


# --- the assessment's page and its steps -------------------------------------------------------


def test_assessment_page_groups_the_criteria_and_offers_the_liaisons_steps(
    world: ScopeWorld, django_assert_max_num_queries: Any
) -> None:
    client = client_of(world, "liaison")
    assessment = assessment_of(world)
    client.get(change_url(assessment))
    with django_assert_max_num_queries(30):
        response = client.get(change_url(assessment))
    assert response.status_code == 200
    text = response.text
    assert text.index("班子建设") < text.index("服务阵地") < text.index("群众满意（30分）")
    assert 'id="step-fill"' in text and 'id="step-submit"' in text
    assert 'id="step-review"' not in text and 'id="step-approve"' not in text


def test_liaison_fills_and_a_wrong_point_is_refused_in_chinese(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    client = client_of(world, "liaison")
    data = fill_data(assessment, {**FULL, "活动场所规范": "10"})
    response = client.post(step_url(assessment, "fill"), data)
    assert response.status_code == 200
    assert "“活动场所规范”只计达标与否：得0分或30分。" in response.text
    assert not CriterionScore.objects.filter(self_score__isnull=False).exists()
    response = client.post(step_url(assessment, "fill"), fill_data(assessment, FULL), follow=True)
    assert "自评已保存。" in response.text
    assert CriterionScore.objects.filter(self_score__isnull=False).count() == 3


def test_other_units_liaison_cannot_open_the_assessment_or_its_steps(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    client = client_of(world, "other_liaison")
    assert client.get(change_url(assessment)).status_code == 302
    assert client.get(step_url(assessment, "fill")).status_code == 404
    assert client.post(step_url(assessment, "fill"), fill_data(assessment, FULL)).status_code == 404
    assert not CriterionScore.objects.filter(self_score__isnull=False).exists()


def test_county_is_told_it_may_not_fill(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    client = client_of(world, "county")
    response = client.get(step_url(assessment, "fill"))
    assert NOT_YOUR_STEP in response.text
    response = client.post(step_url(assessment, "fill"), fill_data(assessment, FULL))
    assert response.status_code == 200
    assert NOT_YOUR_STEP in response.text
    assert not CriterionScore.objects.filter(self_score__isnull=False).exists()


def test_whole_path_through_the_pages_with_the_rating_and_audit(world: ScopeWorld) -> None:
    assessment = through_steps(world)
    assert (assessment.status, assessment.review_total) == (Status.APPROVED, Decimal("95.0"))
    assert (assessment.stars, assessment.up_to_standard) == (5, True)
    page = client_of(world, "township").get(change_url(assessment)).text
    assert "★★★★★" in page and 'id="village-path"' in page
    # Approved: no step is offered to anyone.
    for role in ("liaison", "township", "county", "city"):
        assert "step-link" not in client_of(world, role).get(change_url(assessment)).text
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"assessment_submit", "assessment_review", "assessment_approve"} <= actions


def test_reviewer_is_not_offered_the_approval(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    steps.save_self_assessment(
        assessment=assessment,
        scores={c.pk: (c.weight, "") for c in Criterion.objects.all()},
        by=None,
    )
    steps.submit(assessment=assessment, by=None)
    city = client_of(world, "city")
    review = {**fill_data(assessment, FULL), "comment": "属实"}
    assert city.post(step_url(assessment, "review"), review).status_code == 302
    assert 'id="step-approve"' not in city.get(change_url(assessment)).text
    response = city.post(step_url(assessment, "approve"), {"comment": ""})
    assert "您审核了这次评价，须由他人审定。" in response.text
    assessment.refresh_from_db()
    assert assessment.status == Status.REVIEWED


def test_evidence_is_uploaded_and_downloaded_in_scope_with_an_audit_event(
    world: ScopeWorld,
) -> None:
    assessment = assessment_of(world)
    score = assessment.scores.first()
    liaison = client_of(world, "liaison")
    upload = SimpleUploadedFile("照片.png", png_bytes(), content_type="image/png")
    response = liaison.post(step_url(assessment, "evidence"), {"score": score.pk, "upload": upload})
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    url = reverse("admin:assessments_assessment_evidence", args=[assessment.pk, evidence.pk])
    assert url in liaison.get(change_url(assessment)).text
    response = liaison.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="evidence_download").count() == 1
    for role in ("other_liaison", "other_township"):
        assert client_of(world, role).get(url).status_code == 404
    far = assessment_of(world, "far")
    wrong = reverse("admin:assessments_assessment_evidence", args=[far.pk, evidence.pk])
    assert client_of(world, "city").get(wrong).status_code == 404
    assert AuditEvent.objects.filter(action="evidence_download").count() == 1


def test_a_file_that_is_not_evidence_is_refused_on_the_page(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    score = assessment.scores.first()
    upload = SimpleUploadedFile("a.exe", b"MZ\x90\x00")
    response = client_of(world, "liaison").post(
        step_url(assessment, "evidence"), {"score": score.pk, "upload": upload}
    )
    assert response.status_code == 200
    assert "佐证材料须为照片" in response.text
    assert not EvidenceFile.objects.exists()


def test_start_page_opens_the_years_assessments_for_the_townships_villages(
    world: ScopeWorld,
) -> None:
    Assessment.objects.all().delete()
    client = client_of(world, "township")
    url = reverse("admin:assessments_assessment_start")
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": YEAR}, follow=True)
    assert f"已开启1个{YEAR}年的评价。" in response.text
    assert list(Assessment.objects.values_list("village__name", flat=True)) == ["甲村"]
    response = client.post(url, {"year": YEAR + 5})
    assert f"{YEAR + 5}年尚无评价标准：请先由市级制定。" in response.text


def test_county_cannot_open_assessments(world: ScopeWorld) -> None:
    Assessment.objects.all().delete()
    response = client_of(world, "county").post(
        reverse("admin:assessments_assessment_start"), {"year": YEAR}
    )
    assert NOT_YOUR_STEP in response.text
    assert not Assessment.objects.exists()


# --- rectification -----------------------------------------------------------------------------


def test_rectification_from_the_assessment_page_to_acceptance(world: ScopeWorld) -> None:
    assessment = through_steps(world, LOW)
    assert assessment.up_to_standard is False
    township = client_of(world, "township")
    deadline = (TODAY + datetime.timedelta(days=10)).isoformat()
    data = {"task": "规范活动场所", "responsible": "村支书", "deadline": deadline}
    assert township.post(step_url(assessment, "rectify"), data).status_code == 302
    item = RectificationItem.objects.get()
    liaison = client_of(world, "liaison")
    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    note = {"text": "已挂牌", "photo": photo}
    assert liaison.post(step_url(item, "note"), note).status_code == 302
    assert liaison.post(step_url(item, "done"), {"text": ""}).status_code == 302
    assert liaison.post(step_url(item, "accept"), {}).status_code == 200
    assert township.post(step_url(item, "accept"), {}).status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationItem.Status.ACCEPTED
    page = township.get(change_url(item)).text
    note_pk = item.notes.get().pk
    photo_url = reverse("admin:assessments_rectificationitem_photo", args=[item.pk, note_pk])
    assert photo_url in page
    assert township.get(photo_url).status_code == 200
    assert client_of(world, "other_township").get(photo_url).status_code == 404


def test_rectification_list_marks_overdue_items_and_filters_them(
    world: ScopeWorld, django_assert_max_num_queries: Any
) -> None:
    assessment = through_steps(world, LOW)
    for n in range(6):
        rectification.add_item(
            assessment=assessment, task=f"任务{n}", responsible="书记", deadline=TODAY, by=None
        )
    RectificationItem.objects.filter(task__in=["任务0", "任务1"]).update(
        deadline=TODAY - datetime.timedelta(days=2)
    )
    client = client_of(world, "township")
    url = reverse("admin:assessments_rectificationitem_changelist")
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.text.count('class="need-late"') == 2
    overdue = client.get(url, {"due": "overdue"}).context["cl"].result_list
    assert sorted(i.task for i in overdue) == ["任务0", "任务1"]
    assert len(client_of(world, "other_township").get(url).context["cl"].result_list) == 0


# --- checklists ------------------------------------------------------------------------------


def _checklist_form(checklist: Checklist, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "year": str(checklist.year),
        "name": checklist.name,
        "rating_kind": checklist.rating_kind,
        "standard_score": "80",
        "two_stars_from": "60",
        "three_stars_from": "70",
        "four_stars_from": "80",
        "five_stars_from": "90",
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        for name, value in row.items():
            data[f"criteria-{n}-{name}"] = value
        data[f"criteria-{n}-checklist"] = str(checklist.pk or "")
    return data


def _rows(checklist: Checklist, **change: str) -> list[dict[str, str]]:
    return [
        {
            "id": str(c.pk),
            "position": str(c.position),
            "group": c.group,
            "title": c.title,
            "guidance": "",
            "weight": change.get(c.title, str(c.weight)),
            "scoring": c.scoring,
        }
        for c in checklist.criteria.all()
    ]


def test_city_edits_a_checklist_and_a_scored_one_refuses_new_weights(world: ScopeWorld) -> None:
    checklist = Checklist.objects.get()
    client = client_of(world, "city")
    url = change_url(checklist)
    assert client.get(url).status_code == 200
    response = client.post(url, _checklist_form(checklist, _rows(checklist, 群众满意="25")))
    assert response.status_code == 302, response.context["errors"]
    assert checklist.criteria.get(title="群众满意").weight == Decimal("25.0")
    CriterionScore.objects.filter(criterion__title="群众满意").update(self_score=Decimal("20"))
    response = client.post(url, _checklist_form(checklist, _rows(checklist, 群众满意="30")))
    assert response.status_code == 200
    assert "已有村按此标准评分" in response.text
    assert checklist.criteria.get(title="群众满意").weight == Decimal("25.0")


@pytest.mark.parametrize("role", ["county", "township", "liaison"])
def test_others_read_checklists_but_do_not_change_them(world: ScopeWorld, role: str) -> None:
    checklist = Checklist.objects.get()
    client = client_of(world, role)
    response = client.get(change_url(checklist))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    client.post(change_url(checklist), _checklist_form(checklist, _rows(checklist, 群众满意="5")))
    assert checklist.criteria.get(title="群众满意").weight == Decimal("30.0")
    assert client.get(reverse("admin:assessments_checklist_add")).status_code == 403


def test_city_copies_a_checklist_to_the_next_year(world: ScopeWorld) -> None:
    checklist = Checklist.objects.get()
    client = client_of(world, "city")
    response = client.post(step_url(checklist, "copy"), {"to_year": YEAR + 1})
    assert response.status_code == 302
    assert Checklist.objects.get(year=YEAR + 1).criteria.count() == 3
    response = client.post(step_url(checklist, "copy"), {"to_year": YEAR + 1})
    assert f"{YEAR + 1}年已有评价标准。" in response.text


# --- Chinese -------------------------------------------------------------------------------------


def test_every_page_and_step_speaks_chinese(world: ScopeWorld) -> None:
    assessment = through_steps(world, LOW)
    item = rectification.add_item(
        assessment=assessment, task="整改", responsible="书记", deadline=TODAY, by=None
    )
    draft = assessment_of(world, "far")
    city = client_of(world, "city")
    urls = [step_url(draft, name) for name in ASSESSMENT_STEPS]
    urls += [step_url(item, name) for name in ITEM_STEPS]
    urls += [step_url(Checklist.objects.get(), "copy")]
    urls += [change_url(assessment), change_url(draft), change_url(item)]
    urls += [change_url(Checklist.objects.get()), reverse("admin:assessments_assessment_start")]
    urls += [
        reverse(f"admin:assessments_{name}_changelist")
        for name in ("assessment", "checklist", "rectificationitem")
    ]
    names = {"city", "county", "township", "liaison"}
    for url in urls:
        response = city.get(url)
        assert response.status_code == 200, url
        assert english_texts(response.text, names) == set(), url


def test_city_adds_a_checklist_with_its_criteria(world: ScopeWorld) -> None:
    client = client_of(world, "city")
    new = Checklist(year=YEAR + 3, name="新标准")
    rows = [
        {
            "position": "1",
            "group": "team",
            "title": "班子坚强",
            "weight": "60",
            "scoring": "graded",
        },
        {"position": "2", "group": "venue", "title": "阵地规范", "weight": "40", "scoring": "met"},
    ]
    data = _checklist_form(new, rows)
    response = client.post(reverse("admin:assessments_checklist_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    saved = Checklist.objects.get(year=YEAR + 3)
    assert list(saved.criteria.values_list("title", "weight")) == [
        ("班子坚强", Decimal("60.0")),
        ("阵地规范", Decimal("40.0")),
    ]
    assert AuditEvent.objects.filter(action="checklist_add").exists()


def test_a_missing_evidence_file_is_not_found_rather_than_an_error(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    score = assessment.scores.first()
    upload = SimpleUploadedFile("照片.png", png_bytes(), content_type="image/png")
    evidence = steps.add_evidence(score=score, upload=upload, by=None)
    evidence.file.storage.delete(evidence.file.name)
    url = reverse("admin:assessments_assessment_evidence", args=[assessment.pk, evidence.pk])
    assert client_of(world, "liaison").get(url).status_code == 404


def test_liaison_removes_a_file_uploaded_by_mistake_on_its_page(world: ScopeWorld) -> None:
    assessment = assessment_of(world)
    upload = SimpleUploadedFile("错传.png", png_bytes(), content_type="image/png")
    evidence = steps.add_evidence(score=assessment.scores.first(), upload=upload, by=None)
    other = assessment_of(world, "next_door")
    elsewhere = SimpleUploadedFile("乙.png", png_bytes(), content_type="image/png")
    outside = steps.add_evidence(score=other.scores.first(), upload=elsewhere, by=None)
    client = client_of(world, "liaison")
    url = step_url(assessment, "remove_evidence")
    assert client.post(url, {"evidence": outside.pk}).status_code == 200
    response = client.post(url, {"evidence": evidence.pk}, follow=True)
    assert "佐证材料已删除。" in response.text
    assert list(EvidenceFile.objects.all()) == [outside]
