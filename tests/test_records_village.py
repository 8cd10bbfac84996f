"""Visits, needs and assignments carry their household's village, and the database keeps it
so whatever writes them: a page, a bulk insert, an UPDATE naming another village, a household
moved to another village. Area scopes and filters read it, so a record can never be found in a
village its household has left."""

from typing import Any

import pytest
from django.db import connection

from tests.factories import (
    make_assignment,
    make_coordinator,
    make_household,
    make_need,
    make_township,
    make_village,
    make_visit,
)
from units.models import HouseholdAssignment
from villages.models import Household
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db

MODELS = [Visit, Need, HouseholdAssignment]


@pytest.fixture
def records() -> dict[str, Any]:
    here, there = make_village(name="王寨村"), make_village(name="李庄村")
    household = make_household(village=here)
    visit = make_visit(household=household)
    return {
        "here": here,
        "there": there,
        "household": household,
        "visit": visit,
        "need": make_need(household=household, visit=visit),
        "assignment": make_assignment(household=household),
    }


def villages_of(household: Household) -> set[int | None]:
    return {
        village
        for model in MODELS
        for village in model.objects.filter(household=household).values_list(
            "village_id", flat=True
        )
    }


def test_a_record_written_gets_its_households_village(records: dict[str, Any]) -> None:
    assert villages_of(records["household"]) == {records["here"].pk}


def test_records_inserted_in_bulk_get_their_households_village(records: dict[str, Any]) -> None:
    visit = records["visit"]
    Visit.objects.bulk_create(
        [Visit(household=records["household"], cadre=visit.cadre, summary="又去了")]
    )
    assert set(Visit.objects.filter(summary="又去了").values_list("village_id", flat=True)) == {
        records["here"].pk
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_record_cannot_be_put_in_another_village(records: dict[str, Any], model: Any) -> None:
    model.objects.filter(household=records["household"]).update(village=records["there"])
    assert villages_of(records["household"]) == {records["here"].pk}
    model.objects.filter(household=records["household"]).update(village=None)
    assert villages_of(records["household"]) == {records["here"].pk}


def test_a_record_given_another_household_takes_that_households_village(
    records: dict[str, Any],
) -> None:
    elsewhere = make_household(village=records["there"])
    Need.objects.filter(pk=records["need"].pk).update(household=elsewhere)
    assert Need.objects.get(pk=records["need"].pk).village_id == records["there"].pk


def test_a_household_moved_takes_its_records_with_it(records: dict[str, Any]) -> None:
    household = records["household"]
    household.village = records["there"]
    household.save()
    assert villages_of(household) == {records["there"].pk}
    # A bulk update too, as an import writes.
    Household.objects.filter(pk=household.pk).update(village=records["here"])
    assert villages_of(household) == {records["here"].pk}


def test_a_saved_instance_that_never_read_its_village_keeps_it(records: dict[str, Any]) -> None:
    visit = Visit(household=records["household"], cadre=records["visit"].cadre)
    visit.save()
    visit.summary = "改了纪要"
    visit.save()  # writes village_id = NULL from the instance
    visit.refresh_from_db()
    assert visit.village_id == records["here"].pk


def test_the_area_lists_follow_a_household_that_moved(records: dict[str, Any]) -> None:
    township = make_township(name="乙镇")
    elsewhere = make_village(township=township, name="赵楼村")
    coordinator = make_coordinator("township-b", "township", township=township)
    household = records["household"]
    assert not Visit.objects.visible_to(coordinator).exists()
    Household.objects.filter(pk=household.pk).update(village=elsewhere)
    for model in MODELS:
        assert list(model.objects.visible_to(coordinator).values_list("household", flat=True)) == [
            household.pk
        ], model


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY")
def test_records_copied_in_get_their_households_village(records: dict[str, Any]) -> None:
    import io

    visit = records["visit"]
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY visits_visit (household_id, village_id, cadre_id, visited_on, method, outcome,"
            " summary, task_policy, task_voices, task_difficulties, task_prosperity,"
            " task_civility, task_organization, satisfaction, recorded_on, created_at)"
            " FROM STDIN",
            io.StringIO(
                f"{records['household'].pk}\t{records['there'].pk}\t{visit.cadre_id}\t"
                "2026-01-05\thome\tmet\t抄进来的\tf\tf\tf\tf\tf\tf\t\t2026-01-05\t"
                "2026-01-05 10:00:00+08\n"
            ),
        )
    assert Visit.objects.get(summary="抄进来的").village_id == records["here"].pk
