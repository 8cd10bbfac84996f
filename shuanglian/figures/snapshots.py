"""The trends' history: every area's headline figures written once a day (``AreaSnapshot``).

``take`` writes one row for the city, each county, each township and each village, with the
figures the dashboard shows for that area (``summary.figures_for``), summed level by level from
the per-village, per-unit and per-work-group rollups and the survey rounds' figures: a fixed
number of queries whatever the number of villages. Taking the same day again overwrites it.

The snapshot of a day holds the figures at the end of that day: the nightly job
(``manage.py refresh_rollups``, just after midnight) takes yesterday's, the 30- and 90-day
windows ending on it and the projects of its year.

``backfill`` writes the days before the first snapshot from the dated raw records alone:
visits by date (reached in the 30 and 90 days ending on the day), needs raised and closed by
date, the cadres' ratings by visit date; villages and households as they are now. What the
raw records cannot tell for a past day (coverage, participation, overdue needs, projects,
funds, assessments, measured satisfaction) is left empty. A day that has a snapshot is never
written over. The records are read once for the whole range (the visits in one ordered pass),
as changes of each village's counts by day, which are then added up day by day.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from satisfaction.models import Round
from shuanglian.figures import rollups
from shuanglian.figures.survey_stats import _estimate, _sums, roll_up
from shuanglian.models import (
    AreaSnapshot,
    SurveyRoundRollup,
    SurveyTownshipFigures,
    SurveyVillageFigures,
    UnitFigures,
    VillageFigures,
    VillageFunds,
    WorkGroupFigures,
)
from units.models import WorkGroup
from villages.models import City, County, Township, Village
from visits.models import Need, Satisfaction, Visit

Level = AreaSnapshot.Level
ZERO = Decimal("0.00")
# Rows written by one INSERT: well below PostgreSQL's 65,535 parameters a statement.
BATCH = 2000
# The figures a snapshot has, from the fields of the model.
FIGURES = [
    field.name
    for field in AreaSnapshot._meta.concrete_fields
    if field.name not in {"id", "code", "level", "day", "backfilled"}
]
# Keys of the sums by level: the city (one total), a county, a township, a village.
CITY = None


class Areas:
    """Every area's code and where it lies: four queries."""

    def __init__(self) -> None:
        city = City.objects.order_by("pk").values_list("code", flat=True).first()
        self.city_code = city or settings.CITY_CODE
        self.counties = dict(County.objects.order_by().values_list("pk", "code"))
        self.townships = {
            pk: (code, county)
            for pk, code, county in Township.objects.order_by().values_list(
                "pk", "code", "county_id"
            )
        }
        self.villages = {
            pk: (code, township)
            for pk, code, township in Village.objects.order_by().values_list(
                "pk", "code", "township_id"
            )
        }

    def every(self) -> Iterable[tuple[str, object, str]]:
        """(level, key of its sums, code) of every area, the city first."""
        yield Level.CITY, CITY, self.city_code
        for pk, code in self.counties.items():
            yield Level.COUNTY, pk, code
        for pk, (code, _county) in self.townships.items():
            yield Level.TOWNSHIP, pk, code
        for pk, (code, _township) in self.villages.items():
            yield Level.VILLAGE, pk, code

    def up_from_villages(self, by_village: dict[int, list[int]]) -> dict[str, dict]:
        """Counts of villages (lists in the order of ``DATED``) added up to their townships,
        counties and the city."""
        sums: dict[str, dict] = {level: {} for level in Level.values}
        for village, figures in by_village.items():
            located = self.villages.get(village)
            if located is None:
                continue
            township = located[1]
            county = self.townships[township][1]
            for level, key in (
                (Level.VILLAGE, village),
                (Level.TOWNSHIP, township),
                (Level.COUNTY, county),
                (Level.CITY, CITY),
            ):
                total = sums[level].get(key)
                if total is None:
                    sums[level][key] = list(figures)
                else:
                    for index, value in enumerate(figures):
                        total[index] += value
        return sums


def _by_level(queryset: Any, keys: dict[str, str | None], **sums: Any) -> dict[str, dict]:
    """``sums`` of ``queryset`` for each level, grouped by the field ``keys[level]`` (None:
    one total): one aggregate query a level."""
    result: dict[str, dict] = {}
    for level, key in keys.items():
        if key is None:
            result[level] = {CITY: queryset.order_by().aggregate(**sums)}
        else:
            rows = queryset.order_by().values(key).annotate(**sums).order_by()
            result[level] = {row.pop(key): row for row in rows}
    return result


AREA_KEYS = {
    Level.CITY: None,
    Level.COUNTY: "county_id",
    Level.TOWNSHIP: "township_id",
    Level.VILLAGE: "village_id",
}


def _village_sums() -> dict[str, dict]:
    return _by_level(
        VillageFigures.objects.all(),
        AREA_KEYS,
        villages=Count("pk"),
        villages_covered=Count("pk", filter=Q(has_work_group=True)),
        households=Sum("households"),
        households_covered=Sum("covered"),
        visited_30=Sum("visited_30"),
        visited_90=Sum("visited_90"),
        needs_raised=Sum("needs_raised"),
        needs_resolved=Sum("needs_resolved"),
        needs_open=Sum("needs_open"),
        needs_overdue=Sum("needs_overdue"),
        rated=Sum("rated"),
        pleased=Sum("pleased"),
        assessed=Sum("assessed_approved"),
        up_to_standard=Sum("up_to_standard"),
    )


def _project_sums() -> dict[str, dict]:
    projects = _by_level(
        WorkGroupFigures.objects.all(),
        AREA_KEYS,
        projects=Sum(F("planned") + F("underway") + F("completed") + F("accepted")),
    )
    funds = _by_level(
        VillageFunds.objects.all(),
        AREA_KEYS,
        money_allocated=Sum("allocated"),
        money_paid=Sum("paid"),
    )
    for level, rows in funds.items():
        for key, row in rows.items():
            projects[level].setdefault(key, {}).update(row)
    return projects


def _unit_sums() -> dict[str, dict]:
    """Units based in the city, a county or a township, and for a village the units linking
    it, as ``Unit.objects.in_area`` takes them: two queries."""
    units = UnitFigures.objects.order_by().values_list(
        "unit_id",
        "unit__county_id",
        "unit__township_id",
        "links_village",
        "cadres",
        "cadres_linked",
    )
    sums: dict[str, dict] = {level: defaultdict(lambda: defaultdict(int)) for level in Level.values}
    figures = {}

    def add(total: dict, links: bool, cadres: int, linked: int) -> None:
        total["units"] += 1
        total["units_linking"] += int(links)
        total["cadres"] += cadres
        total["cadres_linking"] += linked

    for unit, county, township, links, cadres, linked in units:
        figures[unit] = (links, cadres, linked)
        add(sums[Level.CITY][CITY], links, cadres, linked)
        if county is not None:
            add(sums[Level.COUNTY][county], links, cadres, linked)
        if township is not None:
            add(sums[Level.TOWNSHIP][township], links, cadres, linked)
    pairs = WorkGroup.objects.order_by().values_list("village_id", "unit_id").distinct()
    for village, unit in pairs:
        if unit in figures:
            add(sums[Level.VILLAGE][village], *figures[unit])
    return sums


def _satisfaction(areas: Areas) -> dict[str, dict]:
    """The measured satisfaction (0–100, one decimal as the dashboard shows it) of the latest
    closed survey round covering each area: six queries, more the first time a round closed
    is read."""
    rolled = SurveyRoundRollup.objects.filter(round=OuterRef("pk")).values("closed_at")
    rounds = list(
        Round.objects.filter(status=Round.Status.CLOSED)
        .annotate(rolled_at=Subquery(rolled))
        .order_by("ends_on", "pk")
    )
    stale = [r for r in rounds if r.rolled_at is None or r.rolled_at != r.closed_at]
    if stale:
        roll_up(stale)
    # The latest round over the city, over each county, over each township (rounds in order).
    city_round = None
    county_rounds: dict[int, Round] = {}
    township_rounds: dict[int, Round] = {}
    for round_ in rounds:
        if round_.county_id is None and round_.township_id is None:
            city_round = round_
            county_rounds = dict.fromkeys(areas.counties, round_)
            township_rounds = dict.fromkeys(areas.townships, round_)
        elif round_.township_id is None:
            county_rounds[round_.county_id] = round_
            for township, (_code, county) in areas.townships.items():
                if county == round_.county_id:
                    township_rounds[township] = round_
        else:
            township_rounds[round_.township_id] = round_
    latest = {
        Level.CITY: {CITY: city_round} if city_round else {},
        Level.COUNTY: county_rounds,
        Level.TOWNSHIP: township_rounds,
        Level.VILLAGE: {
            village: township_rounds[township]
            for village, (_code, township) in areas.villages.items()
            if township in township_rounds
        },
    }
    sources = {
        Level.CITY: (SurveyTownshipFigures, None),
        Level.COUNTY: (SurveyTownshipFigures, "county"),
        Level.TOWNSHIP: (SurveyVillageFigures, "township"),
        Level.VILLAGE: (SurveyVillageFigures, "village"),
    }
    result: dict[str, dict] = {}
    for level, by_key in latest.items():
        model, key = sources[level]
        wanted = {r.pk for r in by_key.values()}
        result[level] = {}
        if not wanted:
            continue
        keys = ("round",) if key is None else ("round", key)
        rows = {
            (row["round"], row.get(key)): row
            for row in _sums(model.objects.filter(round__in=wanted), *keys)
        }
        for area_key, round_ in by_key.items():
            row = rows.get((round_.pk, area_key))
            if row is None:
                continue
            percent = _estimate(row, round_.least_interviews).percent
            if percent is not None:
                result[level][area_key] = {"satisfaction": Decimal(str(percent))}
    return result


def _merge(*parts: dict[str, dict]) -> dict[str, dict]:
    merged: dict[str, dict] = {level: defaultdict(dict) for level in Level.values}
    for part in parts:
        for level, rows in part.items():
            for key, row in rows.items():
                merged[level][key].update(row)
    return merged


def _write(rows: list[AreaSnapshot]) -> None:
    """Write ``rows`` over the rows of the same area and day."""
    AreaSnapshot.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["code", "day"],
        update_fields=["level", "backfilled", *FIGURES],
    )


# The columns of a back-filled row, in the order ``_insert_missing`` takes its values.
BACKFILL_COLUMNS = ["code", "level", "day", "backfilled", *FIGURES]


def _insert_missing(rows: list[tuple]) -> None:
    """Insert ``rows`` (values in ``BACKFILL_COLUMNS`` order), leaving alone any area and day
    that already has a row. Hundreds of thousands of back-filled rows: Django's building and
    preparing of each value would take longer than the counting; the values are plain
    integers, dates and text."""
    if not rows:
        return
    table = AreaSnapshot._meta.db_table
    insert = f"INSERT INTO {table} ({', '.join(BACKFILL_COLUMNS)}) VALUES %s"  # noqa: S608
    ignore = " ON CONFLICT (code, day) DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, insert + ignore, rows, page_size=BATCH)
        else:
            placeholders = "(" + ", ".join(["%s"] * len(BACKFILL_COLUMNS)) + ")"
            cursor.executemany(insert.replace("%s", placeholders) + ignore, rows)


@transaction.atomic
def take(*, day: datetime.date | None = None) -> int:
    """Write every area's figures for ``day`` (default today), as the dashboard shows them
    on that day, over any snapshot of the day; return how many rows were written."""
    day = day or timezone.localdate()
    rollups.bring_up_to_date(day)
    areas = Areas()
    figures = _merge(_village_sums(), _project_sums(), _unit_sums(), _satisfaction(areas))
    counted = [name for name in FIGURES if name != "satisfaction"]
    money = {"money_allocated", "money_paid"}
    rows = []
    for level, key, code in areas.every():
        values = figures[level].get(key, {})
        row = {
            name: values.get(name) or (ZERO if name in money else 0)
            for name in counted
            if name != "villages"
        }
        # A village is one village to the dashboard, linked or not.
        row["villages"] = 1 if level == Level.VILLAGE else values.get("villages") or 0
        row["satisfaction"] = values.get("satisfaction")
        rows.append(AreaSnapshot(code=code, level=level, day=day, backfilled=False, **row))
    _write(rows)
    return len(rows)


# The figures a back-filled day has from the dated records, in this order.
DATED = [
    "visited_30",
    "visited_90",
    "needs_raised",
    "needs_resolved",
    "needs_open",
    "rated",
    "pleased",
]
POSITION = {name: index for index, name in enumerate(DATED)}


class Events:
    """Changes of each village's counts (``DATED``), by day from ``first`` on, and the counts
    on the day before it: a count on a day is the sum of its changes up to that day."""

    def __init__(self, first: datetime.date) -> None:
        self.first = first
        self.before: dict[int, list[int]] = {}
        self.changes: dict[datetime.date, dict[int, list[int]]] = defaultdict(dict)

    def add(self, village: int, day: datetime.date, name: str, change: int) -> None:
        if day < self.first:
            changes = self.before.get(village)
            if changes is None:
                changes = self.before[village] = [0] * len(DATED)
        else:
            changes = self.changes[day].get(village)
            if changes is None:
                changes = self.changes[day][village] = [0] * len(DATED)
        changes[POSITION[name]] += change


def _visit_events(events: Events, since: datetime.date, until: datetime.date) -> None:
    """Households reached in the 30 and 90 days ending on each day, and the visits rated up
    to it, as changes by day: two queries for the whole range.

    Each household's contact dates, in order, make runs of days it counts as reached (a visit
    on day v covers v to v + N − 1): +1 where a run begins, −1 the day after it ends."""
    pleased = {Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED}
    rated_before = (
        Visit.objects.contacts()
        .exclude(satisfaction="")
        .filter(visited_on__lt=since)
        .order_by()
        .values("village_id")
        .annotate(rated=Count("pk"), pleased=Count("pk", filter=Q(satisfaction__in=pleased)))
    )
    day_before = since - datetime.timedelta(days=1)
    for row in rated_before:
        events.add(row["village_id"], day_before, "rated", row["rated"])
        events.add(row["village_id"], day_before, "pleased", row["pleased"])
    visits = (
        Visit.objects.contacts()
        .filter(visited_on__range=(rollups.since(since, max(rollups.PERIODS)), until))
        .order_by("household_id", "visited_on")
        .values_list("household_id", "village_id", "visited_on", "satisfaction")
    )
    household = village = None
    ends: dict[int, datetime.date] = {}
    one = datetime.timedelta(days=1)

    def close() -> None:
        for days, end in ends.items():
            events.add(village, end + one, f"visited_{days}", -1)

    for pk, in_village, visited_on, satisfaction in visits.iterator(chunk_size=20000):
        if pk != household:
            if household is not None:
                close()
            household, village, ends = pk, in_village, {}
        for days in rollups.PERIODS:
            end = ends.get(days)
            if end is None or visited_on > end:
                if end is not None:
                    events.add(village, end + one, f"visited_{days}", -1)
                events.add(village, visited_on, f"visited_{days}", 1)
            ends[days] = visited_on + datetime.timedelta(days=days - 1)
        if satisfaction and visited_on >= since:
            events.add(village, visited_on, "rated", 1)
            events.add(village, visited_on, "pleased", int(satisfaction in pleased))
    if household is not None:
        close()


def _need_events(events: Events, until: datetime.date) -> None:
    """Needs raised by each day, resolved by it and open at its end, as changes by day: one
    query for the whole range."""
    one = datetime.timedelta(days=1)
    needs = (
        Need.objects.filter(raised_on__lte=until)
        .order_by()
        .values_list("village_id", "raised_on", "closed_on", "status")
        .annotate(n=Count("pk"))
    )
    for village, raised_on, closed_on, status, n in needs:
        events.add(village, raised_on, "needs_raised", n)
        events.add(village, raised_on, "needs_open", n)
        if closed_on is not None:
            events.add(village, max(closed_on + one, raised_on), "needs_open", -n)
            if status == Need.Status.RESOLVED:
                events.add(village, max(closed_on, raised_on), "needs_resolved", n)


@transaction.atomic
def backfill(*, since: datetime.date, until: datetime.date) -> int:
    """Write the days from ``since`` to ``until`` that have no snapshot, recounted from the
    dated records (``backfilled``); return how many rows were written. A fixed number of
    queries for the whole range, and one INSERT for every 2,000 rows."""
    rollups.bring_up_to_date()
    taken = set(
        AreaSnapshot.objects.filter(day__range=(since, until))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    areas = Areas()
    # Villages and households as they are now: the raw records keep no history of them.
    now = _by_level(
        VillageFigures.objects.all(),
        AREA_KEYS,
        villages=Count("pk"),
        households=Sum("households"),
    )
    events = Events(since)
    _visit_events(events, since, until)
    _need_events(events, until)
    counts = events.before
    written = 0
    rows: list[tuple] = []
    day = since
    while day <= until:
        for village, changes in events.changes.pop(day, {}).items():
            village_counts = counts.setdefault(village, [0] * len(DATED))
            for index, change in enumerate(changes):
                village_counts[index] += change
        if day not in taken:
            sums = areas.up_from_villages(counts)
            for level, key, code in areas.every():
                values = sums[level].get(key) or [0] * len(DATED)
                present = now[level].get(key, {})
                row: dict[str, Any] = dict.fromkeys(FIGURES)
                row.update(zip(DATED, values, strict=True))
                row["households"] = present.get("households") or 0
                row["villages"] = 1 if level == Level.VILLAGE else present.get("villages") or 0
                rows.append((code, level, day, True, *(row[name] for name in FIGURES)))
            if len(rows) >= BATCH:
                _insert_missing(rows)
                written, rows = written + len(rows), []
        day += datetime.timedelta(days=1)
    _insert_missing(rows)
    return written + len(rows)
