"""Auto-distribution spreads a village's uncovered households evenly over its work groups."""

import datetime

import pytest

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_village,
    make_work_group,
    make_work_group_member,
)
from units.assignments import assign_household
from units.distribution import apply_distribution, plan_distribution
from units.models import Cadre, HouseholdAssignment
from villages.models import Household, Village

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 1)


def village_with_cadres(n_cadres: int, n_households: int) -> tuple[Village, list[Cadre]]:
    """A village whose one work group has a leader and ``n_cadres - 1`` members."""
    village = make_village()
    group = make_work_group(village=village)
    cadres = [make_cadre(unit=group.unit) for _ in range(n_cadres)]
    group.leader = cadres[0]
    group.save()
    for cadre in cadres[1:]:
        make_work_group_member(work_group=group, cadre=cadre)
    for _ in range(n_households):
        make_household(village=village)
    return village, cadres


def loads(plan: object) -> dict[Cadre, tuple[int, int]]:
    return {load.cadre: (load.before, load.after) for load in plan.loads}


def active_counts(cadres: list[Cadre]) -> list[int]:
    return [HouseholdAssignment.objects.active().filter(cadre=cadre).count() for cadre in cadres]


def test_households_are_spread_evenly_over_the_cadres() -> None:
    village, cadres = village_with_cadres(3, 8)
    plan = plan_distribution(village=village, max_per_cadre=10)

    assert [load.after for load in plan.loads] == [3, 3, 2]
    assert plan.leftovers == []
    assert plan.max_per_cadre == 10
    # Households in key order, each to the least-loaded cadre, ties to the lower key.
    households = list(Household.objects.in_area(village).order_by("pk"))
    assert [(h, c) for h, c in plan.assignments] == [
        (households[i], cadres[i % 3]) for i in range(8)
    ]


def test_no_cadre_gets_more_than_the_maximum_and_the_rest_are_left_over() -> None:
    village, cadres = village_with_cadres(2, 10)
    plan = plan_distribution(village=village, max_per_cadre=3)

    assert loads(plan) == {cadres[0]: (0, 3), cadres[1]: (0, 3)}
    assert len(plan.assignments) == 6
    assert plan.leftovers == list(Household.objects.in_area(village).order_by("pk"))[6:]
    assert plan.household_count == 10


def test_the_maximum_defaults_to_the_setting(settings: object) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 2
    village, _cadres = village_with_cadres(1, 5)
    plan = plan_distribution(village=village)
    assert plan.max_per_cadre == 2
    assert (len(plan.assignments), len(plan.leftovers)) == (2, 3)


def test_households_a_cadre_already_links_elsewhere_count_towards_the_load() -> None:
    village, (busy, free) = village_with_cadres(2, 6)
    for _ in range(4):
        make_assignment(cadre=busy)  # households in other villages

    plan = plan_distribution(village=village, max_per_cadre=10)

    # The free cadre first catches up to 4, then the two alternate.
    assert loads(plan) == {free: (0, 5), busy: (4, 5)}
    assert [cadre for _h, cadre in plan.assignments] == [free] * 4 + [busy, free]


def test_a_cadre_already_at_the_maximum_gets_nothing() -> None:
    village, (full, other) = village_with_cadres(2, 3)
    for _ in range(3):
        make_assignment(cadre=full)
    plan = plan_distribution(village=village, max_per_cadre=3)
    assert loads(plan) == {full: (3, 3), other: (0, 3)}
    assert plan.leftovers == []


def test_cadres_not_in_service_are_skipped() -> None:
    village, (leader, retired, member) = village_with_cadres(3, 4)
    retired.in_service = False
    retired.save()
    plan = plan_distribution(village=village, max_per_cadre=10)
    assert loads(plan) == {leader: (0, 2), member: (0, 2)}


def test_a_leader_who_is_also_a_member_counts_once() -> None:
    village, (leader, member) = village_with_cadres(2, 4)
    make_work_group_member(work_group=leader.led_work_groups.get(), cadre=leader)
    plan = plan_distribution(village=village, max_per_cadre=10)
    assert [load.cadre for load in plan.loads] == [leader, member]
    assert loads(plan) == {leader: (0, 2), member: (0, 2)}


def test_every_work_group_of_the_village_takes_part() -> None:
    village, (first,) = village_with_cadres(1, 4)
    other_group = make_work_group(village=village)
    second = make_cadre(unit=other_group.unit)
    make_work_group_member(work_group=other_group, cadre=second)
    make_work_group_member(cadre=make_cadre())  # a group in another village

    plan = plan_distribution(village=village, max_per_cadre=10)
    assert loads(plan) == {first: (0, 2), second: (0, 2)}


def test_only_the_villages_uncovered_households_are_planned() -> None:
    village, (_cadre,) = village_with_cadres(1, 3)
    covered = make_household(village=village)
    make_assignment(household=covered, cadre=make_cadre())
    make_household()  # another village

    plan = plan_distribution(village=village, max_per_cadre=10)
    planned = [household for household, _cadre in plan.assignments]
    assert covered not in planned
    assert planned == list(Household.objects.in_area(village).exclude(pk=covered.pk).order_by("pk"))


def test_a_village_without_cadres_leaves_every_household_over() -> None:
    village = make_village()
    make_household(village=village)
    plan = plan_distribution(village=village, max_per_cadre=10)
    assert (plan.assignments, plan.loads, len(plan.leftovers)) == ([], [], 1)


def test_planning_again_gives_the_same_plan() -> None:
    village, _cadres = village_with_cadres(3, 7)
    first = plan_distribution(village=village, max_per_cadre=2)
    again = plan_distribution(village=village, max_per_cadre=2)
    assert first.assignments == again.assignments
    assert first.fingerprint == again.fingerprint
    assert plan_distribution(village=village, max_per_cadre=3).fingerprint != first.fingerprint


def test_applying_the_plan_writes_its_assignments() -> None:
    village, cadres = village_with_cadres(3, 7)
    plan = plan_distribution(village=village, max_per_cadre=10)

    result = apply_distribution(plan=plan, on=TODAY)

    assert (result.assigned, result.skipped) == (7, 0)
    assert active_counts(cadres) == [3, 2, 2]
    assert set(HouseholdAssignment.objects.values_list("started_on", flat=True)) == {TODAY}
    assert not plan_distribution(village=village).assignments


def test_applying_the_same_plan_twice_changes_nothing() -> None:
    village, _cadres = village_with_cadres(2, 5)
    plan = plan_distribution(village=village, max_per_cadre=10)
    apply_distribution(plan=plan, on=TODAY)
    before = list(HouseholdAssignment.objects.order_by("pk").values())

    result = apply_distribution(plan=plan, on=TODAY)

    assert (result.assigned, result.skipped) == (0, 5)
    assert list(HouseholdAssignment.objects.order_by("pk").values()) == before


def test_a_household_that_got_a_cadre_meanwhile_is_skipped() -> None:
    village, _cadres = village_with_cadres(2, 4)
    plan = plan_distribution(village=village, max_per_cadre=10)
    taken, _cadre = plan.assignments[0]
    someone_else = make_cadre()
    assign_household(household=taken, cadre=someone_else, on=TODAY)

    result = apply_distribution(plan=plan, on=TODAY)

    assert (result.assigned, result.skipped) == (3, 1)
    assert HouseholdAssignment.objects.active().get(household=taken).cadre == someone_else


def test_a_planned_cadre_who_left_service_meanwhile_gets_nothing() -> None:
    village, (leader, member) = village_with_cadres(2, 4)
    plan = plan_distribution(village=village, max_per_cadre=10)
    Cadre.objects.filter(pk=member.pk).update(in_service=False)

    result = apply_distribution(plan=plan, on=TODAY)

    assert (result.assigned, result.skipped) == (2, 2)
    assert active_counts([leader, member]) == [2, 0]


@pytest.mark.parametrize("n_households", [5, 100])
def test_planning_and_applying_take_the_same_queries_whatever_the_size(
    n_households: int, django_assert_num_queries: object, django_assert_max_num_queries: object
) -> None:
    village, _cadres = village_with_cadres(4, n_households)
    with django_assert_num_queries(2):
        plan = plan_distribution(village=village, max_per_cadre=100)
    # Lock the cadres and the households, read, count the cadres' loads, insert (SQLite in
    # batches of 166 rows), audit record.
    with django_assert_max_num_queries(8):
        result = apply_distribution(plan=plan, on=TODAY, over_maximum=True)
    assert result.assigned == n_households
