"""A round's results: counted per village and question, estimated per area weighted by the
villages' households, with the 95% margin of error and its finite-population correction; no
figure where too few were interviewed; beside it the cadres' own records and the gap."""

import datetime
import io
import math
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from satisfaction.interviews import record_attempt
from satisfaction.models import Question, Round, Sample, VillageResult
from satisfaction.results import area_results, compute_results, estimate, unit_results
from satisfaction.rounds import close_round
from tests.factories import (
    make_cadre,
    make_household,
    make_open_round,
    make_township,
    make_user,
    make_village,
    make_visit,
    make_work_group,
)

pytestmark = pytest.mark.django_db


def row(households: int, satisfied: int, fair: int, dissatisfied: int, unknown: int) -> object:
    return VillageResult(
        households=households,
        interviewed=satisfied + fair + dissatisfied + unknown,
        satisfied=satisfied,
        fairly_satisfied=fair,
        dissatisfied=dissatisfied,
        unknown=unknown,
    )


def test_the_margin_of_error_matches_a_hand_computation() -> None:
    # Village A: 100 households, 10 answered, 8 of them satisfied: p = 0.8, n = 10.
    # Village B: 300 households, 10 asked, 2 did not know, 4 of 8 satisfied: p = 0.5, n = 8.
    rate, margin = estimate([row(100, 6, 2, 2, 0), row(300, 3, 1, 4, 2)])
    assert rate == pytest.approx(0.25 * 0.8 + 0.75 * 0.5)
    variance = 0.25**2 * 0.8 * 0.2 / 10 * (90 / 99) + 0.75**2 * 0.5 * 0.5 / 8 * (292 / 299)
    assert margin == pytest.approx(1.96 * math.sqrt(variance))
    assert margin == pytest.approx(0.2635, abs=1e-4)


def test_a_village_interviewed_whole_has_no_sampling_error() -> None:
    rate, margin = estimate([row(5, 3, 1, 1, 0)])
    assert (rate, margin) == (pytest.approx(0.8), 0.0)


def test_a_village_where_nobody_gave_an_answer_weighs_nothing() -> None:
    rate, _margin = estimate([row(100, 0, 0, 0, 3), row(100, 1, 0, 1, 0)])
    assert rate == pytest.approx(0.5)


@pytest.fixture
def township() -> object:
    return make_township(name="甲镇")


@pytest.fixture
def villages(township: object) -> list:
    found = []
    for name, size in (("甲村", 8), ("乙村", 16)):
        village = make_village(township=township, name=name)
        for _ in range(size):
            make_household(village=village)
        found.append(village)
    return found


@pytest.fixture
def interviewer() -> object:
    return make_cadre(name="测评员", user=make_user("interviewer"))


def interview(round: Round, village: object, by: object, choices: list[str]) -> list[Sample]:
    samples = list(
        Sample.objects.filter(round=round, village=village, status="pending").order_by("draw_order")
    )[: len(choices)]
    questions = round.questions.values_list("pk", flat=True)
    for sample, choice in zip(samples, choices, strict=True):
        record_attempt(
            sample=sample,
            method="phone",
            reached=True,
            answers=dict.fromkeys(questions, choice),
            submission_key=uuid.uuid4(),
            by=by,
        )
    return samples


def cadre_visits(round: Round) -> Question:
    return round.questions.get(topic=Question.Topic.CADRE_VISITS)


def test_village_results_count_the_answers_and_the_population(
    township, villages, interviewer
) -> None:
    round = make_open_round(
        township, interviewers=dict.fromkeys(villages, interviewer), per_village=4
    )
    interview(round, villages[0], interviewer.user, ["satisfied", "fair", "unknown"])
    assert compute_results(round=round, by=None) == 8
    result = VillageResult.objects.get(
        round=round, village=villages[0], question=cadre_visits(round)
    )
    assert (result.households, result.interviewed) == (8, 3)
    assert (result.satisfied, result.fairly_satisfied, result.dissatisfied, result.unknown) == (
        1,
        1,
        0,
        1,
    )
    empty = VillageResult.objects.get(
        round=round, village=villages[1], question=cadre_visits(round)
    )
    assert (empty.households, empty.interviewed) == (16, 0)


def test_an_area_with_too_few_interviews_gets_no_figure(township, villages, interviewer) -> None:
    round = make_open_round(
        township,
        interviewers=dict.fromkeys(villages, interviewer),
        per_village=4,
        least_interviews=5,
    )
    interview(round, villages[0], interviewer.user, ["satisfied"] * 4)
    compute_results(round=round, by=None)
    village_figure = area_results(round, villages[0]).figures[0]
    assert (village_figure.interviewed, village_figure.published, village_figure.rate) == (
        4,
        False,
        None,
    )
    interview(round, villages[1], interviewer.user, ["dissatisfied"] * 2)
    compute_results(round=round, by=None)
    township_figure = area_results(round, township).figures[0]
    assert township_figure.published
    assert township_figure.interviewed == 6
    # 8 households all satisfied, 16 none: weighted 1/3.
    assert township_figure.rate == pytest.approx(1 / 3)
    assert township_figure.households == 24


def test_the_cadres_own_records_are_set_beside_with_the_gap(
    township, villages, interviewer
) -> None:
    round = make_open_round(township, interviewers={villages[0]: interviewer}, per_village=4)
    samples = interview(
        round, villages[0], interviewer.user, ["satisfied", "dissatisfied", "dissatisfied", "fair"]
    )
    linked = make_cadre()
    on = round.starts_on - datetime.timedelta(days=10)
    for sample in samples[:3]:
        make_visit(household=sample.household, cadre=linked, visited_on=on, satisfaction="fair")
    # The last visit counts: this household's earlier record of dissatisfaction does not.
    make_visit(
        household=samples[3].household,
        cadre=linked,
        visited_on=on - datetime.timedelta(days=5),
        satisfaction="dissatisfied",
    )
    make_visit(
        household=samples[3].household, cadre=linked, visited_on=on, satisfaction="satisfied"
    )
    # Too old to count.
    make_visit(
        household=samples[0].household,
        cadre=linked,
        visited_on=round.starts_on - datetime.timedelta(days=91),
        satisfaction="dissatisfied",
    )
    compute_results(round=round, by=None)
    result = VillageResult.objects.get(
        round=round, village=villages[0], question=cadre_visits(round)
    )
    assert (result.self_reported, result.self_reported_satisfied) == (4, 4)
    other = VillageResult.objects.exclude(question=cadre_visits(round)).filter(village=villages[0])
    assert {(r.self_reported, r.self_reported_satisfied) for r in other} == {(0, 0)}
    figure = area_results(round, villages[0]).figures[0]
    assert figure.rate == pytest.approx(0.5)
    assert figure.self_reported_rate == pytest.approx(1.0)
    assert figure.gap_points == pytest.approx(50.0)


def test_a_units_figures_cover_the_villages_it_links(township, villages, interviewer) -> None:
    round = make_open_round(
        township, interviewers=dict.fromkeys(villages, interviewer), per_village=4
    )
    interview(round, villages[0], interviewer.user, ["satisfied"] * 2)
    interview(round, villages[1], interviewer.user, ["dissatisfied"] * 2)
    unit = make_work_group(village=villages[1]).unit
    compute_results(round=round, by=None)
    figure = unit_results(round, unit).figures[0]
    assert (figure.interviewed, figure.rate, figure.villages) == (2, 0.0, 1)


def test_closing_the_round_fixes_its_results(township, villages, interviewer) -> None:
    round = make_open_round(township, interviewers={villages[0]: interviewer}, per_village=4)
    interview(round, villages[0], interviewer.user, ["satisfied"])
    close_round(round=round, by=None)
    assert (
        VillageResult.objects.filter(round=round, village=villages[0], interviewed=1).count() == 4
    )
    with pytest.raises(ValidationError) as refused:
        compute_results(round=round, by=None)
    assert refused.value.messages == ["本轮测评已结束，结果已定。"]


def test_the_command_counts_an_open_rounds_results_and_refuses_a_closed_one(
    township, villages, interviewer
) -> None:
    round = make_open_round(township, interviewers={villages[0]: interviewer}, per_village=4)
    output = io.StringIO()
    call_command("compute_results", "--round", str(round.pk), stdout=output)
    assert "已写入8条村测评结果。" in output.getvalue()
    close_round(round=round, by=None)
    with pytest.raises(CommandError, match="本轮测评已结束，结果已定。"):
        call_command("compute_results", "--round", str(round.pk))
