"""Demo satisfaction surveys: last quarter's round closed with its results, and this quarter's
interviewing, with interviewers from outside each village's units and work groups.

The rounds are opened, drawn, staffed, started and closed through the ``satisfaction``
services as the system. Last quarter's interviews are written as they stand in the record
(the service takes only what an interviewer sends today); this quarter's wait for the
interviewers, among them the demo login ``cadre1`` in a village their unit does not link.
"""

import datetime
import random
import uuid

from django.db.models import Q
from django.utils import timezone

from satisfaction.draw import draw_sample
from satisfaction.independence import blocked_pairs
from satisfaction.interviewers import assign_interviewer, assign_interviewers
from satisfaction.models import Answer, Attempt, Round, Sample
from satisfaction.results import compute_results
from satisfaction.rounds import close_round, open_round, start_round
from units.models import Cadre
from villages.models import Village

QUARTERS = "一二三四"
CHOICES = [
    (Answer.Choice.SATISFIED, 55),
    (Answer.Choice.FAIRLY_SATISFIED, 25),
    (Answer.Choice.DISSATISFIED, 12),
    (Answer.Choice.UNKNOWN, 8),
]


def _quarter(day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The quarter holding ``day``: its first and last days and its name."""
    index = (day.month - 1) // 3
    first = datetime.date(day.year, index * 3 + 1, 1)
    next_first = (
        datetime.date(day.year + 1, 1, 1)
        if index == 3
        else datetime.date(day.year, index * 3 + 4, 1)
    )
    return first, next_first - datetime.timedelta(days=1), f"{day.year}年第{QUARTERS[index]}季度"


def demo_interviewer() -> Cadre | None:
    """The cadre ``ensure_demo_logins`` signs in as cadre1: the first in service with households."""
    return (
        Cadre.objects.filter(in_service=True, assignments__ended_on__isnull=True)
        .order_by("pk")
        .first()
    )


def load_surveys(rng: random.Random, today: datetime.date) -> None:
    """Last quarter's closed round and this quarter's open one, once."""
    if Round.objects.exists():
        return
    this_first, this_last, this_name = _quarter(today)
    last_first, last_last, last_name = _quarter(this_first - datetime.timedelta(days=1))
    _closed_round(rng, last_name, last_first, last_last, today)
    _open_round(this_name, this_first, this_last)


def _staffed(round: Round) -> Round:
    round = draw_sample(round=round, by=None, seed=2026)
    assign_interviewers(round=round, by=None, pool=Cadre.objects.filter(in_service=True))
    return round


def _closed_round(
    rng: random.Random,
    name: str,
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
) -> None:
    # Open until today while the record is written, then given back its own dates.
    round = open_round(
        name=name,
        area=None,
        starts_on=first,
        ends_on=today,
        per_village=8,
        reserve_per_village=3,
        least_interviews=10,
        by=None,
    )
    round = start_round(round=_staffed(round), by=None)
    questions = list(round.questions.values_list("pk", flat=True))
    days = (last - first).days
    for sample in Sample.objects.filter(round=round, status=Sample.Status.PENDING).exclude(
        interviewer=None
    ):
        _interviewed(rng, sample, questions, first + datetime.timedelta(days=rng.randrange(days)))
    close_round(round=round, by=None)
    began = timezone.make_aware(datetime.datetime.combine(first, datetime.time(9)))
    ended = timezone.make_aware(datetime.datetime.combine(last, datetime.time(18)))
    Round.objects.filter(pk=round.pk).update(
        ends_on=last, drawn_at=began, opened_at=began, closed_at=ended
    )


def _interviewed(
    rng: random.Random, sample: Sample, questions: list[int], on: datetime.date
) -> None:
    """One household's tries and answers as recorded on ``on``: a missed call or two first,
    sometimes."""
    at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
    misses = rng.choices([0, 1, 2], weights=[70, 20, 10])[0]
    for miss in range(misses):
        Attempt.objects.create(
            sample=sample,
            method=Attempt.Method.PHONE,
            reached=False,
            note="无人接听",
            by_id=sample.interviewer_id,
            at=at - datetime.timedelta(days=misses - miss),
            submission_key=uuid.UUID(int=rng.getrandbits(128)),
        )
    method = rng.choice(Attempt.Method.values)
    Attempt.objects.create(
        sample=sample,
        method=method,
        reached=True,
        by_id=sample.interviewer_id,
        at=at,
        submission_key=uuid.UUID(int=rng.getrandbits(128)),
    )
    choices = [c for c, _weight in CHOICES]
    weights = [weight for _c, weight in CHOICES]
    Answer.objects.bulk_create(
        Answer(sample=sample, question_id=pk, choice=rng.choices(choices, weights=weights)[0])
        for pk in questions
    )
    Sample.objects.filter(pk=sample.pk).update(
        status=Sample.Status.INTERVIEWED,
        tries=misses + 1,
        interviewed_at=at,
        method=method,
        comment=rng.choice(["", "", "希望多开展技能培训", "村里道路需要硬化"]),
    )


def _open_round(name: str, first: datetime.date, last: datetime.date) -> None:
    round = open_round(
        name=name,
        area=None,
        starts_on=first,
        ends_on=last,
        per_village=8,
        reserve_per_village=3,
        least_interviews=10,
        by=None,
    )
    round = draw_sample(round=round, by=None, seed=2027)
    cadre = demo_interviewer()
    if cadre is not None:
        # cadre1's households to ask: in the first village the rule lets them into.
        blocked = blocked_pairs([cadre])
        village = (
            Village.objects.filter(~Q(pk__in=[v for c, v in blocked if c == cadre.pk]))
            .order_by("code")
            .first()
        )
        if village is not None:
            assign_interviewer(round=round, village=village, cadre=cadre, by=None)
    others = Cadre.objects.filter(in_service=True)
    if cadre is not None:
        others = others.exclude(pk=cadre.pk)
    assign_interviewers(round=round, by=None, pool=others)
    start_round(round=round, by=None)
    compute_results(round=round, by=None)
