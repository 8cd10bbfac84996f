"""Each rule that matters is refused by the database itself, not only by forms."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from tests.factories import (
    make_assignment,
    make_cadre,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
)
from units.models import HouseholdAssignment, Unit, WorkGroup
from villages.models import City, County, Household, Township, Village
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def assert_refused(create: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_area_codes_are_unique_at_every_level() -> None:
    county = make_county()
    township = make_township(county=county)
    village = make_village(township=township)
    assert_refused(lambda: City.objects.create(code=county.city.code, name="另一个市"))
    assert_refused(lambda: County.objects.create(city=county.city, code=county.code, name="重"))
    assert_refused(lambda: Township.objects.create(county=county, code=township.code, name="重"))
    assert_refused(
        lambda: Village.objects.create(township=township, code=village.code, name="另一个村")
    )


def test_village_names_are_unique_within_a_township_but_not_across() -> None:
    village = make_village(name="王寨村")
    assert_refused(lambda: make_village(township=village.township, name="王寨村"))
    other = make_village(name="王寨村")
    assert other.township != village.township


def test_household_resident_id_is_unique() -> None:
    household = make_household()
    assert_refused(lambda: make_household(id_number=household.id_number))


def test_household_resident_id_must_have_18_characters() -> None:
    assert_refused(lambda: make_household(id_number="37172819800101"))


def test_household_has_at_least_one_member() -> None:
    assert_refused(lambda: make_household(members=0))


def test_a_household_has_at_most_one_active_assignment() -> None:
    household = make_household()
    make_assignment(household=household)
    assert_refused(lambda: make_assignment(household=household))


def test_ended_assignments_do_not_block_a_new_active_one() -> None:
    household = make_household()
    start = TODAY - datetime.timedelta(days=60)
    make_assignment(household=household, started_on=start, ended_on=start)
    make_assignment(household=household, started_on=start, ended_on=TODAY)
    make_assignment(household=household, started_on=TODAY)
    assert HouseholdAssignment.objects.filter(household=household).count() == 3
    assert HouseholdAssignment.objects.active().filter(household=household).count() == 1


def test_an_assignment_cannot_end_before_it_starts() -> None:
    assert_refused(
        lambda: make_assignment(started_on=TODAY, ended_on=TODAY - datetime.timedelta(days=1))
    )


def test_a_unit_links_a_village_through_one_work_group_only() -> None:
    group = make_work_group()
    assert_refused(lambda: WorkGroup.objects.create(unit=group.unit, village=group.village))


def test_unit_area_must_match_its_level() -> None:
    county = make_county()
    assert_refused(lambda: make_unit(level=Unit.Level.CITY, county=county))
    assert_refused(lambda: make_unit(level=Unit.Level.COUNTY))
    assert make_unit(level=Unit.Level.COUNTY, county=county).pk


def test_a_visit_cannot_be_dated_in_the_future() -> None:
    assert_refused(lambda: make_visit(visited_on=TODAY + datetime.timedelta(days=1)))
    assert make_visit(visited_on=TODAY).pk
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("status", [Need.Status.RESOLVED, Need.Status.UNRESOLVABLE])
def test_a_closed_need_must_say_what_was_done(status: str) -> None:
    assert_refused(lambda: make_need(status=status, resolution="", closed_on=TODAY))
    assert_refused(lambda: make_need(status=status, resolution="已办理", closed_on=None))
    assert make_need(status=status, resolution="已办理", closed_on=TODAY).pk


def test_a_need_cannot_be_closed_before_it_was_raised() -> None:
    assert_refused(
        lambda: make_need(
            status=Need.Status.RESOLVED,
            resolution="已办理",
            raised_on=TODAY,
            closed_on=TODAY - datetime.timedelta(days=1),
        )
    )


def test_open_needs_need_no_resolution() -> None:
    need = make_need(status=Need.Status.IN_PROGRESS)
    assert need.is_open


def test_households_with_history_cannot_be_deleted() -> None:
    household = make_household()
    make_visit(household=household, cadre=make_cadre())
    with pytest.raises(ProtectedError):
        household.delete()
    assert Household.objects.filter(pk=household.pk).exists()


def test_model_validation_reports_the_rules_in_chinese() -> None:
    household = make_household()
    duplicate = Household(
        village=household.village, head_name="重复", id_number=household.id_number, members=1
    )
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert caught.value.message_dict["id_number"] == ["该身份证号的农户已存在。"]


def test_model_validation_explains_the_one_active_assignment_rule() -> None:
    active = make_assignment()
    second = HouseholdAssignment(household=active.household, cadre=make_cadre())
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert caught.value.messages == ["该户已有联系干部，请先结束原联系关系。"]
