"""A village's assessment of one year, step by step.

- ``start_assessment`` (and ``start_assessments`` for many villages): a row per criterion of the
  year's checklist, filled by the village's work group.
- ``save_self_assessment``, ``add_evidence``, ``remove_evidence``, ``submit``: the village's side
  (自评), while under way.
- ``review`` or ``return_for_changes``: the township (审核), points and a comment per criterion.
- ``approve`` or ``send_back``: the county (审定), never by the one who reviewed; approval
  writes the rating, and the assessment is frozen from then on.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from assessments import rules, scoring
from assessments.checks import (
    check_may,
    check_not_approved,
    check_sees,
    locked,
)
from assessments.evidence import display_name, prepare_evidence
from assessments.models import Assessment, Checklist, CriterionScore, EvidenceFile
from assessments.signals import announce
from common.records import acting_user
from shuanglian.access.scope import scope_of
from units.models import WorkGroup
from villages.models import Village

Status = Assessment.Status
# Files backing one criterion: enough for a year's photos and minutes, not an archive.
MAX_FILES_PER_CRITERION = 20


def _checklist_of(year: int) -> Checklist:
    checklist = Checklist.objects.filter(year=year).first()
    if checklist is None:
        raise ValidationError(
            gettext("There is no checklist for %(year)s yet: the city sets it first.")
            % {"year": year},
            code="no_checklist",
        )
    return checklist


def _work_group(by: AbstractBaseUser | None, village: Village) -> WorkGroup | None:
    """The group of the filling liaison's unit in the village; none for a coordinator."""
    if by is None:
        return None
    unit_id = scope_of(by).unit_id
    if unit_id is None:
        return None
    return WorkGroup.objects.filter(unit_id=unit_id, village=village).first()


def _text(value: Any) -> str:
    return str(value or "").strip()


@transaction.atomic
def start_assessment(*, village: Village, year: int, by: AbstractBaseUser | None) -> Assessment:
    """Open ``village``'s assessment of ``year``, with an empty score for every criterion."""
    if by is not None and not Village.objects.visible_to(by).filter(pk=village.pk).exists():
        raise PermissionDenied(gettext("This village is outside your area."))
    check_may(by, rules.may_fill, village)
    checklist = _checklist_of(year)
    # Two openings of one village take turns: the second finds the first's assessment.
    Village.objects.select_for_update().filter(pk=village.pk).first()
    if Assessment.objects.filter(village=village, year=year).exists():
        raise ValidationError(
            gettext("%(village)s already has an assessment for %(year)s.")
            % {"village": village.name, "year": year},
            code="assessment_exists",
        )
    assessment = Assessment.objects.create(
        village=village, checklist=checklist, year=year, work_group=_work_group(by, village)
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(assessment=assessment, criterion=criterion)
        for criterion in checklist.criteria.all()
    )
    announce("assessment_start", assessment, acting_user(by), year=year)
    return assessment


@transaction.atomic
def start_assessments(
    *, villages: QuerySet | Iterable[Village], year: int, by: AbstractBaseUser
) -> int:
    """Open the assessments of ``year`` for those of ``villages`` the user fills that have none
    yet; returns how many were opened."""
    checklist = _checklist_of(year)
    keys = villages.values("pk") if isinstance(villages, QuerySet) else [v.pk for v in villages]
    # Locked, so that an opening at the same time waits and then finds these assessments.
    locked_villages = Village.objects.select_for_update(of=("self",)).filter(
        pk__in=Village.objects.visible_to(by).filter(pk__in=keys).values("pk")
    )
    candidates = list(locked_villages.exclude(assessments__year=year).order_by("code"))
    fills = [village for village in candidates if rules.may_fill(by, village)]
    if candidates and not fills:
        raise PermissionDenied(gettext("You may not take this step."))
    unit_id = scope_of(by).unit_id
    groups = (
        dict(WorkGroup.objects.filter(unit_id=unit_id).values_list("village_id", "pk"))
        if unit_id is not None
        else {}
    )
    created = Assessment.objects.bulk_create(
        Assessment(
            village=village,
            checklist=checklist,
            year=year,
            work_group_id=groups.get(village.pk),
        )
        for village in fills
    )
    if not created:
        return 0
    criteria = list(checklist.criteria.all())
    # Read back by key: not every database returns the keys of rows it bulk-creates.
    opened = Assessment.objects.filter(year=year, village__in=[a.village_id for a in created])
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(assessment_id=assessment_id, criterion=criterion)
            for assessment_id in opened.values_list("pk", flat=True)
            for criterion in criteria
        ),
        batch_size=2000,
    )
    announce("assessments_start", checklist, acting_user(by), year=year, villages=len(created))
    return len(created)


def _scores_of(assessment: Assessment) -> dict[int, CriterionScore]:
    """The assessment's scores by criterion, locked with it."""
    rows = (
        CriterionScore.objects.select_for_update(of=("self",))
        .filter(assessment=assessment)
        .select_related("criterion")
    )
    return {row.criterion_id: row for row in rows}


def _unknown(given: Iterable[int], scores: Mapping[int, CriterionScore]) -> None:
    if any(int(criterion_id) not in scores for criterion_id in given):
        raise ValidationError(
            gettext("A criterion given is not on this assessment's checklist."),
            code="unknown_criterion",
        )


def _check_filling(by: AbstractBaseUser | None, assessment: Assessment) -> Assessment:
    check_sees(by, assessment)
    assessment = locked(assessment)
    check_not_approved(assessment)
    check_may(by, rules.may_fill, assessment.village)
    if assessment.status != Status.DRAFT:
        raise ValidationError(
            gettext("The self-assessment has been submitted; it can no longer be changed."),
            code="out_of_order",
        )
    return assessment


@transaction.atomic
def save_self_assessment(
    *,
    assessment: Assessment,
    scores: Mapping[int, tuple[Any, str]],
    by: AbstractBaseUser | None,
) -> Assessment:
    """Write the village's points and evidence text for the criteria given (by criterion key);
    empty points leave a criterion to be scored later."""
    assessment = _check_filling(by, assessment)
    rows = _scores_of(assessment)
    _unknown(scores, rows)
    changed = []
    for criterion_id, (points, evidence) in scores.items():
        row = rows[int(criterion_id)]
        row.self_score = scoring.check_points(row.criterion, points)
        row.evidence = _text(evidence)
        changed.append(row)
    CriterionScore.objects.bulk_update(changed, ["self_score", "evidence"])
    announce("assessment_save", assessment, acting_user(by), criteria=len(changed))
    return assessment


@transaction.atomic
def add_evidence(
    *, score: CriterionScore, upload: UploadedFile, by: AbstractBaseUser | None
) -> EvidenceFile:
    """Keep a checked photo or document backing ``score``'s criterion."""
    assessment = _check_filling(by, score.assessment)
    if EvidenceFile.objects.filter(score=score).count() >= MAX_FILES_PER_CRITERION:
        raise ValidationError(
            gettext("A criterion has at most %(count)s files.")
            % {"count": MAX_FILES_PER_CRITERION},
            code="too_many_files",
        )
    stored = prepare_evidence(upload)
    evidence = EvidenceFile(score=score, name=display_name(upload), uploaded_by=acting_user(by))
    evidence.file.save(stored.name, stored, save=False)
    evidence.save()
    announce("evidence_add", assessment, acting_user(by), file=evidence.file.name)
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: EvidenceFile, by: AbstractBaseUser | None) -> None:
    """Take back a file uploaded by mistake, while the self-assessment is under way."""
    assessment = _check_filling(by, evidence.score.assessment)
    name = evidence.file.name
    evidence.delete()
    # The file goes once the row is gone for good, not before a rollback could bring it back.
    transaction.on_commit(lambda: evidence.file.storage.delete(name))
    announce("evidence_remove", assessment, acting_user(by), file=name)


@transaction.atomic
def submit(*, assessment: Assessment, by: AbstractBaseUser | None) -> Assessment:
    """自评 → 待乡镇审核, once every criterion has its points; the self-assessed total is kept."""
    assessment = _check_filling(by, assessment)
    rows = list(_scores_of(assessment).values())
    missing = [row.criterion.title for row in rows if row.self_score is None]
    if missing:
        raise ValidationError(
            gettext("Give points for every criterion first; not scored yet: %(criteria)s.")
            % {"criteria": "、".join(missing)},
            code="not_scored",
        )
    assessment.self_total = scoring.total((row.criterion, row.self_score) for row in rows)
    assessment.status = Status.SUBMITTED
    assessment.submitted_by, assessment.submitted_at = acting_user(by), timezone.now()
    assessment.save()
    announce(
        "assessment_submit", assessment, acting_user(by), self_total=str(assessment.self_total)
    )
    return assessment


def _check_reviewing(by: AbstractBaseUser | None, assessment: Assessment) -> Assessment:
    check_sees(by, assessment)
    assessment = locked(assessment)
    check_not_approved(assessment)
    check_may(by, rules.may_review, assessment.village)
    if assessment.status != Status.SUBMITTED:
        raise ValidationError(
            gettext("Only a submitted self-assessment can be reviewed or returned."),
            code="out_of_order",
        )
    return assessment


def _required(text: Any, message: str) -> str:
    text = _text(text)
    if not text:
        raise ValidationError(message, code="comment_missing")
    return text


@transaction.atomic
def review(
    *,
    assessment: Assessment,
    scores: Mapping[int, tuple[Any, str]],
    comment: str,
    by: AbstractBaseUser | None,
) -> Assessment:
    """待乡镇审核 → 待县审定: the township's points and comment for every criterion."""
    assessment = _check_reviewing(by, assessment)
    comment = _required(comment, gettext("Give the township's opinion."))
    rows = _scores_of(assessment)
    _unknown(scores, rows)
    for criterion_id, (points, remark) in scores.items():
        row = rows[int(criterion_id)]
        row.review_score = scoring.check_points(row.criterion, points)
        row.review_comment = _text(remark)
    missing = [row.criterion.title for row in rows.values() if row.review_score is None]
    if missing:
        raise ValidationError(
            gettext("Give reviewed points for every criterion; not reviewed yet: %(criteria)s.")
            % {"criteria": "、".join(missing)},
            code="not_reviewed",
        )
    CriterionScore.objects.bulk_update(rows.values(), ["review_score", "review_comment"])
    assessment.review_total = scoring.total(
        (row.criterion, row.review_score) for row in rows.values()
    )
    assessment.review_comment = comment
    assessment.status = Status.REVIEWED
    assessment.reviewed_by, assessment.reviewed_at = acting_user(by), timezone.now()
    assessment.save()
    announce(
        "assessment_review",
        assessment,
        acting_user(by),
        review_total=str(assessment.review_total),
        comment=comment,
    )
    return assessment


@transaction.atomic
def return_for_changes(
    *, assessment: Assessment, comment: str, by: AbstractBaseUser | None
) -> Assessment:
    """待乡镇审核 → 自评: the township sends the self-assessment back, saying what to change."""
    assessment = _check_reviewing(by, assessment)
    comment = _required(comment, gettext("Say what is to be changed."))
    assessment.status = Status.DRAFT
    assessment.review_comment = comment
    assessment.review_total = None
    assessment.save()
    announce("assessment_return", assessment, acting_user(by), comment=comment)
    return assessment


def _check_approving(by: AbstractBaseUser | None, assessment: Assessment) -> Assessment:
    check_sees(by, assessment)
    assessment = locked(assessment)
    check_not_approved(assessment)
    check_may(by, rules.may_approve, assessment.village)
    if assessment.status != Status.REVIEWED:
        raise ValidationError(
            gettext("Only a reviewed assessment can be approved or sent back."),
            code="out_of_order",
        )
    return assessment


@transaction.atomic
def approve(*, assessment: Assessment, comment: str, by: AbstractBaseUser | None) -> Assessment:
    """待县审定 → 已审定: the county approves the reviewed total, which gives the rating."""
    assessment = _check_approving(by, assessment)
    actor = acting_user(by)
    if actor is not None and assessment.reviewed_by_id == actor.pk:
        raise PermissionDenied(
            gettext("You reviewed this assessment: someone else must approve it.")
        )
    total: Decimal = assessment.review_total
    assessment.stars, assessment.up_to_standard = scoring.rating(assessment.checklist, total)
    assessment.approval_comment = _text(comment)
    assessment.status = Status.APPROVED
    assessment.approved_by, assessment.approved_at = actor, timezone.now()
    assessment.save()
    announce(
        "assessment_approve",
        assessment,
        actor,
        review_total=str(total),
        stars=assessment.stars,
        up_to_standard=assessment.up_to_standard,
    )
    return assessment


@transaction.atomic
def send_back(*, assessment: Assessment, comment: str, by: AbstractBaseUser | None) -> Assessment:
    """待县审定 → 待乡镇审核: the county asks the township to review again, saying why."""
    assessment = _check_approving(by, assessment)
    comment = _required(comment, gettext("Say why the review is sent back."))
    assessment.status = Status.SUBMITTED
    assessment.approval_comment = comment
    assessment.review_total = None
    assessment.save()
    announce("assessment_send_back", assessment, acting_user(by), comment=comment)
    return assessment
