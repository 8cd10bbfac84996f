"""Linking a cadre to a household keeps the history of who was responsible."""

import datetime

import pytest

from tests.factories import make_cadre, make_household
from units.assignments import assign_household
from units.models import HouseholdAssignment

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2026, 1, 1)
MAR_1 = datetime.date(2026, 3, 1)


def test_reassigning_ends_the_old_link_and_starts_a_new_one() -> None:
    household = make_household()
    first, second = make_cadre(), make_cadre()
    assign_household(household=household, cadre=first, on=JAN_1)
    assign_household(household=household, cadre=second, on=MAR_1, reason="原干部调离")

    old, new = HouseholdAssignment.objects.filter(household=household).order_by("started_on")
    assert (old.cadre, old.started_on, old.ended_on, old.end_reason) == (
        first,
        JAN_1,
        MAR_1,
        "原干部调离",
    )
    assert (new.cadre, new.started_on, new.ended_on) == (second, MAR_1, None)


def test_assigning_the_same_cadre_again_changes_nothing() -> None:
    household = make_household()
    cadre = make_cadre()
    first = assign_household(household=household, cadre=cadre, on=JAN_1)
    again = assign_household(household=household, cadre=cadre, on=MAR_1)
    assert again == first
    assert HouseholdAssignment.objects.filter(household=household).count() == 1


def test_who_was_responsible_on_a_given_date() -> None:
    household = make_household()
    first, second = make_cadre(), make_cadre()
    assign_household(household=household, cadre=first, on=JAN_1)
    assign_household(household=household, cadre=second, on=MAR_1)

    def responsible(day: datetime.date) -> list:
        return [a.cadre for a in HouseholdAssignment.objects.on(day).filter(household=household)]

    assert responsible(datetime.date(2025, 12, 31)) == []
    assert responsible(JAN_1) == [first]
    assert responsible(datetime.date(2026, 2, 28)) == [first]
    assert responsible(MAR_1) == [second]
