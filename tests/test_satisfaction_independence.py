"""Interviewers come from outside the village's own units and work groups: refused when their
unit has a work group there, when they belong to one there, or when they link households there;
checked when assigned and again with every answer, since roles change."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from satisfaction.interviewers import assign_interviewer, assign_interviewers
from satisfaction.interviews import record_attempt
from satisfaction.models import Interviewer, Sample
from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_household,
    make_open_round,
    make_round,
    make_township,
    make_unit,
    make_user,
    make_village,
    make_work_group,
    make_work_group_member,
)
from units.models import Cadre

pytestmark = pytest.mark.django_db


@pytest.fixture
def township() -> object:
    return make_township(name="甲镇")


@pytest.fixture
def village(township: object) -> object:
    village = make_village(township=township, name="甲村")
    for _ in range(12):
        make_household(village=village)
    return village


@pytest.fixture
def linking_unit(village: object) -> object:
    unit = make_unit(name="市农业局")
    make_work_group(unit=unit, village=village)
    return unit


def refusal(round: object, village: object, cadre: Cadre) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        assign_interviewer(round=round, village=village, cadre=cadre, by=None)
    assert not Interviewer.objects.filter(cadre=cadre).exists()
    return refused.value.messages


def test_a_cadre_of_a_unit_linking_the_village_is_refused(township, village, linking_unit) -> None:
    cadre = make_cadre(unit=linking_unit, name="张三")
    assert refusal(make_round(township), village, cadre) == [
        "张三不能在甲村测评：其所在单位在该村派有工作组。"
    ]


def test_a_member_of_a_work_group_in_the_village_is_refused(
    township, village, linking_unit
) -> None:
    cadre = make_cadre(name="李四")
    make_work_group_member(work_group=linking_unit.work_groups.get(), cadre=cadre)
    assert refusal(make_round(township), village, cadre) == [
        "李四不能在甲村测评：本人是该村工作组成员。"
    ]


def test_a_cadre_linked_to_a_household_of_the_village_is_refused(township, village) -> None:
    cadre = make_cadre(name="王五")
    make_assignment(cadre=cadre, household=village.households.first())
    assert refusal(make_round(township), village, cadre) == [
        "王五不能在甲村测评：本人在该村有联系户。"
    ]


def test_an_ended_link_and_a_work_group_elsewhere_do_not_refuse(township, village) -> None:
    cadre = make_cadre(name="赵六")
    make_assignment(
        cadre=cadre,
        household=village.households.first(),
        started_on="2025-01-01",
        ended_on="2025-06-30",
    )
    make_work_group(unit=cadre.unit, village=make_village(township=township))
    round = make_round(township)
    interviewer = assign_interviewer(round=round, village=village, cadre=cadre, by=None)
    assert interviewer.cadre == cadre


def test_an_interviewer_gets_the_villages_sampled_households(township, village) -> None:
    from satisfaction.draw import draw_sample

    round = draw_sample(round=make_round(township), by=None, seed=1)
    first, second = make_cadre(), make_cadre()
    assign_interviewer(round=round, village=village, cadre=first, by=None)
    assert Sample.objects.filter(round=round, interviewer=first).count() == 10
    assign_interviewer(round=round, village=village, cadre=second, by=None)
    # A second interviewer takes only households nobody has yet: none here.
    assert Sample.objects.filter(round=round, interviewer=first).count() == 10
    assert not Sample.objects.filter(round=round, status="reserve", interviewer__isnull=False)


def test_the_automatic_assignment_passes_over_cadres_the_rule_refuses(
    township, village, linking_unit
) -> None:
    from satisfaction.draw import draw_sample

    other = make_village(township=township, name="乙村")
    make_household(village=other)
    round = draw_sample(round=make_round(township), by=None, seed=1)
    own = make_cadre(unit=linking_unit)
    outsider = make_cadre()
    make_assignment(cadre=outsider, household=other.households.get())
    staffed = assign_interviewers(
        round=round, by=None, pool=Cadre.objects.filter(pk__in=[own.pk, outsider.pk])
    )
    assert staffed == 2
    assert dict(Interviewer.objects.values_list("village__name", "cadre")) == {
        "甲村": outsider.pk,
        "乙村": own.pk,
    }
    assert Sample.objects.filter(round=round, village=village, interviewer=outsider).count() == 10


def test_a_coordinator_cannot_staff_another_townships_round(township, village) -> None:
    other = make_coordinator("other", "township", township=make_township(name="乙镇"))
    with pytest.raises(PermissionDenied) as refused:
        assign_interviewer(
            round=make_round(township), village=village, cadre=make_cadre(), by=other
        )
    assert str(refused.value) == "此测评轮次不在您的管辖范围内。"


def test_an_interviewer_who_joins_the_villages_work_group_can_no_longer_answer(
    township, village, linking_unit
) -> None:
    cadre = make_cadre(name="孙七", user=make_user("sun"))
    round = make_open_round(township, interviewers={village: cadre})
    make_work_group_member(work_group=linking_unit.work_groups.get(), cadre=cadre)
    sample = Sample.objects.filter(round=round, interviewer=cadre).first()
    with pytest.raises(ValidationError) as refused:
        record_attempt(
            sample=sample,
            method="phone",
            reached=False,
            submission_key=uuid.uuid4(),
            by=cadre.user,
        )
    assert refused.value.messages == ["孙七不能在甲村测评：本人是该村工作组成员。"]
    assert not sample.attempts.exists()
