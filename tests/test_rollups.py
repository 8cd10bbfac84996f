"""The dashboards' per-village and per-unit figures equal a recount of the raw tables, always.

The recounts (tests/oracles.py) are written from the rules, apart from the code they check.
"""

import datetime
import importlib
import io
import threading
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from common.aggregates import count_subquery
from shuanglian.figures import rollups
from shuanglian.figures.coverage import (
    LINKED_IN_SERVICE,
    LINKED_LEFT_SERVICE,
    NOT_LINKED,
    Area,
    gap_count,
    gap_queryset,
    household_list_length,
)
from shuanglian.figures.summary import figures_for
from shuanglian.models import RollupMark, UnitFigures, VillageFigures
from tests import roster_files
from tests.factories import (
    make_cadre,
    make_city,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
    resident_id,
)
from tests.oracles import recount_coverage, recount_visit_figures
from units import assignments
from units.coverage import HouseholdCoverageQuerySet
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages import tasks
from villages.imports import batches
from villages.models import County, Household, Township, Village
from visits import needs
from visits.models import Need, Satisfaction, Visit
from visits.visits import RaisedNeed, record_visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def city() -> dict:
    """Two counties, three townships, five villages; units, cadres, links, visits and needs."""
    make_city()
    east = make_county(code="371728000000", name="东明县")
    west = make_county(code="371721000000", name="曹县")
    t1 = make_township(county=east, code="371728104000", name="沙窝镇")
    t2 = make_township(county=east, code="371728105000", name="菜园集镇")
    t3 = make_township(county=west, code="371721101000", name="普连集镇")
    villages = [
        make_village(township=t1, code="371728104201", name="王寨村"),
        make_village(township=t1, code="371728104202", name="蔡寨村"),
        make_village(township=t2, code="371728105201", name="东村"),
        make_village(township=t3, code="371721101201", name="西村"),
        make_village(township=t3, code="371721101202", name="空村"),
    ]
    units = [
        make_unit(level=Unit.Level.COUNTY, county=east),
        make_unit(level=Unit.Level.TOWNSHIP, county=east, township=t1),
        make_unit(level=Unit.Level.COUNTY, county=west),
        make_unit(),
    ]
    cadres = [make_cadre(unit=unit) for unit in units for _ in range(2)]
    make_work_group(unit=units[0], village=villages[0], leader=cadres[0])
    make_work_group(unit=units[1], village=villages[1], leader=cadres[2])
    make_work_group(unit=units[2], village=villages[3], leader=cadres[4])
    households = [make_household(village=villages[n % 4]) for n in range(12)]
    for n, household in enumerate(households[:9]):
        HouseholdAssignment.objects.create(
            household=household, cadre=cadres[n % 5], started_on=days_ago(200)
        )
    for n, household in enumerate(households[:8]):
        make_visit(household=household, cadre=cadres[0], visited_on=days_ago(n * 12))
    make_visit(household=households[0], cadre=cadres[0], satisfaction=Satisfaction.SATISFIED)
    make_visit(
        household=households[1],
        cadre=cadres[0],
        outcome=Visit.Outcome.AWAY,
        visited_on=days_ago(1),
    )
    make_need(household=households[0], cadre=cadres[0], progressed_on=days_ago(20))
    make_need(household=households[2], cadre=cadres[0], status=Need.Status.IN_PROGRESS)
    make_need(
        household=households[5],
        cadre=cadres[0],
        status=Need.Status.RESOLVED,
        resolution="已办",
        raised_on=days_ago(5),
        closed_on=days_ago(2),
    )
    # Each side of every rule's edge: the 30- and 90-day windows, a visit that met nobody,
    # the satisfactions, "overdue", and a closed need whose last progress is old.
    for days, household in ((29, 8), (30, 7), (89, 10), (90, 9)):
        make_visit(household=households[household], cadre=cadres[0], visited_on=days_ago(days))
    make_visit(
        household=households[10],
        cadre=cadres[0],
        outcome=Visit.Outcome.AWAY,
        satisfaction=Satisfaction.DISSATISFIED,
        visited_on=days_ago(1),
    )
    make_visit(household=households[2], cadre=cadres[0], satisfaction=Satisfaction.FAIRLY_SATISFIED)
    make_visit(household=households[3], cadre=cadres[0], satisfaction=Satisfaction.DISSATISFIED)
    for days, household in ((settings.NEED_OVERDUE_DAYS, 3), (settings.NEED_OVERDUE_DAYS + 1, 4)):
        make_need(
            household=households[household],
            cadre=cadres[0],
            status=Need.Status.IN_PROGRESS,
            raised_on=days_ago(40),
            progressed_on=days_ago(days),
        )
    make_need(
        household=households[6],
        cadre=cadres[0],
        status=Need.Status.UNRESOLVABLE,
        resolution="不符合政策",
        raised_on=days_ago(60),
        progressed_on=days_ago(50),
        closed_on=days_ago(50),
    )
    return {
        "counties": [east, west],
        "townships": [t1, t2, t3],
        "villages": villages,
        "units": units,
        "cadres": cadres,
        "households": households,
    }


def assert_exact(today: datetime.date = TODAY) -> None:
    """Every level's figures, read from the rollups, equal a recount of the raw tables."""
    areas = [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]
    for area in areas:
        assert figures_for(area).coverage == recount_coverage(area), area
        rolled = figures_for(area, today=today).visits
        counted = recount_visit_figures(area, today=today)
        assert rolled.total == counted.total, area
        for pk in rolled.rows.keys() | counted.rows.keys():
            assert rolled.row(pk) == counted.row(pk), (area, pk)
        for slug in ("households", "cadres"):
            assert gap_count(slug, area) == gap_queryset(slug, area).count(), (slug, area)
        assert_household_list_lengths_exact(area)
        assert_cadres_above_the_maximum_exact(area)
    assert not RollupMark.objects.exists()


def assert_household_list_lengths_exact(area: Area) -> None:
    """The household list's lengths from the rollups equal the rows of its linked-cadre filter."""
    households = HouseholdCoverageQuerySet.of(Household.objects.in_area(area))
    for linked, listed in [
        (None, households),
        (LINKED_IN_SERVICE, households.covered()),
        (NOT_LINKED, households.uncovered()),
        (LINKED_LEFT_SERVICE, households.needing_new_cadre()),
    ]:
        assert household_list_length(Village.objects.in_area(area), linked) == listed.count(), (
            linked,
            area,
        )


def assert_cadres_above_the_maximum_exact(area: Area) -> None:
    """The gap list found through the units' figures equals counting every cadre's households."""
    load = count_subquery(HouseholdAssignment.objects.active(), "cadre")
    for maximum in (0, 1, 2):
        with override_settings(ASSIGNMENT_MAX_PER_CADRE=maximum):
            listed = list(gap_queryset("overloaded", area).values_list("pk", "load"))
        counted = (
            Cadre.objects.in_service().in_area(area).annotate(load=load).filter(load__gt=maximum)
        )
        assert listed == list(counted.order_by("-load", "pk").values_list("pk", "load")), (
            maximum,
            area,
        )


def test_the_figures_start_exact_and_hold_something(city: dict) -> None:
    assert_exact()
    figures = figures_for(None).coverage
    assert (figures.households.done, figures.households.total) == (9, 12)
    assert (figures.villages.done, figures.villages.total) == (3, 5)
    assert VillageFigures.objects.count() == 5
    assert UnitFigures.objects.count() == 4


def test_assigning_households(city: dict) -> None:
    household = city["households"][10]
    assignments.assign_households(households=[household], cadre=city["cadres"][6], on=TODAY)
    assert figures_for(None).coverage.households.done == 10
    assert_exact()


def test_handing_households_over(city: dict) -> None:
    assignments.hand_over_households(
        from_cadre=city["cadres"][0], to_cadre=city["cadres"][7], on=TODAY, reason="工作调整"
    )
    assert_exact()


def test_ending_assignments_in_bulk(city: dict) -> None:
    HouseholdAssignment.objects.filter(household__village=city["villages"][0]).update(
        ended_on=TODAY
    )
    assert figures_for(None).coverage.households.done == 6
    assert_exact()


def test_a_cadre_leaving_service(city: dict) -> None:
    cadre = city["cadres"][1]
    cadre.in_service = False
    cadre.save()
    assert figures_for(None).coverage.households.done == 7
    assert_exact()
    Cadre.objects.filter(pk=city["cadres"][2].pk).update(in_service=False)
    assert_exact()


def test_a_cadre_moving_to_another_unit(city: dict) -> None:
    Cadre.objects.filter(pk=city["cadres"][0].pk).update(unit=city["units"][3])
    assert_exact()


def test_recording_visits(city: dict) -> None:
    household = city["households"][9]
    for outcome, satisfaction in (
        (Visit.Outcome.MET, Satisfaction.DISSATISFIED),
        (Visit.Outcome.AWAY, ""),
    ):
        record_visit(
            cadre=city["cadres"][0],
            household=household,
            visited_on=TODAY,
            method=Visit.Method.HOME,
            outcome=outcome,
            summary="了解情况",
            tasks=[],
            satisfaction=satisfaction,
            needs=[RaisedNeed(category=Need.Category.MEDICAL, description="看病")],
            client_key=uuid.uuid4(),
        )
    assert_exact()
    Visit.objects.filter(household=household).delete()
    assert_exact()


def test_following_needs_up(city: dict) -> None:
    waiting = Need.objects.get(status=Need.Status.PENDING)
    needs.start(need=waiting, by=None, on=TODAY, note="已联系")
    assert_exact()
    needs.resolve(
        need=waiting,
        by=None,
        on=TODAY,
        what_was_done="已报销",
        satisfaction=Satisfaction.SATISFIED,
    )
    assert_exact()


def test_work_groups_made_and_removed(city: dict) -> None:
    group = make_work_group(unit=city["units"][3], village=city["villages"][4])
    assert figures_for(None).coverage.villages.done == 4
    assert_exact()
    group.delete()
    WorkGroup.objects.filter(village=city["villages"][0]).delete()
    assert_exact()


def test_households_moved_deleted_and_villages_moved(city: dict) -> None:
    Household.objects.filter(pk=city["households"][11].pk).update(village=city["villages"][4])
    assert_exact()
    city["households"][11].delete()
    assert_exact()
    Village.objects.filter(pk=city["villages"][2].pk).update(township=city["townships"][0])
    assert_exact()
    Township.objects.filter(pk=city["townships"][0].pk).update(county=city["counties"][1])
    assert_exact()
    village = make_village(township=city["townships"][2], code="371721101203", name="新村")
    make_household(village=village)
    assert_exact()
    assert VillageFigures.objects.get(village=village).households == 1


def test_units_made_and_deleted(city: dict) -> None:
    unit = make_unit(level=Unit.Level.COUNTY, county=city["counties"][1])
    make_cadre(unit=unit)
    assert_exact()
    Cadre.objects.filter(unit=unit).delete()
    unit.delete()
    assert_exact()


def test_a_roster_import(city: dict) -> None:
    """New households created by COPY or bulk insert, and households moved between villages."""
    village = city["villages"][4]
    moved = city["households"][0]
    rows = [["户主姓名", "身份证号码"]]
    rows += [
        [name, resident_id(500 + n)]
        for n, name in enumerate(["张伟", "王芳", "李娜", "刘洋", "陈静"])
    ]
    rows.append(["赵强", moved.id_number])
    batch = batches.create_batch(
        data=roster_files.xlsx({"Sheet1": rows}),
        file_name="花名册.xlsx",
        scope=village,
        move_households=True,
    )
    batches.confirm_batch(batches.check_batch(batch))
    assert Household.objects.filter(village=village).count() == 6
    assert_exact()


def test_a_background_import_leaves_its_villages_recounted(city: dict) -> None:
    village = city["villages"][4]
    rows = [["户主姓名", "身份证号码"], ["孙丽", resident_id(601)], ["周军", resident_id(602)]]
    batch = batches.create_batch(
        data=roster_files.xlsx({"Sheet1": rows}), file_name="花名册.xlsx", scope=village
    )
    rollups.bring_up_to_date()
    tasks.check_roster.enqueue(batch.pk)
    tasks.import_roster.enqueue(batch.pk)
    assert not RollupMark.objects.exists(), "the worker recounted after the import"
    assert VillageFigures.objects.get(village=village).households == 2
    assert_exact()


def test_a_new_day_recounts_the_date_bound_figures(city: dict) -> None:
    assert_exact()
    later = TODAY + datetime.timedelta(days=40)
    assert_exact(later)
    figures_for(None, today=later)
    assert set(VillageFigures.objects.values_list("as_of", flat=True)) == {later}
    assert_exact()


def test_rebuild_recounts_everything(city: dict) -> None:
    VillageFigures.objects.update(households=999, as_of=TODAY)
    UnitFigures.objects.update(cadres=999)
    RollupMark.objects.all().delete()
    rollups.rebuild()
    assert_exact()


def test_reading_takes_one_query_when_nothing_changed(
    city: dict, django_assert_num_queries
) -> None:
    rollups.bring_up_to_date()
    with django_assert_num_queries(1):
        rollups.bring_up_to_date()


def test_the_nightly_command_recounts(city: dict) -> None:
    VillageFigures.objects.update(households=999, as_of=TODAY - datetime.timedelta(days=1))
    call_command("refresh_rollups", stdout=io.StringIO())
    assert set(VillageFigures.objects.values_list("as_of", flat=True)) == {TODAY}
    UnitFigures.objects.update(cadres=999)
    out = io.StringIO()
    call_command("refresh_rollups", "--rebuild", stdout=out)
    assert "Figures up to date" in out.getvalue()
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_a_recount_waits_for_a_change_in_flight_and_counts_it(city: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs row-level locking")
    rollups.bring_up_to_date()
    village = city["villages"][1]
    # Neither was reached in the last 30 days.
    first, second = city["households"][5], city["households"][9]
    make_visit(household=first, cadre=city["cadres"][0])  # committed: leaves the mark

    def reader() -> None:
        try:
            rollups.bring_up_to_date()
        finally:
            connections.close_all()

    with transaction.atomic():
        # Marks the same village again: the mark is now locked until this commits.
        make_visit(household=second, cadre=city["cadres"][0])
        recount = threading.Thread(target=reader)
        recount.start()
        recount.join(timeout=1)
        assert recount.is_alive(), "the recount waits for the change in flight"
    recount.join(timeout=10)
    assert not RollupMark.objects.exists()
    visited = (
        Household.objects.filter(
            village=village,
            visits__visited_on__gte=TODAY - datetime.timedelta(days=29),
            visits__outcome=Visit.Outcome.MET,
        )
        .distinct()
        .count()
    )
    assert VillageFigures.objects.get(village=village).visited_30 == visited
    assert_exact()


def test_figures_counted_with_an_earlier_meaning_are_recounted_after_the_upgrade(
    city: dict,
) -> None:
    assert_exact()
    assert VillageFigures.objects.filter(needs_overdue__gt=0).exists()
    # As if counted before overdue took in the needs escalated past their deadline.
    VillageFigures.objects.update(needs_overdue=0)
    migration = importlib.import_module("shuanglian.migrations.0009_rollups_recount_overdue")
    migration.recount_on_next_read(apps, None)
    assert_exact()
