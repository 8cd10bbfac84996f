"""The plan of a synthetic city: its figures, the arrays it is kept in, its areas and households.

The plan holds what several tables need to agree on (ids, counts, who is responsible for a
household and since when) in compact arrays; the rows themselves are made from it table by
table in ``city_register_rows`` and ``city_visit_rows``. Days are counted back from ``today``
("days ago"), so the same seed gives the same city on any day, only shifted in time. Units,
work groups and cadres are planned on the areas in ``city_plan_links``.
"""

import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from devdata import heze
from devdata.city_names import (
    COMMUNITY_WORDS,
    SURNAMES,
    VILLAGE_PREFIXES,
    VILLAGE_WORDS,
)

# The city at scale 1.0; everything below scales with it except the counties.
VILLAGES = 5_900
HOUSEHOLDS = 2_700_000
CITY_UNITS = 250
COUNTY_UNITS = 1_500
TOWNSHIP_UNITS = 1_250
CADRES = 150_000
VISITS = 3_000_000
# Each county's share of the city's villages and households (their townships are the real
# ones, from the statistical code table).
COUNTY_SHARE = {
    "371702": 1.20,  # 牡丹区
    "371703": 0.62,  # 定陶区
    "371721": 1.55,  # 曹县
    "371722": 1.15,  # 单县
    "371723": 0.70,  # 成武县
    "371724": 0.95,  # 巨野县
    "371725": 1.15,  # 郓城县
    "371726": 0.85,  # 鄄城县
    "371728": 0.80,  # 东明县
    "371771": 0.20,  # 菏泽经济技术开发区
    "371772": 0.15,  # 菏泽高新技术开发区
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


# --- areas ------------------------------------------------------------------------------


def plan_geography(rng: random.Random, scale: float) -> CityPlan:
    """The real counties and townships, and villages spread over them by county share.

    At scale 1.0 every township of the code table; below, each county keeps that share of its
    townships (at least one), drawn from the seed."""
    counties = [
        County(index, code, name, COUNTY_SHARE[code[:6]])
        for index, (code, name) in enumerate(heze.counties().items(), start=1)
    ]
    per_county = apportion(
        round(VILLAGES * scale), [county.weight for county in counties], minimum=1
    )
    townships: list[Township] = []
    village_counts: list[int] = []
    for county, villages_here in zip(counties, per_county, strict=True):
        rows = [row for row in heze.townships() if row.county_code == county.code]
        count = min(len(rows), villages_here, max(1, round(len(rows) * min(scale, 1.0))))
        chosen = sorted(rng.sample(rows, count), key=lambda row: row.code)
        for row in chosen:
            township = Township(
                len(townships) + 1, row.code, row.name, county, is_subdistrict=row.is_subdistrict
            )
            county.townships.append(township)
            townships.append(township)
        weights = [
            (0.7 if township.is_subdistrict else 1.0) * rng.uniform(0.6, 1.4)
            for township in county.townships
        ]
        village_counts += apportion(villages_here, weights, minimum=1)
    villages: list[Village] = []
    for township, count in zip(townships, village_counts, strict=True):
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
    city = heze.geography()["city"]
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


def plan_households(rng: random.Random, plan: CityPlan) -> None:
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
