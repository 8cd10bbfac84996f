"""An assessment from self-assessment to approval: each step by the role that takes it, every
other role refused with nothing written, the reviewer never the approver, frozen once approved,
evidence files checked, and every step in the audit trail."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from assessments import assessments as steps
from assessments.models import Assessment, Checklist, CriterionScore, EvidenceFile
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_checklist, make_coordinator

pytestmark = pytest.mark.django_db

D = Decimal
Status = Assessment.Status


@pytest.fixture
def world(scope_world: ScopeWorld) -> dict:
    checklist = make_checklist(year=2026)
    return {
        "users": scope_world.users,
        "home": scope_world.home,
        "far": scope_world.far,
        "next_door": scope_world.next_door,
        "checklist": checklist,
        "criteria": list(checklist.criteria.all()),
    }


def started(world: dict) -> Assessment:
    return steps.start_assessment(
        village=world["home"].village, year=2026, by=world["users"]["liaison"]
    )


def filled(world: dict, points: tuple[str, str, str] = ("30", "30", "25")) -> Assessment:
    assessment = started(world)
    scores = {c.pk: (p, f"{c.title}的佐证") for c, p in zip(world["criteria"], points, strict=True)}
    return steps.save_self_assessment(
        assessment=assessment, scores=scores, by=world["users"]["liaison"]
    )


def submitted(world: dict, points: tuple[str, str, str] = ("30", "30", "25")) -> Assessment:
    return steps.submit(assessment=filled(world, points), by=world["users"]["liaison"])


def reviewed(world: dict, points: tuple[str, str, str] = ("30", "30", "20")) -> Assessment:
    assessment = submitted(world)
    scores = {c.pk: (p, "属实") for c, p in zip(world["criteria"], points, strict=True)}
    return steps.review(
        assessment=assessment, scores=scores, comment="基本属实", by=world["users"]["township"]
    )


def approved(world: dict, points: tuple[str, str, str] = ("30", "30", "20")) -> Assessment:
    return steps.approve(
        assessment=reviewed(world, points), comment="同意", by=world["users"]["county"]
    )


def snapshot(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    rows = CriterionScore.objects.filter(assessment=assessment).order_by("pk")
    return (
        assessment.status,
        assessment.self_total,
        assessment.review_total,
        assessment.stars,
        assessment.up_to_standard,
        list(rows.values_list("self_score", "evidence", "review_score", "review_comment")),
    )


def png(name: str = "照片.png") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, format="PNG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def office(name: str = "会议记录.docx", *, macros: bool = False) -> SimpleUploadedFile:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
        if macros:
            package.writestr("word/vbaProject.bin", b"\x00")
    return SimpleUploadedFile(name, output.getvalue())


# --- starting ---------------------------------------------------------------------------


def test_liaison_starts_an_assessment_with_a_score_per_criterion_and_its_work_group(
    world: dict,
) -> None:
    assessment = started(world)
    assert assessment.status == Status.DRAFT
    assert assessment.checklist == world["checklist"]
    assert assessment.work_group == world["home"].work_group
    assert assessment.scores.count() == 3
    assert AuditEvent.objects.filter(action="assessment_start", user=world["users"]["liaison"])


def test_township_starts_an_assessment_without_a_work_group(world: dict) -> None:
    assessment = steps.start_assessment(
        village=world["home"].village, year=2026, by=world["users"]["township"]
    )
    assert assessment.work_group is None


@pytest.mark.parametrize("role", ["other_liaison", "other_township"])
def test_someone_elses_village_cannot_be_started(world: dict, role: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        steps.start_assessment(village=world["home"].village, year=2026, by=world["users"][role])
    assert str(refused.value) == "该村(社区)不在您的管辖范围内。"
    assert not Assessment.objects.exists()


def test_county_does_not_fill_self_assessments(world: dict) -> None:
    with pytest.raises(PermissionDenied) as refused:
        steps.start_assessment(
            village=world["home"].village, year=2026, by=world["users"]["county"]
        )
    assert str(refused.value) == "您无权办理此环节。"


def test_a_year_without_a_checklist_cannot_be_started(world: dict) -> None:
    with pytest.raises(ValidationError) as refused:
        steps.start_assessment(
            village=world["home"].village, year=2027, by=world["users"]["liaison"]
        )
    assert refused.value.messages == ["2027年尚无评价标准：请先由市级制定。"]


def test_a_village_has_one_assessment_a_year(world: dict) -> None:
    started(world)
    with pytest.raises(ValidationError) as refused:
        started(world)
    assert refused.value.messages == ["甲村已有2026年的评价。"]


def test_township_starts_its_villages_at_once_and_only_those(world: dict) -> None:
    villages = [world["home"].village, world["next_door"].village, world["far"].village]
    count = steps.start_assessments(villages=villages, year=2026, by=world["users"]["township"])
    assert count == 1
    assert list(Assessment.objects.values_list("village__name", flat=True)) == ["甲村"]
    assert CriterionScore.objects.count() == 3
    # Again: nothing new.
    assert steps.start_assessments(villages=villages, year=2026, by=world["users"]["township"]) == 0


# --- self-assessment ----------------------------------------------------------------------


def test_self_assessment_writes_points_and_evidence(world: dict) -> None:
    assessment = filled(world)
    rows = assessment.scores.order_by("criterion__position")
    assert list(rows.values_list("self_score", flat=True)) == [D("30.0"), D("30.0"), D("25.0")]
    assert rows.first().evidence == "班子团结有力的佐证"


def test_points_beyond_a_criterion_write_nothing(world: dict) -> None:
    assessment = filled(world)
    before = snapshot(assessment)
    criteria = world["criteria"]
    with pytest.raises(ValidationError) as refused:
        steps.save_self_assessment(
            assessment=assessment,
            scores={criteria[0].pk: ("10", "改"), criteria[1].pk: ("15", "")},
            by=world["users"]["liaison"],
        )
    assert refused.value.messages == ["“活动场所规范”只计达标与否：得0分或30分。"]
    assert snapshot(assessment) == before


@pytest.mark.parametrize("role", ["other_liaison", "other_township", "county", "cadre"])
def test_other_roles_cannot_fill_the_self_assessment(world: dict, role: str) -> None:
    assessment = started(world)
    before = snapshot(assessment)
    with pytest.raises(PermissionDenied):
        steps.save_self_assessment(
            assessment=assessment,
            scores={world["criteria"][0].pk: ("10", "")},
            by=world["users"][role],
        )
    assert snapshot(assessment) == before


def test_submit_needs_every_criterion_scored(world: dict) -> None:
    assessment = started(world)
    steps.save_self_assessment(
        assessment=assessment,
        scores={world["criteria"][0].pk: ("30", "")},
        by=world["users"]["liaison"],
    )
    with pytest.raises(ValidationError) as refused:
        steps.submit(assessment=assessment, by=world["users"]["liaison"])
    assert refused.value.messages == ["请先为每项指标打分；尚未打分：活动场所规范、群众满意。"]
    assert Assessment.objects.get().status == Status.DRAFT


def test_submit_keeps_the_self_assessed_total(world: dict) -> None:
    assessment = submitted(world, ("30", "30", "25"))
    assert assessment.status == Status.SUBMITTED
    assert assessment.self_total == D("85.0")
    assert assessment.submitted_by == world["users"]["liaison"]


def test_a_submitted_self_assessment_cannot_be_changed(world: dict) -> None:
    assessment = submitted(world)
    with pytest.raises(ValidationError) as refused:
        steps.save_self_assessment(
            assessment=assessment,
            scores={world["criteria"][0].pk: ("10", "")},
            by=world["users"]["liaison"],
        )
    assert refused.value.messages == ["自评已提交，不能再修改。"]


# --- review -------------------------------------------------------------------------------


def test_township_reviews_every_criterion(world: dict) -> None:
    assessment = reviewed(world, ("30", "0", "20"))
    assert assessment.status == Status.REVIEWED
    assert assessment.review_total == D("50.0")
    assert assessment.review_comment == "基本属实"
    assert assessment.reviewed_by == world["users"]["township"]
    assert set(assessment.scores.values_list("review_comment", flat=True)) == {"属实"}
    event = AuditEvent.objects.get(action="assessment_review")
    assert event.details["review_total"] == "50.0"


def test_review_needs_points_for_every_criterion(world: dict) -> None:
    assessment = submitted(world)
    before = snapshot(assessment)
    with pytest.raises(ValidationError) as refused:
        steps.review(
            assessment=assessment,
            scores={world["criteria"][0].pk: ("30", "")},
            comment="意见",
            by=world["users"]["township"],
        )
    assert refused.value.messages == [
        "请为每项指标填写审核得分；尚未审核：活动场所规范、群众满意。"
    ]
    assert snapshot(assessment) == before


@pytest.mark.parametrize("role", ["liaison", "other_township", "county"])
def test_other_roles_cannot_review(world: dict, role: str) -> None:
    assessment = submitted(world)
    before = snapshot(assessment)
    scores = {c.pk: ("10", "") for c in world["criteria"] if c.scoring == "graded"}
    scores[world["criteria"][1].pk] = ("30", "")
    with pytest.raises(PermissionDenied):
        steps.review(assessment=assessment, scores=scores, comment="意见", by=world["users"][role])
    assert snapshot(assessment) == before


def test_township_returns_a_self_assessment_with_the_reason(world: dict) -> None:
    assessment = submitted(world)
    steps.return_for_changes(
        assessment=assessment, comment="佐证不足", by=world["users"]["township"]
    )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.review_comment) == (Status.DRAFT, "佐证不足")
    with pytest.raises(ValidationError) as refused:
        steps.return_for_changes(
            assessment=assessment, comment="佐证不足", by=world["users"]["township"]
        )
    assert refused.value.messages == ["只有已提交的自评才能审核或退回。"]


def test_returning_needs_a_reason(world: dict) -> None:
    assessment = submitted(world)
    with pytest.raises(ValidationError) as refused:
        steps.return_for_changes(assessment=assessment, comment=" ", by=world["users"]["township"])
    assert refused.value.messages == ["请说明需要修改的内容。"]


# --- approval -------------------------------------------------------------------------------


def test_county_approves_and_the_rating_is_written(world: dict) -> None:
    assessment = approved(world, ("30", "30", "20"))
    assert assessment.status == Status.APPROVED
    assert (assessment.stars, assessment.up_to_standard) == (4, True)
    assert assessment.approved_by == world["users"]["county"]
    assert AuditEvent.objects.filter(action="assessment_approve").exists()


def test_below_standard_is_written_as_such(world: dict) -> None:
    assessment = approved(world, ("30", "0", "25"))
    assert assessment.review_total == D("55.0")
    assert (assessment.stars, assessment.up_to_standard) == (1, False)


def test_pass_fail_checklist_approves_without_stars(world: dict) -> None:
    Checklist.objects.filter(pk=world["checklist"].pk).update(
        rating_kind=Checklist.RatingKind.PASS_FAIL
    )
    assessment = approved(world)
    assert (assessment.stars, assessment.up_to_standard) == (None, True)


@pytest.mark.parametrize("role", ["liaison", "township", "other_township"])
def test_other_roles_cannot_approve(world: dict, role: str) -> None:
    assessment = reviewed(world)
    before = snapshot(assessment)
    with pytest.raises(PermissionDenied):
        steps.approve(assessment=assessment, comment="", by=world["users"][role])
    assert snapshot(assessment) == before


def test_far_county_cannot_approve(world: dict) -> None:
    assessment = reviewed(world)
    far_county = make_coordinator(
        "far-county", "county", county=world["far"].village.township.county
    )
    with pytest.raises(PermissionDenied) as refused:
        steps.approve(assessment=assessment, comment="", by=far_county)
    assert str(refused.value) == "该评价不在您的管辖范围内。"


def test_the_reviewer_cannot_also_approve(world: dict) -> None:
    assessment = submitted(world)
    city = world["users"]["city"]
    scores = {c.pk: (c.weight, "") for c in world["criteria"]}
    steps.review(assessment=assessment, scores=scores, comment="属实", by=city)
    before = snapshot(assessment)
    with pytest.raises(PermissionDenied) as refused:
        steps.approve(assessment=assessment, comment="", by=city)
    assert str(refused.value) == "您审核了这次评价，须由他人审定。"
    assert snapshot(assessment) == before
    steps.approve(assessment=assessment, comment="", by=world["users"]["county"])


def test_county_sends_a_review_back(world: dict) -> None:
    assessment = reviewed(world)
    steps.send_back(assessment=assessment, comment="请核实第三项", by=world["users"]["county"])
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED
    assert assessment.approval_comment == "请核实第三项"
    assert assessment.review_total is None
    with pytest.raises(ValidationError) as refused:
        steps.send_back(assessment=assessment, comment="再审", by=world["users"]["county"])
    assert refused.value.messages == ["只有乡镇已审核的评价才能审定或退回重审。"]


def test_an_approved_assessment_is_frozen(world: dict) -> None:
    assessment = approved(world)
    before = snapshot(assessment)
    users = world["users"]
    score = assessment.scores.first()
    attempts = [
        lambda: steps.save_self_assessment(assessment=assessment, scores={}, by=users["liaison"]),
        lambda: steps.submit(assessment=assessment, by=users["liaison"]),
        lambda: steps.add_evidence(score=score, upload=png(), by=users["liaison"]),
        lambda: steps.review(assessment=assessment, scores={}, comment="x", by=users["township"]),
        lambda: steps.return_for_changes(assessment=assessment, comment="x", by=users["township"]),
        lambda: steps.approve(assessment=assessment, comment="x", by=users["county"]),
        lambda: steps.send_back(assessment=assessment, comment="x", by=users["county"]),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == ["已审定的评价不能再修改。"]
    assert snapshot(assessment) == before


def test_a_villages_path_lists_its_approved_years_in_order(world: dict) -> None:
    approved(world)
    last_year = make_checklist(year=2025)
    Assessment.objects.create(
        village=world["home"].village,
        checklist=last_year,
        year=2025,
        status=Status.APPROVED,
        review_total=D("72.5"),
        stars=3,
        up_to_standard=False,
    )
    path = Assessment.objects.path_of(world["home"].village)
    assert list(path.values_list("year", "stars", "up_to_standard")) == [
        (2025, 3, False),
        (2026, 4, True),
    ]


# --- evidence files -------------------------------------------------------------------------


def test_photo_evidence_is_kept_as_a_clean_jpeg_under_a_random_name(
    world: dict, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assessment = started(world)
    score = assessment.scores.first()
    evidence = steps.add_evidence(
        score=score, upload=png("三会一课.png"), by=world["users"]["liaison"]
    )
    assert evidence.name == "三会一课.png"
    assert evidence.file.name.endswith(".jpg")
    assert "三会一课" not in evidence.file.name
    with Image.open(evidence.file.path) as image:
        assert image.format == "JPEG"
        assert not image.getexif()


def test_office_and_pdf_evidence_are_kept(world: dict, settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path
    score = started(world).scores.first()
    document = steps.add_evidence(score=score, upload=office(), by=world["users"]["liaison"])
    assert document.file.name.endswith(".docx")
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, format="PDF")
    pdf = SimpleUploadedFile("台账.pdf", output.getvalue())
    assert steps.add_evidence(score=score, upload=pdf, by=None).file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("脚本.html", b"<script>alert(1)</script>"),
            "佐证材料须为照片（JPEG、PNG、WebP、GIF或BMP）、PDF，或Word、Excel、PowerPoint文件"
            "（.docx、.xlsx、.pptx）。",
        ),
        (office("宏.docm", macros=True), "不接受带宏的文件，请另存为不含宏的文件后上传。"),
        (
            SimpleUploadedFile("坏.pdf", b"%PDF-1.4 garbage"),
            "文件已损坏或不完整，请重新保存后上传。",
        ),
        (
            SimpleUploadedFile("大.png", b"x" * (10 * 1024 * 1024 + 1)),
            "文件不能超过10MB。",
        ),
    ],
)
def test_bad_evidence_files_are_refused(
    world: dict, settings: object, tmp_path: object, upload: SimpleUploadedFile, message: str
) -> None:
    settings.MEDIA_ROOT = tmp_path
    score = started(world).scores.first()
    with pytest.raises(ValidationError) as refused:
        steps.add_evidence(score=score, upload=upload, by=world["users"]["liaison"])
    assert refused.value.messages == [message]
    assert not EvidenceFile.objects.exists()


def test_other_units_liaison_cannot_add_evidence(world: dict) -> None:
    score = started(world).scores.first()
    with pytest.raises(PermissionDenied):
        steps.add_evidence(score=score, upload=png(), by=world["users"]["other_liaison"])
    assert not EvidenceFile.objects.exists()


def test_demo_holds_assessments_in_every_state_and_rectification(demo: None) -> None:
    from assessments.models import RectificationItem

    year = timezone.localdate().year
    assert Checklist.objects.filter(year__in=[year - 1, year]).count() == 2
    weights = Checklist.objects.get(year=year).criteria.values_list("weight", flat=True)
    assert sum(weights) == 100
    last_year = Assessment.objects.filter(year=year - 1)
    assert set(last_year.values_list("status", flat=True)) == {Status.APPROVED}
    this_year = Assessment.objects.filter(year=year)
    assert set(this_year.values_list("status", flat=True)) == set(Status.values)
    assert this_year.filter(status=Status.APPROVED, up_to_standard=False).exists()
    items = RectificationItem.objects.filter(assessment__year=year)
    assert items.overdue().exists()
    assert items.filter(status=RectificationItem.Status.ACCEPTED).exists()
    assert items.filter(status=RectificationItem.Status.DONE).exists()


def test_a_file_uploaded_by_mistake_is_removed_while_under_way(
    world: dict, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assessment = started(world)
    score = assessment.scores.first()
    users = world["users"]
    kept = steps.add_evidence(score=score, upload=png(), by=users["liaison"])
    mistake = steps.add_evidence(score=score, upload=png("错传.png"), by=users["liaison"])
    with pytest.raises(PermissionDenied):
        steps.remove_evidence(evidence=mistake, by=users["other_liaison"])
    steps.remove_evidence(evidence=mistake, by=users["liaison"])
    assert list(EvidenceFile.objects.all()) == [kept]
    assert AuditEvent.objects.filter(action="evidence_remove").exists()
    steps.save_self_assessment(
        assessment=assessment,
        scores={c.pk: (c.weight, "") for c in world["criteria"]},
        by=users["liaison"],
    )
    steps.submit(assessment=assessment, by=users["liaison"])
    with pytest.raises(ValidationError) as refused:
        steps.remove_evidence(evidence=kept, by=users["liaison"])
    assert refused.value.messages == ["自评已提交，不能再修改。"]
    assert EvidenceFile.objects.count() == 1
