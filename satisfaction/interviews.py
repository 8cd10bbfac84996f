"""An interviewer's tries to reach a sampled household, and the answers when reached.

``record_attempt`` writes one try: only by the household's interviewer, only while the round
is interviewing and within its dates, and only while the independence rule still holds. A
reached household answers every question. A household not reached after the round's tries is
replaced by its village's next reserve household, of the same category when there is one. The
sample's row is locked for the whole step, and a form sent twice (the same submission key)
counts once.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from satisfaction.independence import check_independent
from satisfaction.models import Answer, Attempt, Question, Round, Sample
from satisfaction.signals import announce
from units.models import Cadre

Status = Sample.Status


@dataclass
class Outcome:
    """What one try did: the attempt, and whether the household was replaced and by whom."""

    attempt: Attempt
    repeated: bool = False
    replaced: bool = False
    replacement: Sample | None = None

    @property
    def reserve_exhausted(self) -> bool:
        return self.replaced and self.replacement is None


def interviewer_of(by: AbstractBaseUser | None) -> Cadre | None:
    """The cadre signed in as ``by``, if any."""
    if by is None or not by.is_authenticated:
        return None
    return Cadre.objects.filter(user_id=by.pk).first()


def check_round_takes_answers(round: Round) -> None:
    """Refuse a try outside an interviewing round's dates (the last day included)."""
    if round.status == Round.Status.CLOSED:
        raise ValidationError(
            gettext("The round is closed: its interviews can no longer be changed."),
            code="round_closed",
        )
    if round.status != Round.Status.OPEN:
        raise ValidationError(
            gettext("The round has not started interviewing yet."), code="round_not_open"
        )
    today = timezone.localdate()
    if not round.starts_on <= today <= round.ends_on:
        raise ValidationError(
            gettext("Interviews of this round are taken from %(start)s to %(end)s.")
            % {"start": round.starts_on.isoformat(), "end": round.ends_on.isoformat()},
            code="outside_dates",
        )


def _checked_answers(round: Round, answers: Mapping[int, str] | None) -> list[tuple[int, str]]:
    questions = list(round.questions.order_by("position", "pk").values_list("pk", flat=True))
    given = {int(key): value for key, value in (answers or {}).items()}
    if set(given) - set(questions):
        raise ValidationError(
            gettext("An answer was given to a question of another round."), code="wrong_question"
        )
    if any(given.get(pk) in (None, "") for pk in questions):
        raise ValidationError(
            gettext("A household reached answers every question."), code="answers_missing"
        )
    if any(value not in Answer.Choice.values for value in given.values()):
        raise ValidationError(gettext("Choose one of the answers."), code="bad_choice")
    return [(pk, given[pk]) for pk in questions]


def _next_reserve(sample: Sample) -> Sample | None:
    """The village's next reserve household, one of the same category first."""
    return (
        Sample.objects.select_for_update()
        .filter(round_id=sample.round_id, village_id=sample.village_id, status=Status.RESERVE)
        .alias(
            other_stratum=Case(
                When(stratum=sample.stratum, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("other_stratum", "draw_order")
        .first()
    )


def _replace(sample: Sample, by: AbstractBaseUser) -> Sample | None:
    sample.status = Status.REPLACED
    sample.save(update_fields=["status", "tries"])
    replacement = _next_reserve(sample)
    if replacement is not None:
        replacement.status = Status.PENDING
        replacement.replaces = sample
        replacement.interviewer_id = sample.interviewer_id
        replacement.save(update_fields=["status", "replaces", "interviewer"])
    announce(
        "sample_replace",
        sample,
        by,
        replacement=replacement.pk if replacement is not None else None,
    )
    return replacement


@transaction.atomic
def record_attempt(
    *,
    sample: Sample,
    method: str,
    reached: bool,
    note: str = "",
    answers: Mapping[int, str] | None = None,
    comment: str = "",
    submission_key: uuid.UUID | None = None,
    by: AbstractBaseUser,
) -> Outcome:
    """One try to reach ``sample``'s household by its interviewer (``by``), with the answers
    when reached."""
    cadre = interviewer_of(by)
    if cadre is None:
        raise PermissionDenied(gettext("Only a cadre with a sign-in interviews households."))
    sample = (
        Sample.objects.select_for_update(of=("self",))
        .select_related("round", "village")
        .get(pk=sample.pk)
    )
    if sample.interviewer_id != cadre.pk or sample.status not in Sample.IN_SAMPLE:
        raise PermissionDenied(gettext("This household was not drawn for you to interview."))
    if submission_key is not None:
        earlier = Attempt.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            if earlier.sample_id != sample.pk:
                raise ValidationError(
                    gettext("This form was already sent for another household."),
                    code="key_reused",
                )
            return Outcome(attempt=earlier, repeated=True)
    check_round_takes_answers(sample.round)
    if sample.status != Status.PENDING:
        raise ValidationError(
            gettext("This household has already been interviewed."), code="already_interviewed"
        )
    check_independent(cadre, sample.village)
    if method not in Attempt.Method.values:
        raise ValidationError(gettext("Choose how the household was contacted."), code="method")
    checked = _checked_answers(sample.round, answers) if reached else []
    attempt = Attempt(
        sample=sample,
        method=method,
        reached=reached,
        note=note,
        by=cadre,
        submission_key=submission_key,
    )
    attempt.full_clean(exclude=["sample", "by"])
    attempt.save()
    sample.tries += 1
    outcome = Outcome(attempt=attempt)
    if reached:
        Answer.objects.bulk_create(
            Answer(sample=sample, question_id=pk, choice=choice) for pk, choice in checked
        )
        sample.status = Status.INTERVIEWED
        sample.interviewed_at = attempt.at
        sample.method = method
        sample.comment = comment
        sample.save(update_fields=["status", "tries", "interviewed_at", "method", "comment"])
    elif sample.tries >= sample.round.max_tries:
        outcome.replaced = True
        outcome.replacement = _replace(sample, by)
    else:
        sample.save(update_fields=["tries"])
    return outcome


# Questions of one round, in their order, for the form.
def questions_of(round: Round) -> list[Question]:
    return list(round.questions.order_by("position", "pk"))
