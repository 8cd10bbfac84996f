"""The rows of the synthetic city's visits, the needs they raised and the notes on them, made
from its plan as ``city_register_rows`` makes the register's."""

import datetime
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from devdata.city_plan_areas import VISIT_DAYS, VISITS, CityPlan
from devdata.city_register_rows import NULL, Calendar, Row, Rows, pick_table, table_rng
from devdata.city_texts import (
    ESCALATIONS,
    NEED_CATEGORY_WEIGHTS,
    NEEDS,
    NOT_MET,
    RESOLUTIONS,
    STARTED,
    SUMMARIES,
    UNRESOLVABLE,
)
from units.six_tasks import SIX_TASKS
from visits.models import Need, NeedNote, Visit
from visits.needs import deadline_days

# Visits: how often each household category is visited, relative to ordinary households.
VISIT_WEIGHTS = (1.0, 2.0, 4.0, 2.0, 4.0)
METHODS = (("home", 70), ("phone", 20), ("meeting", 6), ("event", 4))
OUTCOMES = (("met", 86), ("away", 9), ("rescheduled", 3), ("refused", 2))
SATISFACTION = (("satisfied", 82), ("fair", 15), ("dissatisfied", 3))
# Each of the six tasks: how often a visit touches it.
TASK_CHANCES = (0.6, 0.45, 0.25, 0.2, 0.2, 0.1)
# Share of met visits raising a need, for ordinary and for other households.
NEED_CHANCE = (0.05, 0.15)
STALLED = 0.05  # needs nobody moves on any more (they turn overdue)
RESOLVED_AT = {"cadre": 0.72, "unit": 0.5, "township": 0.5}
GIVEN_UP_AT_COUNTY = 0.45


@dataclass
class NeedSeeds:
    """The visits that raised a need, noted while the visits are written."""

    visit: array = field(default_factory=lambda: array("i"))
    household: array = field(default_factory=lambda: array("i"))
    cadre: array = field(default_factory=lambda: array("i"))
    raised_ago: array = field(default_factory=lambda: array("H"))


def visits(plan: CityPlan, calendar: Calendar, seeds: NeedSeeds) -> Rows:
    fields = (
        "id",
        "household_id",
        "village_id",
        "cadre_id",
        "visited_on",
        "method",
        "outcome",
        "summary",
        *(name for name, _label in SIX_TASKS),
        "satisfaction",
        "recorded_on",
        "created_at",
        "client_key",
    )
    return Visit, fields, _visits(plan, calendar, seeds)


def _visit_window(plan: CityPlan, household: int) -> int:
    """How many days back visits reach for a household: its oldest assignment, two years."""
    start = plan.before_since[household] if plan.before[household] else plan.since[household]
    return min(VISIT_DAYS - 1, start)


def _visits(plan: CityPlan, calendar: Calendar, seeds: NeedSeeds) -> Iterator[Row]:
    rng = table_rng(plan, "visits")
    pick = rng.random
    category, cadre_of = plan.category, plan.cadre
    before, left_ago = plan.before, plan.left_ago
    # Visits per household in proportion to its category's weight and how long it has been
    # linked, adding up to the city's number of visits.
    total_weight = sum(
        VISIT_WEIGHTS[category[h]] * (_visit_window(plan, h) + 1)
        for h in range(1, plan.households + 1)
        if cadre_of[h]
    )
    per_weight = VISITS * plan.scale / total_weight if total_weight else 0
    methods, outcomes = pick_table(METHODS), pick_table(OUTCOMES)
    satisfaction = pick_table((*SATISFACTION, ("", 20)))
    tasks = _task_table()
    day, moment = calendar.day, calendar.moment
    visit = 0
    for household in range(1, plan.households + 1):
        current = cadre_of[household]
        if not current:
            continue
        kind = category[household]
        window = _visit_window(plan, household)
        expected = VISIT_WEIGHTS[kind] * (window + 1) * per_weight
        count = int(expected) + (pick() < expected - int(expected))
        need_chance = NEED_CHANCE[kind != 0]
        for _ in range(count):
            ago = int(pick() * (window + 1))
            cadre = current
            if before[household] and ago > plan.since[household]:
                cadre = before[household]
            if left_ago[cadre] and ago < left_ago[cadre]:
                continue  # after the cadre had left
            visit += 1
            method = methods[int(pick() * 1000)]
            outcome = outcomes[int(pick() * 1000)]
            met = outcome == "met"
            if met:
                texts = SUMMARIES[method]
                summary = texts[int(pick() * len(texts))]
                flags = tasks[int(pick() * len(tasks))]
                satisfied = satisfaction[int(pick() * 1000)]
            else:
                texts = NOT_MET[outcome]
                summary = texts[int(pick() * len(texts))]
                flags = (False,) * 6
                satisfied = ""
            recorded = ago - min(ago, int(pick() * 3))
            if met and pick() < need_chance:
                seeds.visit.append(visit)
                seeds.household.append(household)
                seeds.cadre.append(cadre)
                seeds.raised_ago.append(ago)
                flags = (flags[0], flags[1], True, *flags[3:])
            yield (
                visit,
                household,
                plan.village[household],
                cadre,
                day[ago],
                method,
                outcome,
                summary,
                *flags,
                satisfied,
                day[recorded],
                moment[recorded],
                NULL,
            )


def _task_table() -> list[tuple[bool, ...]]:
    """Combinations of the six tasks, each as often as its chances make it (at least one)."""
    rng = random.Random(0)  # noqa: S311 - a fixed table, not a secret
    table = []
    while len(table) < 997:
        flags = tuple(rng.random() < chance for chance in TASK_CHANCES)
        if any(flags):
            table.append(flags)
    return table


@dataclass
class Step:
    action: str  # start, escalate, resolve or give_up
    ago: int
    level: str


@dataclass
class Story:
    """A need and what happened to it since it was raised, up to today."""

    index: int  # into the seeds
    category: str
    description: str
    steps: list[Step]
    resolution: str = ""
    satisfaction: str = ""


def _steps(rng: random.Random, raised_ago: int) -> list[Step]:
    """The steps taken on a need; steps that would fall after today are not taken (yet)."""
    steps: list[Step] = []
    ago = raised_ago
    if rng.random() < 0.8:
        ago -= rng.randint(0, 7)
        if ago < 0:
            return steps
        steps.append(Step("start", ago, "cadre"))
    for level in ("cadre", "unit", "township", "county"):
        if rng.random() < STALLED:
            return steps
        if level != "cadre":
            ago -= rng.randint(1, 8)
            if ago < 0:
                return steps
            steps.append(Step("escalate", ago, level))
        if level == "county":
            action = "give_up" if rng.random() < GIVEN_UP_AT_COUNTY else "resolve"
        elif rng.random() < RESOLVED_AT[level]:
            action = "resolve"
        else:
            continue
        ago -= rng.randint(2, 25)
        if ago >= 0:
            steps.append(Step(action, ago, level))
        return steps
    return steps


def _stories(plan: CityPlan, seeds: NeedSeeds) -> Iterator[Story]:
    """Every need's story, the same on every call (needs and their notes both read them)."""
    rng = table_rng(plan, "needs")
    pick = rng.random
    categories = pick_table(NEED_CATEGORY_WEIGHTS)
    satisfaction = pick_table(SATISFACTION)
    for index in range(len(seeds.visit)):
        category = categories[int(pick() * 1000)]
        texts = NEEDS[category]
        story = Story(index, category, texts[int(pick() * len(texts))], [])
        story.steps = _steps(rng, seeds.raised_ago[index])
        closing = story.steps[-1].action if story.steps else ""
        if closing == "resolve":
            story.resolution = RESOLUTIONS[category]
            story.satisfaction = satisfaction[int(pick() * 1000)]
        elif closing == "give_up":
            story.resolution = UNRESOLVABLE[int(pick() * len(UNRESOLVABLE))]
        yield story


def needs(plan: CityPlan, calendar: Calendar, seeds: NeedSeeds) -> Rows:
    fields = (
        "id",
        "household_id",
        "village_id",
        "visit_id",
        "cadre_id",
        "category",
        "description",
        "raised_on",
        "status",
        "resolution",
        "closed_on",
        "satisfaction",
        "level",
        "escalated_on",
        "due_on",
        "progressed_on",
        "updated_at",
    )
    return Need, fields, _needs(plan, calendar, seeds)


STATUS_AFTER = {"resolve": "resolved", "give_up": "unresolvable"}


def _needs(plan: CityPlan, calendar: Calendar, seeds: NeedSeeds) -> Iterator[Row]:
    day = calendar.day
    deadlines = {level: deadline_days(level) for level in ("unit", "township", "county")}
    for story in _stories(plan, seeds):
        index, steps = story.index, story.steps
        raised = seeds.raised_ago[index]
        status, level, closed, escalated, due = "pending", "cadre", NULL, NULL, NULL
        for step in steps:
            if step.action == "start":
                status = "in_progress"
            elif step.action == "escalate":
                level, escalated = step.level, day[step.ago]
                due_ago = step.ago - deadlines[level]
                due = (calendar.today - datetime.timedelta(days=due_ago)).isoformat()
            else:
                status, closed = STATUS_AFTER[step.action], day[step.ago]
        yield (
            index + 1,
            seeds.household[index],
            plan.village[seeds.household[index]],
            seeds.visit[index],
            seeds.cadre[index],
            story.category,
            story.description,
            day[raised],
            status,
            story.resolution,
            closed,
            story.satisfaction,
            level,
            escalated,
            due,
            day[steps[-1].ago if steps else raised],
            calendar.now,
        )


def need_notes(
    plan: CityPlan, calendar: Calendar, seeds: NeedSeeds, user_ids: Sequence[int]
) -> Rows:
    fields = ("id", "need_id", "noted_on", "created_at", "author_id", "status", "level", "text")
    return NeedNote, fields, _need_notes(plan, calendar, seeds, user_ids)


def _need_notes(
    plan: CityPlan, calendar: Calendar, seeds: NeedSeeds, user_ids: Sequence[int]
) -> Iterator[Row]:
    day, moment = calendar.day, calendar.moment
    note = 0
    for story in _stories(plan, seeds):
        author = user_ids[seeds.cadre[story.index]]
        status, level = "pending", "cadre"
        for step in story.steps:
            if step.action == "start":
                status, text = "in_progress", STARTED
            elif step.action == "escalate":
                level, text = step.level, ESCALATIONS[step.level]
            else:
                status, text = STATUS_AFTER[step.action], story.resolution
            # The cadre writes the steps at their own level (and hands a need to the unit);
            # the coordinators above write theirs.
            by_cadre = step.level == "cadre" or (step.action == "escalate" and step.level == "unit")
            note += 1
            yield (
                note,
                story.index + 1,
                day[step.ago],
                moment[step.ago],
                author if by_cadre else NULL,
                status,
                level,
                text,
            )
