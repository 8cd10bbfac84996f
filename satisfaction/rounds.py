"""A survey round's life: opened over an area with its questions, drawn, started, closed.

- ``open_round``: a coordinator opens a round over their area (or one within it), with the
  default questions unless others are given.
- ``set_questions``: the questions change only while the round is being prepared.
- ``start_round`` (准备中 → 测评中) once the sample is drawn (``satisfaction.draw``);
  ``close_round`` (测评中 → 已结束) computes the results, after which no attempt or answer is
  written or changed.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.records import acting_user
from satisfaction.checks import check_runs, check_status, locked
from satisfaction.models import Question, Round
from satisfaction.results import compute_results
from satisfaction.signals import announce
from villages.models import County, Township

Status = Round.Status
Topic = Question.Topic

# The campaign's four questions: data, stored and shown as written.
DEFAULT_QUESTIONS = (
    ("对联系干部走访的满意度", Topic.CADRE_VISITS),
    ("对诉求办理的满意度", Topic.NEEDS),
    ("对村“两委”的满意度", Topic.VILLAGE_COMMITTEES),
    ("对单位帮扶的满意度", Topic.UNIT_HELP),
)


def _area_fields(area: County | Township | None) -> dict:
    if isinstance(area, Township):
        return {"county_id": area.county_id, "township": area}
    return {"county": area, "township": None}


@transaction.atomic
def open_round(
    *,
    name: str,
    area: County | Township | None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    per_village: int | None = None,
    share: Decimal | None = None,
    reserve_per_village: int = 5,
    max_tries: int = 3,
    least_interviews: int = 10,
    questions: Iterable[tuple[str, str]] | None = None,
    by: AbstractBaseUser | None,
) -> Round:
    """A new round (准备中) over ``area`` (None: the city) with its questions, as
    (text, topic) pairs; the campaign's four when none are given."""
    round = Round(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        per_village=per_village,
        share=share,
        reserve_per_village=reserve_per_village,
        max_tries=max_tries,
        least_interviews=least_interviews,
        created_by=acting_user(by),
        **_area_fields(area),
    )
    check_runs(by, round)
    round.full_clean()
    round.save()
    _write_questions(round, DEFAULT_QUESTIONS if questions is None else questions)
    announce("round_open", round, acting_user(by))
    return round


def _write_questions(round: Round, questions: Iterable[tuple[str, str]]) -> None:
    rows = [
        Question(round=round, text=text, topic=topic, position=position)
        for position, (text, topic) in enumerate(questions, start=1)
    ]
    if not rows:
        raise ValidationError(
            gettext("A survey round asks at least one question."), code="no_questions"
        )
    for row in rows:
        row.full_clean(exclude=["round"])
    Question.objects.bulk_create(rows)


def check_questions_editable(round: Round) -> None:
    """A round's settings and questions change only while it is being prepared."""
    check_status(
        round,
        Status.DRAFT,
        gettext("The questions can be changed only while the round is being prepared."),
    )


@transaction.atomic
def set_questions(
    *, round: Round, questions: Iterable[tuple[str, str]], by: AbstractBaseUser | None
) -> Round:
    """Replace the round's questions while it is being prepared."""
    check_runs(by, round)
    round = locked(round)
    check_questions_editable(round)
    round.questions.all().delete()
    _write_questions(round, questions)
    return round


@transaction.atomic
def start_round(*, round: Round, by: AbstractBaseUser | None) -> Round:
    """准备中 → 测评中: interviews may be recorded from now on."""
    check_runs(by, round)
    round = locked(round)
    check_status(round, Status.DRAFT, gettext("Only a round being prepared can be started."))
    if round.drawn_at is None:
        raise ValidationError(
            gettext("Draw the sample before starting the round."), code="not_drawn"
        )
    round.status = Status.OPEN
    round.opened_at = timezone.now()
    round.save(update_fields=["status", "opened_at"])
    announce("round_start", round, acting_user(by))
    return round


@transaction.atomic
def close_round(*, round: Round, by: AbstractBaseUser | None) -> Round:
    """测评中 → 已结束: the results are computed for the last time and the answers frozen."""
    check_runs(by, round)
    round = locked(round)
    check_status(round, Status.OPEN, gettext("Only a round being interviewed can be closed."))
    compute_results(round=round, by=None)
    round.status = Status.CLOSED
    round.closed_at = timezone.now()
    round.closed_by = acting_user(by)
    round.save(update_fields=["status", "closed_at", "closed_by"])
    announce("round_close", round, acting_user(by))
    return round


@transaction.atomic
def change_round(*, round: Round, by: AbstractBaseUser | None) -> Round:
    """Save a round's settings (as a form set them) while it is being prepared."""
    check_runs(by, round)
    stored = locked(round)
    check_runs(by, stored)
    check_questions_editable(stored)
    round.full_clean()
    round.save()
    return round
