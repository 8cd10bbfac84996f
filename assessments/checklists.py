"""The city's checklists: saved with their criteria, and each year started from the last.

Once villages have scored a checklist, its criteria keep their points and scoring: a total
already given must mean the same as one given later. Only their wording can still change.
"""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from assessments import rules
from assessments.models import Checklist, Criterion, CriterionScore
from assessments.signals import announce
from common.records import acting_user


def _check_keeps(by: AbstractBaseUser | None) -> None:
    if by is not None and not rules.may_keep_checklist(by):
        raise PermissionDenied(gettext("Only the city's coordinators keep the checklists."))


def is_scored(checklist: Checklist) -> bool:
    """Whether any village has given points or evidence against the checklist's criteria."""
    if checklist.pk is None:
        return False
    given = (
        Q(self_score__isnull=False)
        | Q(review_score__isnull=False)
        | ~Q(evidence="")
        | Q(files__isnull=False)
    )
    return CriterionScore.objects.filter(given, criterion__checklist=checklist).exists()


def _check_same_points(
    stored: dict[int, Criterion], criteria: Sequence[Criterion], removed: Sequence[Criterion]
) -> None:
    reweighted = [
        criterion
        for criterion in criteria
        if criterion.pk is None
        or criterion.pk not in stored
        or criterion.weight != stored[criterion.pk].weight
        or criterion.scoring != stored[criterion.pk].scoring
    ]
    if removed or reweighted:
        raise ValidationError(
            gettext(
                "Villages have already scored this checklist: its criteria cannot be added, "
                "removed, given other points or scored another way; only their wording can "
                "change."
            ),
            code="checklist_scored",
        )


@transaction.atomic
def save_checklist(
    *,
    checklist: Checklist,
    criteria: Sequence[Criterion] = (),
    removed: Sequence[Criterion] = (),
    by: AbstractBaseUser | None,
) -> Checklist:
    """Add or change ``checklist`` and the ``criteria`` given (new or changed), deleting
    ``removed``; city coordinators only."""
    _check_keeps(by)
    if checklist.pk is not None:
        stored_year = Checklist.objects.select_for_update().get(pk=checklist.pk).year
        if stored_year != checklist.year and checklist.assessments.exists():
            raise ValidationError(
                gettext("Villages are assessed against this checklist: its year cannot change."),
                code="checklist_in_use",
            )
        if is_scored(checklist):
            stored = {c.pk: c for c in Criterion.objects.filter(checklist=checklist)}
            _check_same_points(stored, criteria, removed)
    checklist.full_clean()
    created = checklist.pk is None
    checklist.save()
    gone = [c for c in removed if c.pk is not None and c.checklist_id == checklist.pk]
    # Nothing is scored yet (checked above): the opened assessments' empty rows go with them.
    CriterionScore.objects.filter(criterion__in=gone).delete()
    Criterion.objects.filter(pk__in=[c.pk for c in gone]).delete()
    added = []
    for criterion in criteria:
        criterion.checklist = checklist
        criterion.full_clean()
        if criterion.pk is None:
            added.append(criterion)
        criterion.save()
    if added and not created:
        # Assessments already opened score the new criteria too.
        CriterionScore.objects.bulk_create(
            CriterionScore(assessment_id=assessment_id, criterion=criterion)
            for assessment_id in checklist.assessments.values_list("pk", flat=True)
            for criterion in added
        )
    announce(
        "checklist_add" if created else "checklist_change",
        checklist,
        acting_user(by),
        criteria=len(criteria),
        removed=len(removed),
    )
    return checklist


@transaction.atomic
def copy_checklist(*, from_year: int, to_year: int, by: AbstractBaseUser | None) -> Checklist:
    """Start ``to_year``'s checklist as a copy of ``from_year``'s, criteria and thresholds."""
    _check_keeps(by)
    source = Checklist.objects.filter(year=from_year).first()
    if source is None:
        raise ValidationError(
            gettext("There is no checklist for %(year)s to copy.") % {"year": from_year},
            code="no_checklist",
        )
    if Checklist.objects.filter(year=to_year).exists():
        raise ValidationError(
            gettext("There is already a checklist for %(year)s.") % {"year": to_year},
            code="checklist_exists",
        )
    copy = Checklist(
        year=to_year,
        name=source.name.replace(str(from_year), str(to_year)),
        rating_kind=source.rating_kind,
        standard_score=source.standard_score,
        two_stars_from=source.two_stars_from,
        three_stars_from=source.three_stars_from,
        four_stars_from=source.four_stars_from,
        five_stars_from=source.five_stars_from,
    )
    copy.full_clean()
    copy.save()
    criteria = [
        Criterion(
            checklist=copy,
            group=c.group,
            title=c.title,
            guidance=c.guidance,
            weight=c.weight,
            scoring=c.scoring,
            position=c.position,
        )
        for c in source.criteria.all()
    ]
    Criterion.objects.bulk_create(criteria)
    announce("checklist_copy", copy, acting_user(by), copied_from=from_year)
    return copy
