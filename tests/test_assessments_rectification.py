"""整改: items set by the township once it has reviewed (on an approved assessment only below
the standard), progress reported by the village, accepted or reopened by the township;
overdue items are the open ones past their deadline."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from assessments import rectification
from assessments.models import Assessment, RectificationItem, RectificationNote
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_checklist

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
Status = RectificationItem.Status


def assessment_of(place: object, checklist: object, **fields: object) -> Assessment:
    values = {
        "status": Assessment.Status.APPROVED,
        "review_total": Decimal("62.0"),
        "stars": 2,
        "up_to_standard": False,
        **fields,
    }
    return Assessment.objects.create(
        village=place.village, checklist=checklist, year=checklist.year, **values
    )


@pytest.fixture
def world(scope_world: ScopeWorld) -> dict:
    checklist = make_checklist(year=2026)
    return {
        "users": scope_world.users,
        "checklist": checklist,
        "below": assessment_of(scope_world.home, checklist),
        "far": assessment_of(scope_world.far, checklist),
    }


def item_of(world: dict, **fields: object) -> RectificationItem:
    values = {
        "task": "完善党群服务中心便民设施",
        "responsible": "村党支部书记",
        "deadline": TODAY + datetime.timedelta(days=30),
        **fields,
    }
    return rectification.add_item(
        assessment=world["below"], by=world["users"]["township"], **values
    )


def test_township_sets_an_item_on_an_assessment_below_standard(world: dict) -> None:
    criterion = world["checklist"].criteria.first()
    item = item_of(world, criterion=criterion)
    assert (item.status, item.criterion, item.created_by) == (
        Status.OPEN,
        criterion,
        world["users"]["township"],
    )
    assert AuditEvent.objects.filter(action="rectification_add").exists()


@pytest.mark.parametrize("role", ["liaison", "county", "other_township"])
def test_only_the_township_sets_items(world: dict, role: str) -> None:
    with pytest.raises(PermissionDenied):
        rectification.add_item(
            assessment=world["below"],
            task="整改",
            responsible="书记",
            deadline=TODAY,
            by=world["users"][role],
        )
    assert not RectificationItem.objects.exists()


def test_an_approved_assessment_up_to_standard_takes_no_items(world: dict) -> None:
    Assessment.objects.filter(pk=world["below"].pk).update(up_to_standard=True)
    world["below"].refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        item_of(world)
    assert refused.value.messages == ["该村已达标：已审定的评价无需整改。"]


def test_a_reviewed_assessment_takes_items_at_the_townships_choice(world: dict) -> None:
    Assessment.objects.filter(pk=world["below"].pk).update(
        status=Assessment.Status.REVIEWED, up_to_standard=None, review_total=Decimal("95")
    )
    world["below"].refresh_from_db()
    assert item_of(world).status == Status.OPEN


def test_an_assessment_not_yet_reviewed_takes_no_items(world: dict) -> None:
    Assessment.objects.filter(pk=world["below"].pk).update(status=Assessment.Status.SUBMITTED)
    world["below"].refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        item_of(world)
    assert refused.value.messages == ["乡镇审核评价后才能设置整改事项。"]


def test_a_deadline_in_the_past_is_refused(world: dict) -> None:
    with pytest.raises(ValidationError) as refused:
        item_of(world, deadline=TODAY - datetime.timedelta(days=1))
    assert refused.value.messages == ["整改时限不能早于今天。"]
    assert item_of(world, deadline=TODAY).deadline == TODAY


def test_a_criterion_of_another_checklist_is_refused(world: dict) -> None:
    other = make_checklist(year=2025).criteria.first()
    with pytest.raises(ValidationError) as refused:
        item_of(world, criterion=other)
    assert refused.value.messages == ["该指标不在本次评价所用的标准中。"]


def test_task_and_responsible_are_required(world: dict) -> None:
    with pytest.raises(ValidationError) as refused:
        item_of(world, task=" ")
    assert refused.value.messages == ["请填写整改任务。"]
    with pytest.raises(ValidationError) as refused:
        item_of(world, responsible="")
    assert refused.value.messages == ["请填写责任人。"]


def photo() -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, format="PNG")
    return SimpleUploadedFile("现场.png", output.getvalue())


def test_lifecycle_from_note_to_acceptance(world: dict, settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path
    users = world["users"]
    item = item_of(world)
    note = rectification.add_note(item=item, text="已购置桌椅", photo=photo(), by=users["liaison"])
    assert note.photo.name.endswith(".jpg")
    rectification.mark_done(item=item, text="全部完成", by=users["liaison"])
    item.refresh_from_db()
    assert item.status == Status.DONE
    rectification.accept(item=item, by=users["township"])
    item.refresh_from_db()
    assert (item.status, item.accepted_by) == (Status.ACCEPTED, users["township"])
    assert list(item.notes.values_list("text", flat=True)) == ["已购置桌椅", "全部完成"]
    with pytest.raises(ValidationError) as refused:
        rectification.add_note(item=item, text="补充", by=users["liaison"])
    assert refused.value.messages == ["该事项已验收，不能再修改。"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"rectification_note", "rectification_done", "rectification_accept"} <= actions


def test_township_reopens_a_done_item_with_the_reason(world: dict) -> None:
    users = world["users"]
    item = item_of(world)
    rectification.mark_done(item=item, by=users["liaison"])
    with pytest.raises(ValidationError) as refused:
        rectification.reopen(item=item, reason="", by=users["township"])
    assert refused.value.messages == ["请说明重新整改的原因。"]
    rectification.reopen(item=item, reason="设施未到位", by=users["township"])
    item.refresh_from_db()
    assert item.status == Status.OPEN
    assert item.notes.get().text == "乡镇要求重新整改：设施未到位"


def test_only_a_done_item_is_accepted(world: dict) -> None:
    item = item_of(world)
    with pytest.raises(ValidationError) as refused:
        rectification.accept(item=item, by=world["users"]["township"])
    assert refused.value.messages == ["只有已报完成的事项才能验收或重新整改。"]


@pytest.mark.parametrize("role", ["liaison", "county", "other_township"])
def test_others_cannot_accept(world: dict, role: str) -> None:
    item = item_of(world)
    rectification.mark_done(item=item, by=world["users"]["liaison"])
    with pytest.raises(PermissionDenied):
        rectification.accept(item=item, by=world["users"][role])
    item.refresh_from_db()
    assert item.status == Status.DONE


@pytest.mark.parametrize("role", ["other_liaison", "county", "other_township"])
def test_others_cannot_report_progress(world: dict, role: str) -> None:
    item = item_of(world)
    with pytest.raises(PermissionDenied):
        rectification.add_note(item=item, text="进展", by=world["users"][role])
    with pytest.raises(PermissionDenied):
        rectification.mark_done(item=item, by=world["users"][role])
    assert not RectificationNote.objects.exists()
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_a_note_with_a_file_that_is_not_a_photo_writes_nothing(world: dict) -> None:
    item = item_of(world)
    with pytest.raises(ValidationError) as refused:
        rectification.add_note(
            item=item,
            text="进展",
            photo=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
            by=world["users"]["liaison"],
        )
    assert refused.value.messages == [
        "该文件不是照片，请上传 JPEG、PNG、WebP、GIF 或 BMP 格式的图片。"
    ]
    assert not RectificationNote.objects.exists()


def test_overdue_items_are_the_open_ones_past_their_deadline(world: dict) -> None:
    late = item_of(world)
    done_late = item_of(world)
    accepted_late = item_of(world)
    on_time = item_of(world)
    users = world["users"]
    rectification.mark_done(item=done_late, by=users["liaison"])
    rectification.mark_done(item=accepted_late, by=users["liaison"])
    rectification.accept(item=accepted_late, by=users["township"])
    past = TODAY - datetime.timedelta(days=3)
    RectificationItem.objects.exclude(pk=on_time.pk).update(deadline=past)
    overdue = RectificationItem.objects.overdue()
    assert set(overdue) == {late, done_late}
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.is_overdue and not on_time.is_overdue


def test_items_of_other_townships_are_not_seen(world: dict) -> None:
    item_of(world)
    far = world["far"]
    rectification.add_item(
        assessment=far, task="远处", responsible="书记", deadline=TODAY, by=world["users"]["city"]
    )
    seen = RectificationItem.objects.visible_to(world["users"]["township"])
    assert list(seen.values_list("task", flat=True)) == ["完善党群服务中心便民设施"]
