"""Linking a cadre to a household keeps the history of who was responsible."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_assignment, make_cadre, make_household
from units.assignments import (
    assign_household,
    assign_households,
    cadre_responsible_on,
    hand_over_households,
)
from units.coverage import HouseholdCoverageQuerySet
from units.models import Cadre, HouseholdAssignment
from villages.models import Household

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


def active_cadre(household: Household) -> Cadre | None:
    assignment = HouseholdAssignment.objects.active().filter(household=household).first()
    return assignment.cadre if assignment else None


def test_bulk_assigning_counts_new_moved_and_unchanged_households() -> None:
    cadre, other = make_cadre(), make_cadre()
    new = make_household()
    moved = make_assignment(cadre=other, started_on=JAN_1).household
    kept = make_assignment(cadre=cadre, started_on=JAN_1)

    result = assign_households(
        households=[new, moved, kept.household], cadre=cadre, on=MAR_1, reason="工作调整"
    )

    assert (result.assigned, result.moved, result.unchanged) == (1, 1, 1)
    assert [active_cadre(h) for h in (new, moved, kept.household)] == [cadre] * 3
    old = HouseholdAssignment.objects.get(household=moved, cadre=other)
    assert (old.ended_on, old.end_reason) == (MAR_1, "工作调整")
    assert HouseholdAssignment.objects.active().get(household=kept.household) == kept
    assert HouseholdAssignment.objects.get(pk=kept.pk).started_on == JAN_1


def test_bulk_assigning_takes_a_queryset_too() -> None:
    cadre = make_cadre()
    household = make_household()
    result = assign_households(
        households=Household.objects.filter(pk=household.pk), cadre=cadre, on=JAN_1
    )
    assert (result.assigned, active_cadre(household)) == (1, cadre)


def test_bulk_assigning_to_a_cadre_not_in_service_is_refused() -> None:
    retired = make_cadre(in_service=False, name="张退休")
    household = make_household()
    with pytest.raises(ValidationError) as refused:
        assign_households(households=[household], cadre=retired, on=JAN_1)
    assert refused.value.messages == ["张退休已不在岗，请选择在岗干部。"]
    assert not HouseholdAssignment.objects.exists()


def test_bulk_assigning_before_the_current_link_began_is_refused_and_writes_nothing() -> None:
    household = make_household()
    make_assignment(household=household, cadre=make_cadre(), started_on=MAR_1)
    with pytest.raises(ValidationError) as refused:
        assign_households(households=[household, make_household()], cadre=make_cadre(), on=JAN_1)
    assert refused.value.messages == [
        "所选日期早于部分农户现联系干部的开始日期（最晚为2026-03-01），请选择该日或之后的日期。"
    ]
    assert HouseholdAssignment.objects.count() == 1
    assert HouseholdAssignment.objects.get().ended_on is None


def count_queries(function: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_bulk_assigning_takes_the_same_queries_for_5_or_120_households() -> None:
    def bulk(n: int) -> int:
        cadre, other = make_cadre(), make_cadre()
        households = [make_household() for _ in range(n)]
        for household in households[::2]:
            make_assignment(household=household, cadre=other, started_on=JAN_1)
        return count_queries(
            lambda: assign_households(
                households=households, cadre=cadre, on=MAR_1, over_maximum=True
            )
        )

    # 120 rows of seven columns stay within one SQLite INSERT (999 parameters at most).
    assert bulk(5) == bulk(120) <= 9  # including the locks, the maximum and the audit record


def test_handing_over_moves_every_active_household_and_keeps_the_history() -> None:
    leaving, successor, bystander = make_cadre(), make_cadre(), make_cadre()
    mine = [make_assignment(cadre=leaving, started_on=JAN_1).household for _ in range(3)]
    earlier = make_assignment(cadre=leaving, started_on=JAN_1, ended_on=JAN_1).household
    theirs = make_assignment(cadre=bystander, started_on=JAN_1).household

    moved = hand_over_households(from_cadre=leaving, to_cadre=successor, on=MAR_1, reason="退休")

    assert moved == 3
    assert [active_cadre(h) for h in mine] == [successor] * 3
    assert active_cadre(theirs) == bystander
    assert active_cadre(earlier) is None
    ended = HouseholdAssignment.objects.filter(cadre=leaving, ended_on=MAR_1)
    assert sorted(ended.values_list("end_reason", flat=True)) == ["退休"] * 3
    assert (
        HouseholdAssignment.objects.active().filter(cadre=successor, started_on=MAR_1).count() == 3
    )


def test_handing_over_to_a_cadre_not_in_service_is_refused() -> None:
    leaving = make_cadre()
    household = make_assignment(cadre=leaving, started_on=JAN_1).household
    with pytest.raises(ValidationError) as refused:
        hand_over_households(
            from_cadre=leaving,
            to_cadre=make_cadre(in_service=False, name="李离岗"),
            on=MAR_1,
            reason="调离",
        )
    assert refused.value.messages == ["李离岗已不在岗，请选择在岗干部。"]
    assert active_cadre(household) == leaving


def test_handing_over_to_the_same_cadre_is_refused() -> None:
    cadre = make_cadre()
    with pytest.raises(ValidationError) as refused:
        hand_over_households(from_cadre=cadre, to_cadre=cadre, on=MAR_1, reason="调离")
    assert refused.value.messages == ["请选择另一名干部接手这些联系户。"]


def test_handing_over_a_cadre_without_households_moves_nothing() -> None:
    assert (
        hand_over_households(
            from_cadre=make_cadre(), to_cadre=make_cadre(), on=MAR_1, reason="调离"
        )
        == 0
    )


def test_households_whose_cadre_left_service_need_a_new_cadre() -> None:
    retired = make_cadre()
    stale = make_assignment(cadre=retired, started_on=JAN_1)
    fine = make_assignment(cadre=make_cadre(), started_on=JAN_1)
    make_assignment(cadre=retired, started_on=JAN_1, ended_on=MAR_1)  # history only
    uncovered = make_household()
    Cadre.objects.filter(pk=retired.pk).update(in_service=False)

    assert list(HouseholdAssignment.objects.needing_new_cadre()) == [stale]
    households = HouseholdCoverageQuerySet.of(Household.objects.all())
    assert list(households.needing_new_cadre()) == [stale.household]
    assert list(households.covered()) == [fine.household]
    assert set(households.uncovered()) == set(
        Household.objects.exclude(pk__in=[stale.household_id, fine.household_id])
    )
    assert uncovered in households.uncovered()
    assert list(Cadre.objects.needing_handover()) == [retired]


def test_the_cadre_responsible_on_a_date_is_looked_up_from_the_history() -> None:
    household = make_household()
    first, second = make_cadre(), make_cadre()
    assign_household(household=household, cadre=first, on=JAN_1)
    assign_household(household=household, cadre=second, on=MAR_1)

    assert cadre_responsible_on(household=household, day=datetime.date(2025, 12, 31)) is None
    assert cadre_responsible_on(household=household, day=JAN_1) == first
    assert cadre_responsible_on(household=household, day=datetime.date(2026, 2, 28)) == first
    assert cadre_responsible_on(household=household, day=MAR_1) == second
