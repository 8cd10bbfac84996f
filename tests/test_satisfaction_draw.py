"""The sample draw: stratified by household category with every vulnerable stratum represented,
a number or a share per village, reproducible from its seed, an ordered reserve, drawn again
only while the round is prepared and untried, and audited."""

import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from satisfaction import allocation, rounds
from satisfaction.draw import draw_sample
from satisfaction.models import Attempt, DrawnVillage, Round, Sample
from shuanglian.models import AuditEvent
from tests.factories import (
    make_cadre,
    make_coordinator,
    make_household,
    make_township,
    make_village,
)
from villages.models import Household

pytestmark = pytest.mark.django_db

Category = Household.Category
TODAY = timezone.localdate()


def fill(village: object, **counts: int) -> None:
    for category, count in counts.items():
        for _ in range(count):
            make_household(village=village, category=category)


def open_round(area: object = None, **overrides: object) -> Round:
    fields = {
        "name": "2026年第四季度",
        "area": area,
        "starts_on": TODAY,
        "ends_on": TODAY + datetime.timedelta(days=30),
        "per_village": 10,
        "reserve_per_village": 4,
        "by": None,
        **overrides,
    }
    return rounds.open_round(**fields)


@pytest.fixture
def township() -> object:
    return make_township(name="甲镇")


@pytest.fixture
def village(township: object) -> object:
    village = make_village(township=township, name="甲村")
    fill(village, general=40, lifted=10, monitored=3, subsistence=2, destitute=1)
    return village


def strata(round: Round, status: str) -> Counter:
    return Counter(
        Sample.objects.filter(round=round, status=status).values_list("stratum", flat=True)
    )


def test_allocation_is_proportional_with_largest_remainders() -> None:
    assert allocation.proportional({"general": 50, "lifted": 30, "monitored": 20}, 7) == {
        "general": 4,
        "lifted": 2,
        "monitored": 1,
    }


def test_every_vulnerable_stratum_gets_two_from_the_largest_when_the_sample_allows() -> None:
    taken = allocation.allocate(
        {"general": 900, "lifted": 80, "monitored": 10, "subsistence": 6, "destitute": 4}, 20
    )
    assert taken == {"general": 12, "lifted": 2, "monitored": 2, "subsistence": 2, "destitute": 2}
    assert sum(taken.values()) == 20


def test_a_small_sample_gives_each_vulnerable_stratum_one_most_vulnerable_first() -> None:
    sizes = {"general": 90, "monitored": 5, "subsistence": 3, "destitute": 2}
    assert allocation.allocate(sizes, 4) == {
        "general": 1,
        "monitored": 1,
        "subsistence": 1,
        "destitute": 1,
    }
    assert allocation.allocate(sizes, 2) == {
        "general": 0,
        "monitored": 0,
        "subsistence": 1,
        "destitute": 1,
    }


def test_a_stratum_smaller_than_its_minimum_gives_all_it_has() -> None:
    taken = allocation.allocate({"general": 100, "destitute": 1}, 20)
    assert taken == {"general": 19, "destitute": 1}


def test_the_sample_is_stratified_with_the_vulnerable_represented(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None, seed=7)
    drawn = strata(round, Sample.Status.PENDING)
    assert sum(drawn.values()) == 10
    assert drawn[Category.MONITORED] >= 1
    assert drawn[Category.SUBSISTENCE] >= 1
    assert drawn[Category.DESTITUTE] == 1
    assert drawn[Category.GENERAL] > drawn[Category.LIFTED]
    assert DrawnVillage.objects.get(round=round).households == 56


def test_a_share_draws_that_share_rounded_up(township, village) -> None:
    round = open_round(township, per_village=None, share=Decimal("12.5"))
    draw_sample(round=round, by=None, seed=1)
    # 12.5% of 56 households is 7.
    assert Sample.objects.filter(round=round, status=Sample.Status.PENDING).count() == 7


def test_a_village_smaller_than_the_sample_is_drawn_whole(township) -> None:
    small = make_village(township=township)
    fill(small, general=3)
    round = draw_sample(round=open_round(township), by=None, seed=1)
    assert Sample.objects.filter(round=round, status=Sample.Status.PENDING).count() == 3
    assert not Sample.objects.filter(round=round, status=Sample.Status.RESERVE).exists()


def drawn_keys(round: Round) -> list[tuple]:
    return list(
        Sample.objects.filter(round=round)
        .order_by("village", "draw_order")
        .values_list("household_id", "status", "draw_order")
    )


def test_the_same_seed_draws_the_same_households_and_another_seed_others(township, village) -> None:
    first = draw_sample(round=open_round(township), by=None, seed=2026)
    second = draw_sample(round=open_round(township, name="again"), by=None, seed=2026)
    third = draw_sample(round=open_round(township, name="other"), by=None, seed=2027)
    assert drawn_keys(first) == drawn_keys(second)
    assert drawn_keys(first) != drawn_keys(third)


def test_a_household_elsewhere_does_not_change_a_villages_draw(township, village) -> None:
    first = draw_sample(round=open_round(township), by=None, seed=5)
    fill(make_village(township=township), general=30)
    second = draw_sample(round=open_round(township, name="again"), by=None, seed=5)
    assert drawn_keys(first) == [
        row for row in drawn_keys(second) if row[0] in {key for key, *_ in drawn_keys(first)}
    ]


def test_the_seed_is_drawn_and_recorded_when_not_given(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None)
    assert round.seed is not None
    again = draw_sample(round=open_round(township, name="again"), by=None, seed=round.seed)
    assert drawn_keys(round) == drawn_keys(again)


def test_the_reserve_is_ordered_after_the_sample_and_stratified(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None, seed=3)
    orders = list(
        Sample.objects.filter(round=round)
        .order_by("draw_order")
        .values_list("status", "draw_order")
    )
    assert [order for _status, order in orders] == list(range(1, 15))
    assert [status for status, _order in orders] == ["pending"] * 10 + ["reserve"] * 4
    assert strata(round, Sample.Status.RESERVE)[Category.GENERAL] >= 2


def test_drawing_again_replaces_the_draw_while_the_round_is_prepared(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None, seed=3)
    draw_sample(round=round, by=None, seed=4)
    assert Sample.objects.filter(round=round).count() == 14
    assert Round.objects.get(pk=round.pk).seed == 4
    assert DrawnVillage.objects.filter(round=round).count() == 1


def test_an_open_round_cannot_be_drawn_again(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None, seed=3)
    rounds.start_round(round=round, by=None)
    with pytest.raises(ValidationError) as refused:
        draw_sample(round=round, by=None, seed=4)
    assert refused.value.messages == ["只有在测评准备阶段才能抽样。"]


def test_a_round_with_attempts_cannot_be_drawn_again(township, village) -> None:
    round = draw_sample(round=open_round(township), by=None, seed=3)
    Attempt.objects.create(
        sample=Sample.objects.filter(round=round).first(),
        method=Attempt.Method.PHONE,
        reached=False,
        by=make_cadre(),
    )
    with pytest.raises(ValidationError) as refused:
        draw_sample(round=round, by=None, seed=4)
    assert refused.value.messages == ["本轮已有住户被联系过，不能重新抽样。"]
    assert Round.objects.get(pk=round.pk).seed == 3


def test_a_round_cannot_start_before_its_draw(township) -> None:
    with pytest.raises(ValidationError) as refused:
        rounds.start_round(round=open_round(township), by=None)
    assert refused.value.messages == ["请先抽样，再开始测评。"]


def test_the_draw_is_audited_once_with_its_seed_and_counts(township, village) -> None:
    user = make_coordinator("township-coordinator", "township", township=township)
    round = draw_sample(round=open_round(township, by=user), by=user, seed=11)
    event = AuditEvent.objects.get(action="round_draw")
    assert event.user == user
    assert event.object_id == str(round.pk)
    assert event.details == {
        "seed": 11,
        "villages": 1,
        "households": 56,
        "sample": 10,
        "reserve": 4,
        "short": 0,
    }


def test_a_coordinator_cannot_draw_another_townships_round(township, village) -> None:
    other = make_coordinator("other-township", "township", township=make_township(name="乙镇"))
    round = open_round(township)
    with pytest.raises(PermissionDenied) as refused:
        draw_sample(round=round, by=other)
    assert str(refused.value) == "此测评轮次不在您的管辖范围内。"
    assert not Sample.objects.exists()


def test_the_default_questions_are_the_campaigns_four(township) -> None:
    round = open_round(township)
    assert list(round.questions.values_list("text", "topic")) == [
        ("对联系干部走访的满意度", "cadre_visits"),
        ("对诉求办理的满意度", "needs"),
        ("对村“两委”的满意度", "committees"),
        ("对单位帮扶的满意度", "unit_help"),
    ]


def test_questions_change_only_while_the_round_is_prepared(township, village) -> None:
    round = open_round(township)
    rounds.set_questions(round=round, questions=[("对道路的满意度", "other")], by=None)
    assert list(round.questions.values_list("text", flat=True)) == ["对道路的满意度"]
    draw_sample(round=round, by=None, seed=1)
    rounds.start_round(round=round, by=None)
    with pytest.raises(ValidationError) as refused:
        rounds.set_questions(round=round, questions=[("x", "other")], by=None)
    assert refused.value.messages == ["只有在测评准备阶段才能修改题目。"]


def test_the_command_draws_with_the_given_seed_as_the_named_user(township, village) -> None:
    user = make_coordinator("township-coordinator", "township", township=township)
    round = open_round(township)
    output = io.StringIO()
    call_command(
        "draw_sample", "--round", str(round.pk), "--seed", "9", "--by", user.username, stdout=output
    )
    assert "随机种子9" in output.getvalue()
    assert "样本10户，备选4户" in output.getvalue()
    assert AuditEvent.objects.get(action="round_draw").user == user


def test_the_command_refuses_a_user_outside_the_rounds_area(township, village) -> None:
    other = make_coordinator("other", "township", township=make_township(name="乙镇"))
    with pytest.raises(CommandError, match="此测评轮次不在您的管辖范围内。"):
        call_command("draw_sample", "--round", str(open_round(township).pk), "--by", other.username)
