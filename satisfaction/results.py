"""A round's results: counted per village and question, estimated per area.

``compute_results`` writes the ``VillageResult`` rows (refreshed while the round interviews,
final when it closes). ``area_results`` and ``unit_results`` estimate an area's satisfaction
from them, stratified by village: each village weighs by its households, and the 95% margin
of error is 1.96 × √(Σ w² p(1−p)/n × (N−n)/(N−1)). An area with fewer interviews than the
round's least gets no figure. Beside each figure for the linked cadres' visits: what the cadres
recorded after their own visits to the same households, and the gap between the two.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from satisfaction.checks import check_runs
from satisfaction.estimates import rate_and_margin, village_terms
from satisfaction.models import Answer, DrawnVillage, Question, Round, Sample, VillageResult
from units.models import Unit, WorkGroup
from villages.models import County, Township, Village
from visits.models import Satisfaction, Visit

Choice = Answer.Choice
# The cadres' own records looked at: within the round or this many days before it.
SELF_REPORTED_DAYS = 90
SATISFIED_SELF = (Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)


def _self_reported(round: Round) -> dict[int, tuple[int, int]]:
    """Per village: of the interviewed households, how many a cadre's last visit within the
    round (or the 90 days before) recorded a satisfaction for, and how many satisfied."""
    since = round.starts_on - datetime.timedelta(days=SELF_REPORTED_DAYS)
    until = min(round.ends_on, timezone.localdate())
    interviewed = Sample.objects.filter(round=round, status=Sample.Status.INTERVIEWED)
    last: dict[int, tuple[datetime.date, int, int, str]] = {}
    for household_id, village_id, visited_on, pk, satisfaction in (
        Visit.objects.filter(
            household__in=interviewed.values("household_id"),
            visited_on__range=(since, until),
        )
        .exclude(satisfaction="")
        .values_list("household_id", "village_id", "visited_on", "pk", "satisfaction")
    ):
        if household_id not in last or (visited_on, pk) > last[household_id][:2]:
            last[household_id] = (visited_on, pk, village_id, satisfaction)
    # The sample's village, not the visit's: the household may have moved since the draw.
    sample_village = dict(
        interviewed.filter(household_id__in=list(last)).values_list("household_id", "village_id")
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for household_id, (_on, _pk, _village, satisfaction) in last.items():
        village_id = sample_village[household_id]
        counts[village_id][0] += 1
        counts[village_id][1] += satisfaction in SATISFIED_SELF
    return {village_id: (total, good) for village_id, (total, good) in counts.items()}


@transaction.atomic
def compute_results(*, round: Round, by: AbstractBaseUser | None = None) -> int:
    """Write the round's ``VillageResult`` rows afresh; returns how many."""
    check_runs(by, round)
    # As the database has it: results become final when the round closes.
    if Round.objects.filter(pk=round.pk, status=Round.Status.CLOSED).exists():
        raise ValidationError(
            gettext("The round is closed: its results are final."), code="round_closed"
        )
    questions = list(round.questions.values_list("pk", "topic"))
    answers: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for village_id, question_id, choice, count in (
        Answer.objects.filter(sample__round=round, sample__status=Sample.Status.INTERVIEWED)
        .values_list("sample__village_id", "question_id", "choice")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        answers[village_id, question_id][choice] = count
    reported = _self_reported(round)
    rows = []
    for village_id, households in DrawnVillage.objects.filter(round=round).values_list(
        "village_id", "households"
    ):
        for question_id, topic in questions:
            counts = answers.get((village_id, question_id), {})
            own = (
                reported.get(village_id, (0, 0)) if topic == Question.Topic.CADRE_VISITS else (0, 0)
            )
            rows.append(
                VillageResult(
                    round=round,
                    village_id=village_id,
                    question_id=question_id,
                    households=households,
                    interviewed=sum(counts.values()),
                    satisfied=counts.get(Choice.SATISFIED, 0),
                    fairly_satisfied=counts.get(Choice.FAIRLY_SATISFIED, 0),
                    dissatisfied=counts.get(Choice.DISSATISFIED, 0),
                    unknown=counts.get(Choice.UNKNOWN, 0),
                    self_reported=own[0],
                    self_reported_satisfied=own[1],
                )
            )
    VillageResult.objects.filter(round=round).delete()
    VillageResult.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# The topic of the figure that pools every question of the round.
ALL_QUESTIONS = "all"


@dataclass
class Figure:
    """One question's estimate over an area; ``rate`` and ``margin`` are fractions (0–1) and
    None when too few were interviewed to publish."""

    question_id: int
    question: str
    topic: str
    villages: int
    households: int
    interviewed: int
    responses: int
    rate: float | None
    margin: float | None
    published: bool
    self_reported: int = 0
    self_reported_rate: float | None = None

    @property
    def gap_points(self) -> float | None:
        """The cadres' own rate less the measured one, in percentage points."""
        if self.rate is None or self.self_reported_rate is None:
            return None
        return (self.self_reported_rate - self.rate) * 100


@dataclass
class AreaResult:
    """A round's figures over one area (a village, unit, township, county or the city)."""

    round: Round
    name: str
    least_interviews: int
    figures: list[Figure] = field(default_factory=list)
    # "county", "township" or "village" in an area's breakdown; "" for the area itself.
    level: str = ""

    @property
    def interviewed(self) -> int:
        return max((figure.interviewed for figure in self.figures), default=0)

    @property
    def published(self) -> bool:
        return any(figure.published for figure in self.figures)


def village_rate(row: VillageResult) -> float | None:
    """(满意 + 基本满意) / (受访 − 不了解); None when nobody answered other than 不了解."""
    responses = row.interviewed - row.unknown
    return (row.satisfied + row.fairly_satisfied) / responses if responses else None


def estimate(rows: Iterable[VillageResult]) -> tuple[float | None, float | None]:
    """The stratified rate over villages weighted by households, and its 95% margin of error,
    among the households that answered other than 不了解."""
    population, weighted, variance = 0, 0.0, 0.0
    for row in rows:
        responses = row.interviewed - row.unknown
        pleased = row.satisfied + row.fairly_satisfied
        weight, term, spread = village_terms(row.households, responses, responses, pleased)
        population += weight
        weighted += term
        variance += spread
    return rate_and_margin(population, weighted, variance)


def _figures(
    round: Round, rows: list[VillageResult], questions: list[Question] | None = None
) -> list[Figure]:
    if questions is None:
        questions = list(round.questions.order_by("position", "pk"))
    by_question: dict[int, list[VillageResult]] = defaultdict(list)
    for row in rows:
        by_question[row.question_id].append(row)
    figures = []
    for question in questions:
        own = by_question.get(question.pk, [])
        interviewed = sum(row.interviewed for row in own)
        published = interviewed >= round.least_interviews and interviewed > 0
        rate, margin = estimate(own) if published else (None, None)
        reported = sum(row.self_reported for row in own)
        reported_good = sum(row.self_reported_satisfied for row in own)
        figures.append(
            Figure(
                question_id=question.pk,
                question=question.text,
                topic=question.topic,
                villages=len(own),
                households=sum(row.households for row in own),
                interviewed=interviewed,
                responses=sum(row.interviewed - row.unknown for row in own),
                rate=rate,
                margin=margin,
                published=published and rate is not None,
                self_reported=reported,
                self_reported_rate=reported_good / reported if reported else None,
            )
        )
    if len(questions) > 1:
        figures.append(_all_questions(round, rows))
    return figures


def _all_questions(round: Round, rows: list[VillageResult]) -> Figure:
    """Every question's answers pooled, village by village: the one figure of the round the
    dashboard and the ranking show (``shuanglian.figures.survey_stats`` sums the same terms)."""
    villages: dict[int, list[VillageResult]] = defaultdict(list)
    for row in rows:
        villages[row.village_id].append(row)
    population, weighted, variance = 0, 0.0, 0.0
    households = interviewed = responses = reported = reported_good = 0
    for own in villages.values():
        # Every question's row of a village counts the same households and interviews.
        n_households = max(row.households for row in own)
        n_interviewed = max(row.interviewed for row in own)
        answered = sum(row.interviewed - row.unknown for row in own)
        pleased = sum(row.satisfied + row.fairly_satisfied for row in own)
        weight, term, spread = village_terms(n_households, n_interviewed, answered, pleased)
        population += weight
        weighted += term
        variance += spread
        households += n_households
        interviewed += n_interviewed
        responses += answered
        reported += max(row.self_reported for row in own)
        reported_good += max(row.self_reported_satisfied for row in own)
    published = interviewed >= round.least_interviews and interviewed > 0
    rate, margin = rate_and_margin(population, weighted, variance) if published else (None, None)
    return Figure(
        question_id=0,
        question=gettext("All questions together"),
        topic=ALL_QUESTIONS,
        villages=len(villages),
        households=households,
        interviewed=interviewed,
        responses=responses,
        rate=rate,
        margin=margin,
        published=published and rate is not None,
        self_reported=reported,
        self_reported_rate=reported_good / reported if reported else None,
    )


def results_by_area(round: Round, villages: Iterable[int] | None = None) -> list[AreaResult]:
    """The round's figures over its whole area and each county, township and village in it,
    from one read of its village rows (only ``villages``' when given), largest areas first."""
    rows = VillageResult.objects.filter(round=round).select_related("village__township__county")
    if villages is not None:
        rows = rows.filter(village_id__in=villages)
    groups: dict[tuple, list[VillageResult]] = defaultdict(list)
    names: dict[tuple, str] = {}
    for row in rows:
        village = row.village
        township = village.township
        for key, name in (
            ((-1, "", 0), ""),
            ((0, "county", township.county_id), township.county.name),
            ((1, "township", township.pk), f"{township.county.name}{township.name}"),
            ((2, "village", village.pk), f"{township.name}{village.name}"),
        ):
            groups[key].append(row)
            names[key] = name
    questions = list(round.questions.order_by("position", "pk"))
    results = []
    for key in sorted(groups, key=lambda key: (key[0], names[key])):
        result = AreaResult(
            round=round,
            name=names[key],
            least_interviews=round.least_interviews,
            figures=_figures(round, groups[key], questions),
            level=key[1],
        )
        results.append(result)
    return results


def _result(round: Round, name: str, villages: Iterable[int] | None) -> AreaResult:
    rows = VillageResult.objects.filter(round=round)
    if villages is not None:
        rows = rows.filter(village_id__in=villages)
    return AreaResult(
        round=round,
        name=name,
        least_interviews=round.least_interviews,
        figures=_figures(round, list(rows)),
    )


def area_results(round: Round, area: County | Township | Village | None) -> AreaResult:
    """The round's figures over ``area`` (None: all the round covers)."""
    if area is None:
        return _result(round, str(round.area or ""), None)
    villages = Village.objects.in_area(area).values("pk")
    return _result(round, area.name, villages)


def unit_results(round: Round, unit: Unit) -> AreaResult:
    """The round's figures over the villages ``unit`` links."""
    villages = WorkGroup.objects.filter(unit=unit).values("village_id")
    return _result(round, unit.name, villages)
