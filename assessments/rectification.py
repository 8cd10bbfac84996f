"""整改: what a village put right after its assessment, item by item.

The rule for when items may be set, kept simple: once the township has reviewed an assessment
(待县审定), it may set items at its own choice, whatever the total; once the county has
approved it, only if the village is below the standard. Before the review there is nothing to
rectify against. The assessment itself stays frozen after approval: items and notes are not
part of it.

- ``add_item``: the township (rules.may_review) sets the task, the criterion it concerns (if
  any), who is responsible and the deadline (today or later).
- ``add_note`` and ``mark_done``: the village's side (rules.may_fill) reports progress, with a
  checked photo, and says when an item is done.
- ``accept`` or ``reopen``: the township closes a done item, or sends it back with the reason.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from assessments import rules
from assessments.checks import check_may, check_sees, locked
from assessments.models import (
    Assessment,
    Criterion,
    RectificationItem,
    RectificationNote,
)
from assessments.signals import announce
from common.records import acting_user
from units.photos import prepare_photo

Status = RectificationItem.Status
PHOTO_BOX = (1600, 1600)


def may_set_items(assessment: Assessment) -> bool:
    """Whether items may be set on ``assessment`` now (see the module's rule)."""
    if assessment.status == Assessment.Status.REVIEWED:
        return True
    return assessment.status == Assessment.Status.APPROVED and assessment.up_to_standard is False


def _text(value: object, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(message, code="text_missing")
    return text


@transaction.atomic
def add_item(
    *,
    assessment: Assessment,
    task: str,
    responsible: str,
    deadline: datetime.date,
    criterion: Criterion | None = None,
    by: AbstractBaseUser | None,
) -> RectificationItem:
    """A thing the village must put right, by ``deadline``, set by the township."""
    check_sees(by, assessment)
    assessment = locked(assessment)
    check_may(by, rules.may_review, assessment.village)
    if assessment.status not in (Assessment.Status.REVIEWED, Assessment.Status.APPROVED):
        raise ValidationError(
            gettext("Rectification items are set once the township has reviewed the assessment."),
            code="not_reviewed",
        )
    if not may_set_items(assessment):
        raise ValidationError(
            gettext(
                "The village is up to standard: its approved assessment needs no rectification."
            ),
            code="up_to_standard",
        )
    if criterion is not None and criterion.checklist_id != assessment.checklist_id:
        raise ValidationError(
            gettext("The criterion is not on this assessment's checklist."),
            code="unknown_criterion",
        )
    if deadline < timezone.localdate():
        raise ValidationError(gettext("The deadline cannot be in the past."), code="past_deadline")
    item = RectificationItem(
        assessment=assessment,
        criterion=criterion,
        task=_text(task, gettext("Say what is to be put right.")),
        responsible=_text(responsible, gettext("Say who is responsible.")),
        deadline=deadline,
        created_by=acting_user(by),
    )
    item.full_clean()
    item.save()
    announce("rectification_add", item, acting_user(by), deadline=deadline.isoformat())
    return item


def _locked_item(item: RectificationItem, by: AbstractBaseUser | None) -> RectificationItem:
    if by is not None and not RectificationItem.objects.visible_to(by).filter(pk=item.pk).exists():
        raise PermissionDenied(gettext("This assessment is outside your area."))
    return (
        RectificationItem.objects.select_for_update(of=("self",))
        .select_related("assessment__village")
        .get(pk=item.pk)
    )


def _check_not_accepted(item: RectificationItem) -> None:
    if item.status == Status.ACCEPTED:
        raise ValidationError(
            gettext("This item has been accepted; it can no longer be changed."),
            code="item_accepted",
        )


def _note(
    item: RectificationItem,
    text: str,
    by: AbstractBaseUser | None,
    photo: UploadedFile | None = None,
) -> RectificationNote:
    note = RectificationNote(item=item, text=text, written_by=acting_user(by))
    if photo:
        stored = prepare_photo(photo, box=PHOTO_BOX)
        note.photo.save(stored.name, stored, save=False)
    note.save()
    return note


@transaction.atomic
def add_note(
    *,
    item: RectificationItem,
    text: str,
    photo: UploadedFile | None = None,
    by: AbstractBaseUser | None,
) -> RectificationNote:
    """Progress on an item not yet accepted, with a checked photo if given."""
    item = _locked_item(item, by)
    check_may(by, rules.may_fill, item.assessment.village)
    _check_not_accepted(item)
    note = _note(item, _text(text, gettext("Write what has been done.")), by, photo)
    announce("rectification_note", item, acting_user(by), photo=bool(note.photo))
    return note


@transaction.atomic
def mark_done(
    *, item: RectificationItem, text: str = "", by: AbstractBaseUser | None
) -> RectificationItem:
    """整改中 → 已完成: the village reports the item done, with what was done if it says."""
    item = _locked_item(item, by)
    check_may(by, rules.may_fill, item.assessment.village)
    _check_not_accepted(item)
    if item.status != Status.OPEN:
        raise ValidationError(
            gettext("Only an item under way can be reported done."), code="out_of_order"
        )
    text = str(text or "").strip()
    if text:
        _note(item, text, by)
    item.status = Status.DONE
    item.save(update_fields=["status"])
    announce("rectification_done", item, acting_user(by))
    return item


def _check_reported(item: RectificationItem, by: AbstractBaseUser | None) -> RectificationItem:
    item = _locked_item(item, by)
    check_may(by, rules.may_review, item.assessment.village)
    _check_not_accepted(item)
    if item.status != Status.DONE:
        raise ValidationError(
            gettext("Only an item reported done can be accepted or reopened."),
            code="out_of_order",
        )
    return item


@transaction.atomic
def accept(*, item: RectificationItem, by: AbstractBaseUser | None) -> RectificationItem:
    """已完成 → 已验收: the township accepts the item, which closes it."""
    item = _check_reported(item, by)
    item.status = Status.ACCEPTED
    item.accepted_by, item.accepted_at = acting_user(by), timezone.now()
    item.save(update_fields=["status", "accepted_by", "accepted_at"])
    announce("rectification_accept", item, acting_user(by))
    return item


@transaction.atomic
def reopen(
    *, item: RectificationItem, reason: str, by: AbstractBaseUser | None
) -> RectificationItem:
    """已完成 → 整改中: the township finds the item not done, and says why in a note."""
    item = _check_reported(item, by)
    reason = _text(reason, gettext("Say why the item is reopened."))
    _note(item, gettext("Reopened by the township: %(reason)s") % {"reason": reason}, by)
    item.status = Status.OPEN
    item.save(update_fields=["status"])
    announce("rectification_reopen", item, acting_user(by), reason=reason)
    return item
