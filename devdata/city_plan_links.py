"""Who links what in the plan of a synthetic city: units, the villages their work groups link,
their cadres and the households each cadre links; ``build_plan`` plans the whole city."""

import math
import random
from array import array

from devdata.city_names import (
    FEMALE_GIVEN,
    KINDS,
    MALE_GIVEN,
    Names,
    city_units,
    county_units,
    township_units,
)
from devdata.city_plan_areas import (
    CADRES,
    CARRYING_SHARE,
    CITY_UNITS,
    COUNTY_UNITS,
    DEPARTED,
    DEPARTED_STILL_LINKED,
    HOUSEHOLDS,
    IDLE_CADRES,
    LINKED_VILLAGES,
    REASSIGNED,
    SECOND_GROUP,
    SURNAME_CHARS,
    SURNAME_WEIGHTS,
    TOWNSHIP_UNITS,
    UNITS_WITHOUT_VILLAGE,
    CityPlan,
    County,
    Group,
    Township,
    Unit,
    Village,
    apportion,
    plan_geography,
    plan_households,
)


def build_plan(*, scale: float, seed: int, max_per_cadre: int, coverage: float) -> CityPlan:
    """The city at ``scale``, the same for the same seed."""
    plan = plan_geography(random.Random(f"{seed}:geography"), scale)  # noqa: S311 - synthetic data
    plan_households(random.Random(f"{seed}:households"), plan)  # noqa: S311
    _units(random.Random(f"{seed}:units"), plan)  # noqa: S311
    _work_groups(random.Random(f"{seed}:groups"), plan)  # noqa: S311
    plan.seed, plan.max_per_cadre = seed, max_per_cadre
    _cadres_and_assignments(random.Random(f"{seed}:cadres"), plan, coverage)  # noqa: S311
    return plan


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
