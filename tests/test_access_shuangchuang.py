"""Who sees the 双创 records and who may take their steps: the visibility rules and decisions
that every service, page and export of assessments and survey rounds starts from."""

import datetime
from decimal import Decimal
from typing import Any

import pytest

from assessments import rules as assessment_rules
from assessments.models import Assessment, Checklist, Criterion, CriterionScore
from satisfaction import rules as survey_rules
from satisfaction.models import Answer, Interviewer, Question, Round, Sample, VillageResult
from tests.conftest import ScopeWorld
from tests.factories import make_cadre, make_unit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def _assessment(place: Any, checklist: Checklist) -> Assessment:
    assessment = Assessment.objects.create(
        village=place.village, checklist=checklist, year=checklist.year
    )
    criterion = checklist.criteria.first()
    CriterionScore.objects.create(assessment=assessment, criterion=criterion)
    return assessment


@pytest.fixture
def assessed(scope_world: ScopeWorld) -> dict[str, Assessment]:
    checklist = Checklist.objects.create(year=2026, name="服务型党组织创建标准")
    Criterion.objects.create(
        checklist=checklist, group=Criterion.Group.TEAM, title="班子团结", weight=Decimal(10)
    )
    return {
        name: _assessment(getattr(scope_world, name), checklist)
        for name in ("home", "next_door", "far")
    }


def _round(name: str, **area: Any) -> Round:
    return Round.objects.create(
        name=name,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=30),
        per_village=2,
        **area,
    )


@pytest.fixture
def rounds(scope_world: ScopeWorld) -> dict[str, Round]:
    home_township = scope_world.home.village.township
    return {
        "city": _round("全市第四季度"),
        "county": _round("甲县第四季度", county=home_township.county),
        "home_township": _round("甲镇第四季度", township=home_township),
        "next_door_township": _round(
            "乙镇第四季度", township=scope_world.next_door.village.township
        ),
        "far_county": _round("曹县第四季度", county=scope_world.far.village.township.county),
    }


def _visible(model: type, user: Any) -> set[int]:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def test_assessments_are_seen_by_the_coordinators_over_the_village_and_its_linked_unit(
    scope_world: ScopeWorld, assessed: dict[str, Assessment]
) -> None:
    users = scope_world.users
    home, next_door, far = (assessed[name].pk for name in ("home", "next_door", "far"))
    assert _visible(Assessment, users["city"]) == {home, next_door, far}
    assert _visible(Assessment, users["county"]) == {home, next_door}
    assert _visible(Assessment, users["township"]) == {home}
    assert _visible(Assessment, users["liaison"]) == {home}
    assert _visible(Assessment, users["other_liaison"]) == {next_door}
    for nobody in ("cadre", "auditor", "no_role"):
        assert _visible(Assessment, users[nobody]) == set()
        assert _visible(CriterionScore, users[nobody]) == set()
    assert _visible(CriterionScore, users["township"]) == set(
        assessed["home"].scores.values_list("pk", flat=True)
    )


def test_rounds_are_seen_where_their_area_meets_the_users(
    scope_world: ScopeWorld, rounds: dict[str, Round]
) -> None:
    users = scope_world.users

    def names(user: str) -> set[str]:
        return set(Round.objects.visible_to(users[user]).values_list("name", flat=True))

    assert names("city") == {r.name for r in rounds.values()}
    assert names("county") == {"全市第四季度", "甲县第四季度", "甲镇第四季度", "乙镇第四季度"}
    assert names("township") == {"全市第四季度", "甲县第四季度", "甲镇第四季度"}
    assert names("liaison") == {"全市第四季度", "甲县第四季度", "甲镇第四季度"}
    assert names("other_liaison") == {"全市第四季度", "甲县第四季度", "乙镇第四季度"}
    assert names("auditor") == set()
    # A cadre sees only the rounds they interview in.
    assert names("cadre") == set()
    Interviewer.objects.create(
        round=rounds["far_county"], village=scope_world.far.village, cadre=scope_world.home.cadre
    )
    assert names("cadre") == {"曹县第四季度"}


def test_drawn_households_are_hidden_from_the_villages_units_and_shown_to_their_interviewer(
    scope_world: ScopeWorld, rounds: dict[str, Round]
) -> None:
    users = scope_world.users
    city_round = rounds["city"]
    question = Question.objects.create(round=city_round, text="对联系干部走访的满意度")
    interviewer = scope_world.home.cadre  # the cadre account's cadre, of the home unit
    far = scope_world.far
    drawn = Sample.objects.create(
        round=city_round,
        household=far.household,
        village=far.village,
        stratum=far.household.category,
        draw_order=1,
        status=Sample.Status.PENDING,
        interviewer=interviewer,
    )
    reserve = make_household_sample(city_round, far, order=2, interviewer=interviewer)
    elsewhere = Sample.objects.create(
        round=city_round,
        household=scope_world.home.household,
        village=scope_world.home.village,
        stratum=scope_world.home.household.category,
        draw_order=1,
        status=Sample.Status.PENDING,
    )
    answer = Answer.objects.create(sample=drawn, question=question, choice="satisfied")
    assert _visible(Sample, users["cadre"]) == {drawn.pk}
    assert _visible(Answer, users["cadre"]) == {answer.pk}
    assert _visible(Sample, users["city"]) == {drawn.pk, reserve.pk, elsewhere.pk}
    assert _visible(Sample, users["township"]) == {elsewhere.pk}
    assert _visible(Sample, users["county"]) == {elsewhere.pk}
    # The liaison of the unit linked to the home village never learns who was drawn there.
    assert _visible(Sample, users["liaison"]) == set()
    assert _visible(Answer, users["liaison"]) == set()
    # Counts without names are theirs to see.
    result = VillageResult.objects.create(
        round=city_round,
        village=scope_world.home.village,
        question=question,
        households=10,
        interviewed=1,
        satisfied=1,
        fairly_satisfied=0,
        dissatisfied=0,
        unknown=0,
    )
    assert _visible(VillageResult, users["liaison"]) == {result.pk}
    assert _visible(VillageResult, users["other_liaison"]) == set()
    assert _visible(VillageResult, users["cadre"]) == set()


def make_household_sample(round_: Round, place: Any, *, order: int, interviewer: Any) -> Sample:
    from tests.factories import make_household

    household = make_household(village=place.village, head_name="备选户主")
    return Sample.objects.create(
        round=round_,
        household=household,
        village=place.village,
        stratum=household.category,
        draw_order=order,
        status=Sample.Status.RESERVE,
        interviewer=interviewer,
    )


def test_interviewers_are_seen_by_their_unit_their_area_and_themselves(
    scope_world: ScopeWorld, rounds: dict[str, Round]
) -> None:
    users = scope_world.users
    outsider = make_cadre(unit=make_unit(name="外单位"), name="外单位干部")
    in_home = Interviewer.objects.create(
        round=rounds["city"], village=scope_world.home.village, cadre=outsider
    )
    by_home_cadre = Interviewer.objects.create(
        round=rounds["city"], village=scope_world.far.village, cadre=scope_world.home.cadre
    )
    assert _visible(Interviewer, users["township"]) == {in_home.pk}
    assert _visible(Interviewer, users["liaison"]) == {by_home_cadre.pk}
    assert _visible(Interviewer, users["cadre"]) == {by_home_cadre.pk}
    assert _visible(Interviewer, users["city"]) == {in_home.pk, by_home_cadre.pk}


@pytest.mark.parametrize(
    ("user", "fills", "reviews", "approves"),
    [
        ("city", True, True, True),
        ("county", False, False, True),
        ("township", True, True, False),
        ("other_township", False, False, False),
        ("liaison", True, False, False),
        ("other_liaison", False, False, False),
        ("cadre", False, False, False),
        ("auditor", False, False, False),
    ],
)
def test_each_step_of_an_assessment_belongs_to_one_level(
    scope_world: ScopeWorld, user: str, fills: bool, reviews: bool, approves: bool
) -> None:
    account = scope_world.users[user]
    village = scope_world.home.village
    assert assessment_rules.may_fill(account, village) is fills
    assert assessment_rules.may_review(account, village) is reviews
    assert assessment_rules.may_approve(account, village) is approves
    assert assessment_rules.may_keep_checklist(account) is (user == "city")


def test_a_round_is_run_by_the_coordinators_whose_area_holds_it(scope_world: ScopeWorld) -> None:
    users = scope_world.users
    home_township = scope_world.home.village.township
    county = home_township.county
    far_county = scope_world.far.village.township.county
    assert survey_rules.may_run(users["city"], None)
    assert survey_rules.may_run(users["city"], far_county)
    assert survey_rules.may_run(users["county"], county)
    assert survey_rules.may_run(users["county"], home_township)
    assert not survey_rules.may_run(users["county"], None)
    assert not survey_rules.may_run(users["county"], far_county)
    assert survey_rules.may_run(users["township"], home_township)
    assert not survey_rules.may_run(users["township"], county)
    for nobody in ("liaison", "cadre", "auditor", "no_role"):
        assert not survey_rules.may_run(users[nobody], home_township)
