"""The trends' history: every area's figures written once a day, and the days before back-filled
from the dated records."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devdata.demo import HISTORY_DAYS
from shuanglian.figures import snapshots
from shuanglian.figures.summary import AreaFigures, figures_for
from shuanglian.models import AreaSnapshot
from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_need,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
)
from villages.models import City, County, Township, Village
from visits.models import Need, Satisfaction, Visit

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def expected(figures: AreaFigures) -> dict[str, object]:
    """The headline figures of the dashboard, in the snapshot's columns."""
    coverage, visits = figures.coverage, figures.visits.total
    projects, rating = figures.projects.total, figures.shuangchuang.total
    measured = figures.shuangchuang.survey.total.percent
    return {
        "villages": coverage.villages.total,
        "villages_covered": coverage.villages.done,
        "households": coverage.households.total,
        "households_covered": coverage.households.done,
        "units": coverage.units.total,
        "units_linking": coverage.units.done,
        "cadres": coverage.cadres.total,
        "cadres_linking": coverage.cadres.done,
        "visited_30": visits.visited_30.done,
        "visited_90": visits.visited_90.done,
        "needs_raised": visits.needs.raised,
        "needs_resolved": visits.needs.resolved,
        "needs_open": visits.needs.open,
        "needs_overdue": visits.needs.overdue,
        "rated": visits.satisfaction.total,
        "pleased": visits.satisfaction.done,
        "satisfaction": None if measured is None else Decimal(str(measured)),
        "projects": projects.projects.total,
        "money_allocated": projects.allocated,
        "money_paid": projects.paid,
        "assessed": rating.approved,
        "up_to_standard": rating.up_to_standard,
    }


def snapshot_of(code: str, day: datetime.date = TODAY) -> dict[str, object]:
    return AreaSnapshot.objects.filter(code=code, day=day).values(*snapshots.FIGURES).get()


def demo_areas() -> list[tuple[object, str, str]]:
    """The city, its county, township and village with most households, as (area, code,
    level)."""
    county = max(County.objects.all(), key=lambda c: figures_for(c).coverage.households.total)
    township = max(
        Township.objects.filter(county=county),
        key=lambda t: figures_for(t).coverage.households.total,
    )
    village = Village.objects.filter(township=township, households__isnull=False).first()
    return [
        (None, City.objects.get().code, "city"),
        (county, county.code, "county"),
        (township, township.code, "township"),
        (village, village.code, "village"),
    ]


def test_the_snapshot_of_each_level_equals_the_dashboards_figures(demo: None) -> None:
    written = snapshots.take()
    areas = 1 + County.objects.count() + Township.objects.count() + Village.objects.count()
    assert written == areas
    assert AreaSnapshot.objects.filter(day=TODAY).count() == areas
    measured = 0
    for area, code, level in demo_areas():
        row = AreaSnapshot.objects.get(code=code, day=TODAY)
        assert row.level == level
        assert not row.backfilled
        assert snapshot_of(code) == expected(figures_for(area)), level
        measured += row.satisfaction is not None
    # The demo's closed survey round gives the city at least a measured satisfaction.
    assert measured >= 1


def test_taking_the_same_day_twice_leaves_one_row_an_area_with_the_new_figures(
    demo: None,
) -> None:
    first = snapshots.take()
    household = Visit.objects.contacts().order_by("pk").first().household
    Visit.objects.contacts().filter(household=household).delete()
    second = snapshots.take()
    assert first == second == AreaSnapshot.objects.filter(day=TODAY).count()
    code = household.village.code
    assert snapshot_of(code) == expected(figures_for(household.village))


def test_a_snapshot_takes_as_many_queries_for_one_village_as_for_many(db: None) -> None:
    make_village()
    snapshots.take()
    with CaptureQueriesContext(connection) as one:
        snapshots.take()
    for _ in range(12):
        village = make_village()
        make_visit(household=make_household(village=village))
        make_work_group(village=village, unit=make_unit())
    snapshots.take()
    with CaptureQueriesContext(connection) as many:
        snapshots.take()
    assert len(many) == len(one)
    assert AreaSnapshot.objects.filter(level="village", day=TODAY).count() == 13


def test_a_snapshot_of_an_area_with_no_closed_survey_has_no_satisfaction(db: None) -> None:
    village = make_village()
    snapshots.take()
    assert snapshot_of(village.code)["satisfaction"] is None
    assert snapshot_of(village.code)["villages"] == 1
    assert snapshot_of(village.code)["money_allocated"] == Decimal("0.00")


def test_a_back_filled_day_counts_the_households_reached_in_the_30_days_ending_on_it(
    db: None,
) -> None:
    village = make_village()
    cadre = make_cadre()
    past = TODAY - datetime.timedelta(days=40)
    reached, earlier, later, missed = (make_household(village=village) for _ in range(4))
    make_visit(household=reached, cadre=cadre, visited_on=past - datetime.timedelta(days=29))
    make_visit(household=reached, cadre=cadre, visited_on=past)
    make_visit(household=earlier, cadre=cadre, visited_on=past - datetime.timedelta(days=30))
    make_visit(household=later, cadre=cadre, visited_on=past + DAY)
    make_visit(household=missed, cadre=cadre, visited_on=past, outcome=Visit.Outcome.AWAY)
    make_need(household=reached, cadre=cadre, raised_on=past - DAY)
    make_need(
        household=earlier,
        cadre=cadre,
        raised_on=past - datetime.timedelta(days=5),
        status=Need.Status.RESOLVED,
        resolution="已办结",
        closed_on=past - DAY,
    )
    make_need(
        household=later,
        cadre=cadre,
        raised_on=past - DAY,
        status=Need.Status.RESOLVED,
        resolution="已办结",
        closed_on=past + DAY,
    )
    make_need(household=later, cadre=cadre, raised_on=past + DAY)

    written = snapshots.backfill(since=past, until=past)

    assert written == 4  # the city, the county, the township and the village
    row = AreaSnapshot.objects.get(code=village.code, day=past)
    assert row.backfilled
    assert (row.visited_30, row.visited_90) == (1, 2)
    assert (row.needs_raised, row.needs_resolved, row.needs_open) == (3, 1, 2)
    assert (row.villages, row.households) == (1, 4)
    # What the dated records cannot tell of a past day stays empty, not guessed.
    for name in ("households_covered", "units", "cadres", "needs_overdue", "projects"):
        assert getattr(row, name) is None, name
    assert row.satisfaction is None
    city = AreaSnapshot.objects.get(level="city", day=past)
    assert (city.visited_30, city.households) == (1, 4)


def test_back_filling_leaves_days_that_have_a_snapshot_alone(db: None) -> None:
    village = make_village()
    make_visit(household=make_household(village=village), visited_on=TODAY - 2 * DAY)
    snapshots.take(day=TODAY - DAY)
    taken = snapshot_of(village.code, TODAY - DAY)

    written = snapshots.backfill(since=TODAY - 3 * DAY, until=TODAY - DAY)

    assert written == 2 * 4
    assert snapshot_of(village.code, TODAY - DAY) == taken
    assert not AreaSnapshot.objects.get(code=village.code, day=TODAY - DAY).backfilled
    assert AreaSnapshot.objects.get(code=village.code, day=TODAY - 2 * DAY).visited_30 == 1
    assert snapshots.backfill(since=TODAY - 3 * DAY, until=TODAY - DAY) == 0


def test_back_filling_takes_as_many_queries_for_a_day_as_for_many(db: None) -> None:
    village = make_village()
    make_visit(household=make_household(village=village), visited_on=TODAY - 20 * DAY)
    snapshots.backfill(since=TODAY - 40 * DAY, until=TODAY - 40 * DAY)
    with CaptureQueriesContext(connection) as one_day:
        snapshots.backfill(since=TODAY - 30 * DAY, until=TODAY - 30 * DAY)
    with CaptureQueriesContext(connection) as many_days:
        snapshots.backfill(since=TODAY - 25 * DAY, until=TODAY - 18 * DAY)
    assert len(many_days) == len(one_day)


def recount_day(villages: object, day: datetime.date) -> dict[str, int]:
    """The back-filled figures of a day, straight from the visits and needs of ``villages``."""
    contacts = Visit.objects.contacts().filter(village__in=villages, visited_on__lte=day)
    needs = Need.objects.filter(village__in=villages, raised_on__lte=day)

    def reached(days: int) -> int:
        start = day - datetime.timedelta(days=days - 1)
        return contacts.filter(visited_on__gte=start).values("household").distinct().count()

    rated = contacts.exclude(satisfaction="")
    pleased = [Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED]
    return {
        "visited_30": reached(30),
        "visited_90": reached(90),
        "needs_raised": needs.count(),
        "needs_resolved": needs.filter(status=Need.Status.RESOLVED, closed_on__lte=day).count(),
        "needs_open": needs.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day)).count(),
        "rated": rated.count(),
        "pleased": rated.filter(satisfaction__in=pleased).count(),
    }


def test_back_filled_days_equal_a_recount_of_the_visits_and_needs_of_each_day(
    demo: None,
) -> None:
    days = [TODAY - 100 * DAY, TODAY - 31 * DAY, TODAY - 30 * DAY, TODAY - DAY]
    AreaSnapshot.objects.filter(day__gte=days[0]).delete()
    snapshots.backfill(since=days[0], until=days[-1])
    township = Township.objects.filter(villages__isnull=False).first()
    areas = {
        City.objects.get().code: Village.objects.all(),
        township.code: Village.objects.filter(township=township),
    }
    areas |= {village.code: [village] for village in Village.objects.all()[:5]}
    for day in days:
        for code, villages in areas.items():
            row = AreaSnapshot.objects.filter(code=code, day=day)
            assert row.values(*recount_day(villages, day)).get() == recount_day(villages, day)


def test_the_nightly_command_writes_yesterdays_snapshot(db: None) -> None:
    village = make_village()
    household = make_household(village=village)
    make_assignment(household=household)
    out = io.StringIO()
    call_command("refresh_rollups", stdout=out)
    yesterday = TODAY - DAY
    assert "Snapshot of" in out.getvalue()
    row = AreaSnapshot.objects.get(code=village.code, day=yesterday)
    assert (row.households, row.households_covered, row.backfilled) == (1, 1, False)
    assert not AreaSnapshot.objects.filter(day=TODAY).exists()


def test_the_nightly_command_can_leave_the_snapshot_out(db: None) -> None:
    make_village()
    call_command("refresh_rollups", "--no-snapshot", stdout=io.StringIO())
    assert not AreaSnapshot.objects.exists()


def test_the_back_fill_command_prints_how_many_rows_it_wrote(db: None) -> None:
    make_village()
    out = io.StringIO()
    since = (TODAY - 3 * DAY).isoformat()
    until = (TODAY - 2 * DAY).isoformat()
    call_command("backfill_snapshots", "--since", since, "--until", until, stdout=out)
    assert AreaSnapshot.objects.filter(backfilled=True).count() == 8
    assert "8" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "2026-13-01"], "日期“2026-13-01”无效，应为 YYYY-MM-DD 格式。"),
        (
            ["--since", "2026-11-01", "--until", "11/30"],
            "日期“11/30”无效，应为 YYYY-MM-DD 格式。",
        ),
        (
            ["--since", "2026-11-02", "--until", "2026-11-01"],
            "起始日期不能晚于截止日期。",
        ),
    ],
)
def test_the_back_fill_command_refuses_bad_dates(
    db: None, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("backfill_snapshots", *arguments, stdout=io.StringIO())
    assert str(raised.value) == message


def test_the_demo_has_half_a_year_of_history_and_todays_snapshot(demo: None) -> None:
    city = City.objects.get().code
    days = AreaSnapshot.objects.filter(code=city).order_by("day")
    assert days.count() == HISTORY_DAYS + 1
    assert days.first().day == TODAY - datetime.timedelta(days=HISTORY_DAYS)
    assert days.first().backfilled
    assert not days.last().backfilled
    assert days.last().day == TODAY
    # The demo's visits reach back 200 days: the history has them.
    assert days.first().visited_90 > 0


def test_the_generated_city_can_come_with_history_and_replacing_it_drops_the_old(
    db: None, settings: object
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command(
        "generate_city_data", "--scale", "0.001", "--history-days", "3", "--no-input", stdout=out
    )
    assert "trends' history" in out.getvalue()
    city = City.objects.get().code
    rows = AreaSnapshot.objects.filter(code=city).order_by("day")
    days = list(rows.values_list("day", flat=True))
    assert days == [TODAY - 3 * DAY, TODAY - 2 * DAY, TODAY - DAY, TODAY]
    villages = Village.objects.count()
    assert AreaSnapshot.objects.filter(day=TODAY, level="village").count() == villages

    call_command("generate_city_data", "--scale", "0.001", "--replace", "--no-input", stdout=out)
    assert not AreaSnapshot.objects.exists()
