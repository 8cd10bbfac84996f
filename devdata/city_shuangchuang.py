"""双创 data of the synthetic city: every village's party organisation assessments of this year
and last, with rectification items for those below the standard, three city-wide survey rounds
(two closed, one under way) with each village's results, and the ranking weights.

Written from the villages and work groups already in the database, so that it can be added to
a city generated before (``generate_city_data --shuangchuang-only``) as well as with a new one;
writing it again replaces what it wrote before (its checklists, assessments and rounds).
Survey results are written as village totals directly, without the sampled households.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, Checklist, Criterion, RectificationItem
from satisfaction.models import Question, Round, VillageResult
from shuanglian.figures import rollups
from shuanglian.models import (
    RankingWeights,
    VillageFigures,
)
from units.models import WorkGroup
from villages.models import Village

BATCH = 5000
CRITERIA = [
    (Criterion.Group.TEAM, "村“两委”班子团结有力，议事规则健全", "15.0"),
    (Criterion.Group.MEMBERS, "党员教育管理规范，作用发挥明显", "15.0"),
    (Criterion.Group.VENUE, "便民服务中心阵地达标，标识统一", "20.0"),
    (Criterion.Group.MECHANISM, "代办、值班、承诺践诺等服务机制落实", "20.0"),
    (Criterion.Group.RESULTS, "为民办实事成效明显", "20.0"),
    (Criterion.Group.SATISFACTION, "群众满意度测评达到要求", "10.0"),
]
QUESTIONS = [
    (Question.Topic.CADRE_VISITS, "对联系干部走访的满意度"),
    (Question.Topic.NEEDS, "对诉求办理的满意度"),
    (Question.Topic.VILLAGE_COMMITTEES, "对村“两委”的满意度"),
    (Question.Topic.UNIT_HELP, "对单位帮扶的满意度"),
]
TASKS = ["便民服务中心标识不全", "党员活动记录不完整", "代办服务台账缺失", "议事公开不及时"]


def round_names(year: int) -> list[tuple[str, int, str]]:
    """The rounds written: name, days before today that interviews ended, status."""
    return [
        (f"{year - 1}年第四季度群众满意度测评", 300, Round.Status.CLOSED),
        (f"{year}年第二季度群众满意度测评", 150, Round.Status.CLOSED),
        (f"{year}年第四季度群众满意度测评", -10, Round.Status.OPEN),
    ]


@transaction.atomic
def write_shuangchuang(*, seed: int, today: datetime.date | None = None) -> dict[str, int]:
    """Write (or write again) the city's 双创 data; the rows written by table."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}:shuangchuang")  # noqa: S311 - synthetic data
    year = today.year
    names = [name for name, _, _ in round_names(year)]
    Round.objects.filter(name__in=names).delete()
    RectificationItem.objects.filter(assessment__year__in=[year - 1, year]).delete()
    Assessment.objects.filter(year__in=[year - 1, year]).delete()
    Checklist.objects.filter(year__in=[year - 1, year]).delete()
    villages = list(Village.objects.order_by("pk").values_list("pk", flat=True))
    groups = dict(WorkGroup.objects.order_by("-pk").values_list("village", "pk"))
    # The villages' households from their figures: counting 2.7 million rows again is slow.
    rollups.bring_up_to_date(today)
    households = dict(VillageFigures.objects.values_list("village", "households"))
    counts: dict[str, int] = {}
    items = []
    for checklist_year in (year - 1, year):
        checklist = Checklist.objects.create(
            year=checklist_year, name=f"{checklist_year}年创建标准"
        )
        Criterion.objects.bulk_create(
            Criterion(
                checklist=checklist, group=group, title=title, weight=Decimal(weight), position=n
            )
            for n, (group, title, weight) in enumerate(CRITERIA)
        )
        rows = [
            _assessment(
                rng, checklist, village, groups.get(village), this_year=checklist_year == year
            )
            for village in villages
        ]
        made = Assessment.objects.bulk_create(rows, batch_size=BATCH)
        counts[f"assessments {checklist_year}"] = len(made)
        for assessment in made:
            if assessment.up_to_standard is False:
                items += _rectification(rng, assessment, today, this_year=checklist_year == year)
    RectificationItem.objects.bulk_create(items, batch_size=BATCH)
    counts["rectification items"] = len(items)
    counts["village results"] = _rounds(rng, year, today, villages, households)
    RankingWeights.objects.get_or_create(year=year)
    rollups.bring_up_to_date(today)
    return counts


def _assessment(
    rng: random.Random, checklist: Checklist, village: int, group: int | None, *, this_year: bool
) -> Assessment:
    # Last year's are all approved; this year's at every step.
    step = rng.random() if this_year else 0.0
    status = (
        Assessment.Status.APPROVED
        if step < 0.55
        else Assessment.Status.REVIEWED
        if step < 0.70
        else Assessment.Status.SUBMITTED
        if step < 0.85
        else Assessment.Status.DRAFT
    )
    self_total = Decimal(str(round(min(max(rng.gauss(84, 8), 40), 100) * 2) / 2))
    reviewed = status in (Assessment.Status.REVIEWED, Assessment.Status.APPROVED)
    review_total = max(self_total - Decimal(str(rng.choice([0, 0.5, 1, 2, 4, 6]))), Decimal(30))
    approved = status == Assessment.Status.APPROVED
    moment = timezone.now()
    return Assessment(
        village_id=village,
        checklist=checklist,
        year=checklist.year,
        work_group_id=group,
        status=status,
        self_total=None if status == Assessment.Status.DRAFT else self_total,
        review_total=review_total if reviewed else None,
        stars=checklist.stars_for(review_total) if approved else None,
        up_to_standard=review_total >= checklist.standard_score if approved else None,
        submitted_at=None if status == Assessment.Status.DRAFT else moment,
        reviewed_at=moment if reviewed else None,
        approved_at=moment if approved else None,
    )


def _rectification(
    rng: random.Random, assessment: Assessment, today: datetime.date, *, this_year: bool
) -> list[RectificationItem]:
    items = []
    for task in rng.sample(TASKS, rng.randint(1, 3)):
        deadline = today + datetime.timedelta(days=rng.randint(-60, 60) if this_year else -200)
        roll = rng.random()
        status = (
            RectificationItem.Status.ACCEPTED
            if roll < (0.3 if this_year else 0.9)
            else RectificationItem.Status.DONE
            if roll < 0.5
            else RectificationItem.Status.OPEN
        )
        items.append(
            RectificationItem(
                assessment=assessment,
                task=task,
                responsible="村党支部书记",
                deadline=deadline,
                status=status,
                accepted_at=timezone.now() if status == RectificationItem.Status.ACCEPTED else None,
            )
        )
    return items


def _rounds(
    rng: random.Random,
    year: int,
    today: datetime.date,
    villages: list[int],
    households: dict[int, int],
) -> int:
    written = 0
    # Each village's level of satisfaction, drifting a little from round to round.
    level = {village: min(max(rng.gauss(0.86, 0.07), 0.4), 0.99) for village in villages}
    for name, ended, status in round_names(year):
        ends_on = today - datetime.timedelta(days=ended)
        closed = status == Round.Status.CLOSED
        survey = Round.objects.create(
            name=name,
            starts_on=ends_on - datetime.timedelta(days=30),
            ends_on=ends_on,
            per_village=20,
            seed=rng.randrange(2**31),
        )
        Round.objects.filter(pk=survey.pk).update(
            status=status,
            opened_at=timezone.now(),
            closed_at=timezone.now() - datetime.timedelta(days=max(ended, 0)) if closed else None,
        )
        questions = Question.objects.bulk_create(
            Question(round=survey, text=text, topic=topic, position=n)
            for n, (topic, text) in enumerate(QUESTIONS)
        )
        rows = []
        for village in villages:
            population = households.get(village, 0)
            if not population:
                continue
            level[village] = min(max(level[village] + rng.gauss(0.01, 0.02), 0.4), 0.99)
            # A few villages were hard to reach; the open round is under way.
            reach = 0.3 if rng.random() < 0.03 else 0.95
            if not closed:
                reach *= 0.4
            interviewed = sum(rng.random() < reach for _ in range(min(20, population)))
            own = round(interviewed * 0.7)
            own_pleased = sum(rng.random() < min(level[village] + 0.1, 1.0) for _ in range(own))
            for question in questions:
                answers = [_answer(rng, level[village]) for _ in range(interviewed)]
                rows.append(
                    VillageResult(
                        round=survey,
                        village_id=village,
                        question=question,
                        households=population,
                        interviewed=interviewed,
                        satisfied=answers.count("s"),
                        fairly_satisfied=answers.count("f"),
                        dissatisfied=answers.count("d"),
                        unknown=answers.count("u"),
                        self_reported=own,
                        self_reported_satisfied=own_pleased,
                    )
                )
        VillageResult.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def _answer(rng: random.Random, pleased: float) -> str:
    roll = rng.random()
    if roll < 0.03:
        return "u"
    if roll < 0.03 + 0.97 * pleased * 0.7:
        return "s"
    if roll < 0.03 + 0.97 * pleased:
        return "f"
    return "d"
