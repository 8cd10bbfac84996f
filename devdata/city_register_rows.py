"""The rows of the synthetic city's register (areas, households, units, cadres and their
accounts, work groups, surveys, assignments), made from its plan one table at a time.

Each function returns the model, the fields it fills (in row order) and an iterator of
row tuples, so one writer streams them to PostgreSQL's COPY and another inserts them into
SQLite. Values are ``str``, ``int`` or ``bool``; a missing value is ``NULL`` (COPY's marker).
Every table has its own seeded random generator, so the rows do not depend on which
tables were written before. Visits, needs and their notes are in ``city_visit_rows``.
"""

import datetime
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from devdata.city_names import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    POSITIONS_DEPUTY,
    POSITIONS_HEAD,
    POSITIONS_STAFF,
)
from devdata.city_plan_areas import CATEGORIES, SURNAME_CHARS, SURNAME_WEIGHTS, CityPlan, apportion
from devdata.city_texts import ENDED_CHANGED, ENDED_LEFT, SURVEY
from units.models import Cadre, HouseholdAssignment, Unit, VillageSurvey, WorkGroup, WorkGroupMember
from villages.models import City, County, Household, Township, Village
from villages.validators import check_character

NULL = "\\N"
Row = tuple[object, ...]
Rows = tuple[type[models.Model], tuple[str, ...], Iterator[Row]]
HOUSEHOLD_SIZES = ((1, 10), (2, 25), (3, 22), (4, 22), (5, 13), (6, 6), (7, 2))
BIRTH_FIRST, BIRTH_LAST = datetime.date(1940, 1, 1), datetime.date(2000, 12, 31)


def pick_table(choices: Sequence[tuple[object, float]], size: int = 1000) -> list[object]:
    """A list to pick from at random, each value as often as its weight says."""
    counts = apportion(size, [weight for _value, weight in choices])
    return [
        value for (value, _weight), count in zip(choices, counts, strict=True) for _ in range(count)
    ]


SURNAME_TABLE = pick_table(list(zip(SURNAME_CHARS, SURNAME_WEIGHTS, strict=True)))


@dataclass
class Calendar:
    """Dates and times as the database takes them, by days before ``today``."""

    today: datetime.date
    datetime_text: Callable[[datetime.datetime], str]
    day: dict[int, str] = field(default_factory=dict)
    moment: dict[int, str] = field(default_factory=dict)
    now: str = ""

    def __post_init__(self) -> None:
        zone = timezone.get_current_timezone()
        for ago in range(-60, 1200):
            date = self.today - datetime.timedelta(days=ago)
            self.day[ago] = date.isoformat()
            morning = datetime.datetime.combine(date, datetime.time(10), tzinfo=zone)
            self.moment[ago] = self.datetime_text(morning)
        self.now = self.datetime_text(timezone.now())


def table_rng(plan: CityPlan, table: str) -> random.Random:
    return random.Random(f"{plan.seed}:{table}")  # noqa: S311 - synthetic data, not secrets


# --- areas -------------------------------------------------------------------------------


def cities(plan: CityPlan) -> Rows:
    return City, ("id", "code", "name"), iter([(1, plan.city_code, plan.city_name)])


def counties(plan: CityPlan) -> Rows:
    rows = ((c.id, c.code, c.name, 1) for c in plan.counties)
    return County, ("id", "code", "name", "city_id"), rows


def townships(plan: CityPlan) -> Rows:
    rows = ((t.id, t.code, t.name, t.county.id) for t in plan.townships)
    return Township, ("id", "code", "name", "county_id"), rows


def villages(plan: CityPlan) -> Rows:
    rows = ((v.id, v.code, v.name, v.township.id, v.kind) for v in plan.villages)
    return Village, ("id", "code", "name", "township_id", "kind"), rows


def households(plan: CityPlan, calendar: Calendar) -> Rows:
    fields = (
        "id",
        "village_id",
        "head_name",
        "id_number",
        "phone",
        "members",
        "category",
        "address",
        "created_at",
        "updated_at",
    )
    return Household, fields, _households(plan, calendar)


def _households(plan: CityPlan, calendar: Calendar) -> Iterator[Row]:
    rng = table_rng(plan, "households")
    pick, below = rng.random, rng.randrange
    births = []
    day = BIRTH_FIRST
    while day <= BIRTH_LAST:
        births.append(f"{day:%Y%m%d}")
        day += datetime.timedelta(days=1)
    # Resident IDs: each county and sex walks its own permutation of (birth day, sequence
    # number) slots, so no two households share one and none needs checking against the rest.
    slots = len(births) * 500
    walks = {}
    for county in plan.counties:
        for male in (True, False):
            step = below(slots // 3, slots)
            while math.gcd(step, slots) != 1:
                step += 1
            walks[county.id, male] = [step, below(slots), 0]
    sizes = pick_table(HOUSEHOLD_SIZES)
    categories = CATEGORIES
    now = calendar.now
    household = 0
    for village in plan.villages:
        township = village.township
        region = township.county.code[:6]
        address = f"{township.name}{village.name}"
        local = village.surname
        male_walk, female_walk = walks[township.county.id, True], walks[township.county.id, False]
        for n in range(1, village.households + 1):
            household += 1
            male = pick() < 0.85
            walk = male_walk if male else female_walk
            slot = (walk[0] * walk[2] + walk[1]) % slots
            walk[2] += 1
            sequence = (slot % 500) * 2 + male
            body = f"{region}{births[slot // 500]}{sequence:03d}"
            surname = local if local and pick() < 0.45 else SURNAME_TABLE[int(pick() * 1000)]
            chars = MALE_GIVEN if male else FEMALE_GIVEN
            given = chars[int(pick() * len(chars))]
            if pick() < 0.75:
                given += chars[int(pick() * len(chars))]
            phone = f"1{'35789'[int(pick() * 5)]}{below(1_000_000_000):09d}" if pick() < 0.9 else ""
            yield (
                household,
                village.id,
                surname + given,
                body + check_character(body),
                phone,
                sizes[int(pick() * 1000)],
                categories[plan.category[household]],
                f"{address}{n}号",
                now,
                now,
            )


# --- units, cadres and their accounts ---------------------------------------------------


def units(plan: CityPlan) -> Rows:
    fields = ("id", "name", "kind", "level", "county_id", "township_id")
    rows = (
        (
            unit.id,
            unit.name,
            unit.kind,
            unit.level,
            unit.county.id if unit.county else NULL,
            unit.township.id if unit.township else NULL,
        )
        for unit in sorted(plan.units, key=lambda unit: unit.id)
    )
    return Unit, fields, rows


def username(plan: CityPlan, cadre: int) -> str:
    """The sign-in name of the cadre with this id: c000001, c000002, …"""
    return f"c{cadre:0{max(6, len(str(plan.cadres)))}d}"


def users(plan: CityPlan, calendar: Calendar, user_ids: Sequence[int], password: str) -> Rows:
    fields = (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    )
    now = calendar.now
    rows = (
        (
            user_ids[cadre],
            password,
            NULL,
            False,
            username(plan, cadre),
            plan.cadre_name[cadre],
            "",
            "",
            False,
            True,
            now,
        )
        for cadre in range(1, plan.cadres + 1)
    )
    return get_user_model(), fields, rows


def cadres(plan: CityPlan, user_ids: Sequence[int]) -> Rows:
    fields = (
        "id",
        "unit_id",
        "name",
        "position",
        "phone",
        "photo",
        "is_party_member",
        "in_service",
        "user_id",
        "must_change_password",
    )
    return Cadre, fields, _cadres(plan, user_ids)


def _cadres(plan: CityPlan, user_ids: Sequence[int]) -> Iterator[Row]:
    rng = table_rng(plan, "cadres")
    pick, below = rng.random, rng.randrange
    staff = pick_table(POSITIONS_STAFF)
    for unit in sorted(plan.units, key=lambda unit: unit.first_cadre):
        for index in range(unit.cadres):
            cadre = unit.first_cadre + index
            if index == 0:
                position = POSITIONS_HEAD[unit.kind]
            elif index < 3:
                position = POSITIONS_DEPUTY[unit.kind]
            else:
                position = staff[int(pick() * 1000)]
            yield (
                cadre,
                unit.id,
                plan.cadre_name[cadre],
                position,
                f"1{'3578'[int(pick() * 4)]}{below(1_000_000_000):09d}",
                "",
                pick() < 0.92 or index < 3,
                plan.left_ago[cadre] == 0,
                user_ids[cadre],
                False,
            )


def work_groups(plan: CityPlan, calendar: Calendar) -> Rows:
    fields = ("id", "unit_id", "village_id", "leader_id", "established_on")
    rows = (
        (g.id, g.unit.id, g.village.id, g.leader, calendar.day[g.established_ago])
        for g in plan.groups
    )
    return WorkGroup, fields, rows


def work_group_members(plan: CityPlan) -> Rows:
    def rows() -> Iterator[Row]:
        member = 0
        for group in plan.groups:
            for cadre in group.members:
                member += 1
                yield member, group.id, cadre

    return WorkGroupMember, ("id", "work_group_id", "cadre_id"), rows()


def village_surveys(plan: CityPlan, calendar: Calendar) -> Rows:
    fields = ("id", "village_id", "year", "recorded_by_id", "updated_at", *SURVEY)
    return VillageSurvey, fields, _village_surveys(plan, calendar)


def _village_surveys(plan: CityPlan, calendar: Calendar) -> Iterator[Row]:
    rng = table_rng(plan, "surveys")
    survey = 0
    this_year = calendar.today.year
    for village in plan.villages:
        if not village.groups:
            continue
        leader = village.groups[0].leader
        for year, chance in ((this_year - 1, 0.9), (this_year, 0.55)):
            if rng.random() < chance:
                survey += 1
                answers = tuple(rng.choice(texts) for texts in SURVEY.values())
                yield (survey, village.id, year, leader, calendar.now, *answers)


# --- who links which household -----------------------------------------------------------


def assignments(plan: CityPlan, calendar: Calendar) -> Rows:
    fields = (
        "id",
        "household_id",
        "village_id",
        "cadre_id",
        "started_on",
        "ended_on",
        "end_reason",
        "created_at",
    )
    return HouseholdAssignment, fields, _assignments(plan, calendar)


def _assignments(plan: CityPlan, calendar: Calendar) -> Iterator[Row]:
    day, moment = calendar.day, calendar.moment
    cadre, since = plan.cadre, plan.since
    before, before_since, before_until = plan.before, plan.before_since, plan.before_until
    left_ago = plan.left_ago
    assignment = 0
    village_of = plan.village
    for household in range(1, plan.households + 1):
        current = cadre[household]
        if not current:
            continue
        village = village_of[household]
        previous = before[household]
        if previous:
            assignment += 1
            started, ended = before_since[household], before_until[household]
            reason = ENDED_LEFT if left_ago[previous] == ended else ENDED_CHANGED
            yield (
                assignment,
                household,
                village,
                previous,
                day[started],
                day[ended],
                reason,
                moment[started],
            )
        assignment += 1
        started = since[household]
        yield (assignment, household, village, current, day[started], NULL, "", moment[started])
