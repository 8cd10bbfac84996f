"""The shape of a synthetic city: areas, units, work groups, cadres and who links which household.

The plan holds what several tables need to agree on (ids, counts, who is responsible for a
household and since when) in compact arrays; the rows themselves are made from it table by
table in ``city_rows``. Days are counted back from ``today`` ("days ago"), so the same
seed gives the same city on any day, only shifted in time.
"""

import json
import math
import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from devdata.city_names import (
    COMMUNITY_WORDS,
    FEMALE_GIVEN,
    KINDS,
    MALE_GIVEN,
    PLACE_FIRST,
    PLACE_SECOND,
    SURNAMES,
    VILLAGE_PREFIXES,
    VILLAGE_WORDS,
    Names,
    city_units,
    county_units,
    township_units,
)
from devdata.demo import GEOGRAPHY_FILE

# The city at scale 1.0; everything below scales with it except the nine counties.
VILLAGES = 5_900
HOUSEHOLDS = 2_700_000
CITY_UNITS = 250
COUNTY_UNITS = 1_500
TOWNSHIP_UNITS = 1_250
CADRES = 150_000
VISITS = 3_000_000
# Townships and subdistricts of each county, and its share of the households.
COUNTY_SHAPE = {
    "371702": (22, 10, 1.35),  # 牡丹区
    "371703": (11, 3, 0.62),  # 定陶区
    "371721": (27, 4, 1.55),  # 曹县
    "371722": (22, 3, 1.15),  # 单县
    "371723": (14, 2, 0.70),  # 成武县
    "371724": (17, 3, 0.95),  # 巨野县
    "371725": (22, 4, 1.15),  # 郓城县
    "371726": (17, 2, 0.85),  # 鄄城县
    "371728": (16, 2, 0.80),  # 东明县
}
MAX_SCALE = 4.0

LINKED_VILLAGES = 0.97  # villages with a work group
SECOND_GROUP = 0.04  # linked villages that a second unit links too
UNITS_WITHOUT_VILLAGE = 0.02
IDLE_CADRES = 0.035  # in service but linking no household, per cadre carrying households
DEPARTED = 0.03  # cadres who left, per cadre carrying households
DEPARTED_STILL_LINKED = 1 / 3  # of those, whose households still wait for a new cadre
CARRYING_SHARE = 0.94  # of all cadres, those carrying households
REASSIGNED = 0.02  # households whose cadre changed once (an ended assignment)
VISIT_DAYS = 730  # visits reach back two years

SURNAME_CHARS = [surname for surname, _weight in SURNAMES]
SURNAME_WEIGHTS = [weight for _surname, weight in SURNAMES]
# Household categories in villages and in urban communities, as (code, weight).
CATEGORIES = ("general", "lifted", "monitored", "subsistence", "destitute")
VILLAGE_CATEGORY_WEIGHTS = (80, 11, 2, 5, 2)
COMMUNITY_CATEGORY_WEIGHTS = (93, 1, 0.5, 4, 1.5)


@dataclass(slots=True, eq=False)
class County:
    id: int
    code: str
    name: str
    weight: float
    townships: list["Township"] = field(default_factory=list)
    units: list["Unit"] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Township:
    id: int
    code: str
    name: str
    county: County
    is_subdistrict: bool
    villages: list["Village"] = field(default_factory=list)
    units: list["Unit"] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Village:
    id: int
    code: str
    name: str
    kind: str
    surname: str  # the family name the village is named after, "" for communities
    township: Township
    households: int = 0
    first_household: int = 0
    groups: list["Group"] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Unit:
    id: int
    name: str
    kind: str
    level: str
    county: County | None
    township: Township | None
    groups: list["Group"] = field(default_factory=list)
    first_cadre: int = 0
    cadres: int = 0


@dataclass(slots=True, eq=False)
class Group:
    id: int
    unit: Unit
    village: Village
    established_ago: int
    leader: int = 0
    members: list[int] = field(default_factory=list)


@dataclass(eq=False)
class CityPlan:
    scale: float
    seed: int
    max_per_cadre: int
    city_code: str
    city_name: str
    counties: list[County]
    townships: list[Township]
    villages: list[Village]
    units: list[Unit] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    households: int = 0
    # Per household (index = id): category index, the cadre responsible now (0: none) and
    # since when, and the one responsible before (0: none), from when until when.
    category: bytearray = field(default_factory=bytearray)
    village: array = field(default_factory=lambda: array("i"))
    cadre: array = field(default_factory=lambda: array("i"))
    since: array = field(default_factory=lambda: array("H"))
    before: array = field(default_factory=lambda: array("i"))
    before_since: array = field(default_factory=lambda: array("H"))
    before_until: array = field(default_factory=lambda: array("H"))
    # Per cadre (index = id): unit id, name, and the day they left (0: in service).
    cadre_unit: array = field(default_factory=lambda: array("i", [0]))
    cadre_name: list[str] = field(default_factory=lambda: [""])
    left_ago: array = field(default_factory=lambda: array("H", [0]))
    # Households a cadre could not take because every cadre of the unit had the maximum.
    over_capacity: int = 0

    @property
    def cadres(self) -> int:
        return len(self.cadre_name) - 1


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into whole shares proportional to ``weights``, each at least ``minimum``."""
    spare = max(total - minimum * len(weights), 0)
    whole = sum(weights)
    raw = [spare * weight / whole for weight in weights]
    counts = [int(share) for share in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [count + minimum for count in counts]


def build_plan(*, scale: float, seed: int, max_per_cadre: int, coverage: float) -> CityPlan:
    """The city at ``scale``, the same for the same seed."""
    plan = _geography(random.Random(f"{seed}:geography"), scale)  # noqa: S311 - synthetic data
    _households(random.Random(f"{seed}:households"), plan)  # noqa: S311
    _units(random.Random(f"{seed}:units"), plan)  # noqa: S311
    _work_groups(random.Random(f"{seed}:groups"), plan)  # noqa: S311
    plan.seed, plan.max_per_cadre = seed, max_per_cadre
    _cadres_and_assignments(random.Random(f"{seed}:cadres"), plan, coverage)  # noqa: S311
    return plan


# --- areas ------------------------------------------------------------------------------


def _geography(rng: random.Random, scale: float) -> CityPlan:
    data = json.loads(GEOGRAPHY_FILE.read_text())
    counties = []
    for index, row in enumerate(data["counties"], start=1):
        _total, _subdistricts, weight = COUNTY_SHAPE[row["code"][:6]]
        counties.append(County(index, row["code"], row["name"], weight))
    stems = [first + second for first in PLACE_FIRST for second in PLACE_SECOND]
    rng.shuffle(stems)
    townships: list[Township] = []
    for county in counties:
        total, subdistricts, _weight = COUNTY_SHAPE[county.code[:6]]
        count = max(1, round(total * scale))
        subdistricts = min(round(subdistricts * scale), count - 1)
        towns = count - subdistricts
        xiang = round(towns * 0.2)
        for n in range(count):
            if n < subdistricts:
                number, suffix = 1 + n, "街道"
            elif n < count - xiang:
                number, suffix = 101 + n - subdistricts, "镇"
            else:
                number, suffix = 201 + n - (count - xiang), "乡"
            township = Township(
                len(townships) + 1,
                f"{county.code[:6]}{number:03d}000",
                stems.pop() + suffix,
                county,
                is_subdistrict=n < subdistricts,
            )
            county.townships.append(township)
            townships.append(township)
    weights = [
        (0.7 if township.is_subdistrict else 1.0) * rng.uniform(0.6, 1.4) for township in townships
    ]
    per_township = apportion(round(VILLAGES * scale), weights, minimum=1)
    villages: list[Village] = []
    for township, count in zip(townships, per_township, strict=True):
        community_share = 0.75 if township.is_subdistrict else 0.06
        communities = sum(rng.random() < community_share for _ in range(count))
        used: set[str] = set()
        for n in range(count):
            community = n < communities
            name, surname = _village_name(rng, used, community=community)
            number = 1 + n if community else 201 + n - communities
            village = Village(
                len(villages) + 1,
                f"{township.code[:9]}{number:03d}",
                name,
                "community" if community else "village",
                surname,
                township,
            )
            township.villages.append(village)
            villages.append(village)
    city = data["city"]
    return CityPlan(
        scale=scale,
        seed=0,
        max_per_cadre=0,
        city_code=city["code"],
        city_name=city["name"],
        counties=counties,
        townships=townships,
        villages=villages,
    )


def _village_name(rng: random.Random, used: set[str], *, community: bool) -> tuple[str, str]:
    for _attempt in range(50):
        if community:
            name = rng.choice(COMMUNITY_WORDS) + rng.choice(("", "东", "西", "南", "北", "新"))
            name, surname = f"{name}社区", ""
        else:
            surname = rng.choices(SURNAME_CHARS, SURNAME_WEIGHTS)[0]
            prefix = rng.choice(VILLAGE_PREFIXES)
            name = f"{prefix}{surname}{rng.choice(VILLAGE_WORDS)}村"
        if name not in used:
            used.add(name)
            return name, surname
    # A township this crowded is only made at a very large scale: number the rest.
    name = f"{name[:-1]}{len(used) + 1}{name[-1]}"
    used.add(name)
    return name, surname


def _households(rng: random.Random, plan: CityPlan) -> None:
    """How many households each village has, their ids and their categories."""
    villages_in = {
        county.id: sum(len(t.villages) for t in county.townships) for county in plan.counties
    }
    weights = []
    for village in plan.villages:
        county = village.township.county
        share = county.weight / villages_in[county.id]
        if village.kind == "community":
            weights.append(share * 1.6 * rng.uniform(0.5, 1.5))
        else:
            weights.append(share * rng.uniform(0.4, 1.6))
    counts = apportion(round(HOUSEHOLDS * plan.scale), weights, minimum=1)
    next_id = 1
    category = bytearray(1)  # index 0 is no household
    village_of = array("i", [0])
    village_table = _weighted_table(VILLAGE_CATEGORY_WEIGHTS)
    community_table = _weighted_table(COMMUNITY_CATEGORY_WEIGHTS)
    for village, count in zip(plan.villages, counts, strict=True):
        village.households, village.first_household = count, next_id
        next_id += count
        village_of.extend([village.id] * count)
        table = community_table if village.kind == "community" else village_table
        size, pick = len(table), rng.random
        category.extend(table[int(pick() * size)] for _ in range(count))
    plan.households = next_id - 1
    plan.category = category
    plan.village = village_of


def _weighted_table(weights: Sequence[float], size: int = 1000) -> bytes:
    """A lookup table of indexes in proportion to ``weights``: pick one at random."""
    counts = apportion(size, weights)
    return bytes(index for index, count in enumerate(counts) for _ in range(count))


# --- units and work groups ---------------------------------------------------------------


def _units(rng: random.Random, plan: CityPlan) -> None:
    used: set[str] = set()

    def add(names: Names, level: str, county: County | None, township: Township | None) -> Unit:
        """A unit of a kind drawn by the level's weights; an enterprise once a kind runs out."""
        kinds = KINDS[level]
        kind = rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
        name = next((name for name in names[kind] if name not in used), None)
        if name is None:
            kind = "enterprise"
            name = next(name for name in names[kind] if name not in used)
        used.add(name)
        unit = Unit(len(plan.units) + 1, name, kind, level, county, township)
        plan.units.append(unit)
        return unit

    city_names = city_units()
    for _ in range(max(1, round(CITY_UNITS * plan.scale))):
        add(city_names, "city", None, None)
    county_counts = apportion(
        max(len(plan.counties), round(COUNTY_UNITS * plan.scale)),
        [county.weight for county in plan.counties],
        minimum=1,
    )
    for county, count in zip(plan.counties, county_counts, strict=True):
        names = county_units(county.name)
        county.units = [add(names, "county", county, None) for _ in range(count)]
    township_counts = apportion(
        round(TOWNSHIP_UNITS * plan.scale), [len(t.villages) for t in plan.townships]
    )
    for township, count in zip(plan.townships, township_counts, strict=True):
        names = township_units(township.name)
        township.units = [add(names, "township", township.county, township) for _ in range(count)]
    rng.shuffle(plan.units)
    for index, unit in enumerate(plan.units, start=1):
        unit.id = index


def _work_groups(rng: random.Random, plan: CityPlan) -> None:
    """Link ~97% of villages to units of their area; nearly every unit links a village."""
    linked = set(rng.sample(plan.villages, round(len(plan.villages) * LINKED_VILLAGES)))
    waiting = {t.id: [v for v in t.villages if v in linked] for t in plan.townships}
    for villages in waiting.values():
        rng.shuffle(villages)
    without_village = set(rng.sample(plan.units, round(len(plan.units) * UNITS_WITHOUT_VILLAGE)))
    linking = [unit for unit in plan.units if unit not in without_village]

    def link(unit: Unit, village: Village) -> None:
        group = Group(0, unit, village, established_ago=rng.randint(760, 1000))
        unit.groups.append(group)
        village.groups.append(group)

    # Every unit first takes a village of its own area that no unit links yet.
    order = {"township": 0, "county": 1, "city": 2}
    for unit in sorted(linking, key=lambda unit: order[unit.level]):
        townships = _area_townships(plan, unit)
        rng.shuffle(townships)
        free = next((t for t in townships if waiting[t.id]), None)
        if free is not None:
            link(unit, waiting[free.id].pop())
        else:
            candidates = [v for t in townships for v in t.villages if v in linked]
            if candidates:
                link(unit, rng.choice(candidates))
    # Villages still waiting go to a unit of their township, their county or the city.
    city_linking = [unit for unit in linking if unit.level == "city"]
    for township in plan.townships:
        for village in waiting[township.id]:
            pools = [
                ([u for u in township.units if u not in without_village], 0.3),
                ([u for u in township.county.units if u not in without_village], 0.45),
                (city_linking, 0.25),
            ]
            pools = [(pool, weight) for pool, weight in pools if pool]
            pool = rng.choices([p for p, _w in pools], [w for _p, w in pools])[0]
            link(rng.choice(pool), village)
    # A few villages are linked by a second unit as well, usually a city-level one.
    for village in rng.sample(
        sorted(linked, key=lambda v: v.id), round(len(linked) * SECOND_GROUP)
    ):
        present = {group.unit for group in village.groups}
        choices = [unit for unit in city_linking if unit not in present]
        if choices:
            link(rng.choice(choices), village)
    for unit in plan.units:
        for group in unit.groups:
            group.id = len(plan.groups) + 1
            plan.groups.append(group)


def _area_townships(plan: CityPlan, unit: Unit) -> list[Township]:
    if unit.township is not None:
        return [unit.township]
    if unit.county is not None:
        return list(unit.county.townships)
    return list(plan.townships)


# --- cadres and the households they link -------------------------------------------------


def _cadres_and_assignments(rng: random.Random, plan: CityPlan, coverage: float) -> None:
    """Cadres per unit in proportion to its households, and each their share of them."""
    size = plan.households + 1
    plan.cadre = array("i", bytes(4 * size))
    plan.since = array("H", bytes(2 * size))
    plan.before = array("i", bytes(4 * size))
    plan.before_since = array("H", bytes(2 * size))
    plan.before_until = array("H", bytes(2 * size))
    linked_households = sum(v.households for v in plan.villages if v.groups)
    rate = min(1.0, coverage * plan.households / linked_households) if linked_households else 0
    # Households per carrying cadre, from the city's target numbers of cadres and households.
    load = coverage * HOUSEHOLDS / (CARRYING_SHARE * CADRES)
    for unit in plan.units:
        unit.first_cadre = plan.cadres + 1
        households = _unit_households(rng, unit, rate)
        if not unit.groups:
            for _ in range(max(1, round(rng.randint(3, 12) * min(1.0, plan.scale * 10)))):
                _add_cadre(rng, plan, unit)
            unit.cadres = plan.cadres + 1 - unit.first_cadre
            continue
        wanted = max(1, math.ceil(len(households) / load))
        carriers = [_add_cadre(rng, plan, unit) for _ in range(wanted)]
        for _ in range(wanted):
            if rng.random() < IDLE_CADRES:
                _add_cadre(rng, plan, unit)
        # Cadres who left: a third still hold their households, waiting for a new cadre.
        # The head and the deputies (the first three) lead the work groups and stay.
        handed_over = []
        for index in range(3, len(carriers)):
            if rng.random() < DEPARTED:
                if rng.random() < DEPARTED_STILL_LINKED:
                    plan.left_ago[carriers[index]] = rng.randint(5, 60)
                else:
                    handed_over.append(_add_cadre(rng, plan, unit))
        unit.cadres = plan.cadres + 1 - unit.first_cadre
        _share_out(rng, plan, unit, households, carriers, handed_over)


def _add_cadre(rng: random.Random, plan: CityPlan, unit: Unit) -> int:
    surname = rng.choices(SURNAME_CHARS, SURNAME_WEIGHTS)[0]
    plan.cadre_name.append(surname + _given_name(rng, male=rng.random() < 0.7))
    plan.cadre_unit.append(unit.id)
    plan.left_ago.append(0)
    return plan.cadres


def _given_name(rng: random.Random, *, male: bool) -> str:
    chars = MALE_GIVEN if male else FEMALE_GIVEN
    if rng.random() < 0.25:
        return rng.choice(chars)
    return rng.choice(chars) + rng.choice(chars)


def _unit_households(rng: random.Random, unit: Unit, rate: float) -> list[tuple[int, Group]]:
    """The households of the unit's villages it links (its part where two units link one)."""
    households = []
    pick = rng.random
    for group in unit.groups:
        village = group.village
        first, count = village.first_household, village.households
        if len(village.groups) > 1:
            # The first unit takes two shares, each other unit one.
            shares = apportion(count, [2] + [1] * (len(village.groups) - 1))
            index = village.groups.index(group)
            first += sum(shares[:index])
            count = shares[index]
        households.extend((h, group) for h in range(first, first + count) if pick() < rate)
    return households


def _share_out(
    rng: random.Random,
    plan: CityPlan,
    unit: Unit,
    households: list[tuple[int, Group]],
    carriers: list[int],
    handed_over: list[int],
) -> None:
    """Give each carrying cadre a run of the unit's households, never above the maximum."""
    capacity = len(carriers) * plan.max_per_cadre
    if len(households) > capacity:
        plan.over_capacity += len(households) - capacity
        households = households[:capacity]
    sizes = apportion(len(households), [1] * len(carriers))
    start = 0
    for cadre, size in zip(carriers, sizes, strict=True):
        joined: set[Group] = set()
        for household, group in households[start : start + size]:
            plan.cadre[household] = cadre
            plan.since[household] = group.established_ago - rng.randint(0, 20)
            if group not in joined:
                joined.add(group)
                group.members.append(cadre)
        start += size
    # The unit's head leads its first work group, the deputies the others.
    deputies = carriers[1:3] or carriers[:1]
    for index, group in enumerate(unit.groups):
        group.leader = carriers[0] if index == 0 else deputies[(index - 1) % len(deputies)]
        if group.leader not in group.members:
            group.members.insert(0, group.leader)
    _history(rng, plan, households, carriers, handed_over)


def _history(
    rng: random.Random,
    plan: CityPlan,
    households: list[tuple[int, Group]],
    carriers: list[int],
    handed_over: list[int],
) -> None:
    """Ended assignments: cadres who left and handed over, and households moved once."""
    in_service = [c for c in carriers if plan.left_ago[c] == 0]
    by_carrier: dict[int, list[int]] = {}
    for household, _group in households:
        by_carrier.setdefault(plan.cadre[household], []).append(household)
    for cadre in handed_over:
        # The cadre who left had the households another cadre of the unit carries now.
        taken = [h for h in by_carrier.get(rng.choice(in_service), []) if plan.before[h] == 0]
        latest_start = min((plan.since[h] for h in taken), default=701)
        left = rng.randint(min(30, latest_start - 1), min(700, latest_start - 1))
        plan.left_ago[cadre] = left
        for household in taken:
            _hand_over(plan, household, cadre, left)
    if len(carriers) < 2:
        return
    for household, _group in households:
        since = plan.since[household]
        if plan.before[household] == 0 and since > 31 and rng.random() < REASSIGNED:
            previous = rng.choice(carriers)
            if previous != plan.cadre[household]:
                _hand_over(plan, household, previous, rng.randint(30, since - 1))


def _hand_over(plan: CityPlan, household: int, previous: int, on_ago: int) -> None:
    plan.before[household] = previous
    plan.before_since[household] = plan.since[household]
    plan.before_until[household] = on_ago
    plan.since[household] = on_ago
