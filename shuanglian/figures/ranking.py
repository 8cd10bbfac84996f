"""考核排名: the units linking villages in an area, and the area's townships, ranked by a score
that weighs six indicators as the city sets them (``RankingWeights``).

Each indicator is a share from 0 to 100 over the villages the row stands for: a unit's villages
within the area (those where it has a work group), or a township's villages. A row without
what an indicator needs (no household, no due need, no approved assessment, no closed survey
round or too few interviews) has no value for it: the indicator is left out of that row's
score and the weights of the others share its part.

    score = Σ wᵢ·xᵢ / Σ wᵢ, over the indicators with a value

Every figure is read from the rollups (``VillageFigures``, ``WorkGroupFigures``,
``SurveyVillageFigures``) and this year's assessments: a fixed number of queries over at most
one row per village or work group of the area.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from satisfaction.estimates import village_terms
from shuanglian.figures import rollups
from shuanglian.figures.coverage import Area
from shuanglian.figures.survey_stats import closed_rounds, estimates_by_village
from shuanglian.models import RankingWeights, VillageFigures, WorkGroupFigures
from villages.models import Township


@dataclass
class Villages:
    """The rolled-up figures of a set of villages (and work groups), summed."""

    households: int = 0
    covered: int = 0
    assigned: int = 0
    visited_90: int = 0
    needs_resolved: int = 0
    needs_overdue: int = 0
    groups: int = 0
    active_groups: int = 0
    rated: int = 0
    rating_total: Decimal = Decimal("0.0")
    interviewed: int = 0
    population: int = 0
    weighted: float = 0.0


def coverage(v: Villages) -> tuple[float, float]:
    """Households covered: households of the villages with an active linked cadre in service,
    of all their households."""
    return v.covered, v.households


def visits(v: Villages) -> tuple[float, float]:
    """Households visited: households of the villages visited (in person, by phone or at a
    meeting) in the last 90 days, of the households with a linked cadre; above 100 % counts as
    100 (a household visited without a linked cadre counts too)."""
    return v.visited_90, v.assigned


def needs(v: Villages) -> tuple[float, float]:
    """Needs resolved on time: needs resolved, of those resolved or overdue (the needs whose
    time has come; an open need within its time is not yet due)."""
    return v.needs_resolved, v.needs_resolved + v.needs_overdue


def projects(v: Villages) -> tuple[float, float]:
    """Work groups at work: the row's work groups with a project or an activity this year, of
    all its work groups."""
    return v.active_groups, v.groups


def rating(v: Villages) -> tuple[float, float]:
    """Party organisation rating: the mean reviewed total (out of 100) of the villages'
    assessments approved this year: the totals summed, over the number approved."""
    return float(v.rating_total), v.rated


def satisfaction(v: Villages) -> tuple[float, float]:
    """Measured satisfaction: the latest closed survey round's estimate over the villages,
    weighted by households (Σ N·p over Σ N); none below the round's least interviews."""
    return v.weighted, v.population


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object
    share: Callable[[Villages], tuple[float, float]]
    # A mean of totals out of 100 is already on the 0–100 scale; the others are shares.
    scale: int = 100


INDICATORS = [
    Indicator("coverage", _("households covered"), coverage),
    Indicator("visits", _("households visited"), visits),
    Indicator("needs", _("needs resolved on time"), needs),
    Indicator("projects", _("work groups at work"), projects),
    Indicator("rating", _("party organisation rating"), rating, scale=1),
    Indicator("satisfaction", _("measured satisfaction"), satisfaction),
]


@dataclass(frozen=True)
class Part:
    """One indicator of one row: its figures, value (0–100, None: missing) and weight."""

    indicator: Indicator
    numerator: float
    denominator: float
    value: float | None
    weight: int


@dataclass
class RankedRow:
    pk: int
    name: str
    parts: list[Part] = field(default_factory=list)
    score: float | None = None
    rank: int | None = None


@dataclass
class Ranking:
    area: Area
    year: int
    weights: RankingWeights
    round_name: str
    units: list[RankedRow]
    townships: list[RankedRow]


def weights_for(year: int) -> RankingWeights:
    """The year's weights; the defaults until the city sets them."""
    weights, _ = RankingWeights.objects.get_or_create(year=year)
    return weights


def scored(pk: int, name: str, figures: Villages, weights: RankingWeights) -> RankedRow:
    """A row's indicators and its score, the missing ones left out and the rest re-weighted."""
    parts = []
    for indicator in INDICATORS:
        numerator, denominator = indicator.share(figures)
        value = None
        if denominator and not (indicator.key == "satisfaction" and figures.population == 0):
            value = round(min(indicator.scale * numerator / denominator, 100.0), 1)
        parts.append(
            Part(indicator, numerator, denominator, value, getattr(weights, indicator.key))
        )
    present = [p for p in parts if p.value is not None and p.weight > 0]
    total = sum(p.weight for p in present)
    score = round(sum(p.weight * p.value for p in present) / total, 1) if total else None
    return RankedRow(pk, name, parts, score)


def ranked(rows: Iterable[RankedRow]) -> list[RankedRow]:
    """Highest score first, equal scores sharing a rank; rows without a score last."""
    ordered = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.name, r.pk))
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row.score is None:
            continue
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
    return ordered


def ranking(area: Area, *, today: datetime.date) -> Ranking:
    """The units and townships of the area, ranked: seven queries at most after the rollups
    are brought up to date."""
    rollups.bring_up_to_date(today)
    weights = weights_for(today.year)
    villages = {
        row[0]: row[1:]
        for row in VillageFigures.objects.order_by()
        .in_area(area)
        .values_list(
            "village",
            "township",
            "households",
            "covered",
            "assigned",
            "visited_90",
            "needs_resolved",
            "needs_overdue",
        )
    }
    groups = list(
        WorkGroupFigures.objects.order_by()
        .in_area(area)
        .values_list("unit", "unit__name", "village", "township", "projects", "activities")
    )
    ratings = dict(
        Assessment.objects.in_area(area)
        .filter(year=today.year, status=Assessment.Status.APPROVED)
        .order_by()
        .values_list("village", "review_total")
    )
    rounds = closed_rounds(area)
    latest = rounds[-1] if rounds else None
    survey = estimates_by_village(latest, area) if latest is not None else {}
    least = latest.least_interviews if latest else 0

    def figures_of(village_ids: Iterable[int], group_rows: list[tuple]) -> Villages:
        v = Villages()
        for pk in set(village_ids):
            if pk in villages:
                _, households, covered, assigned, visited, resolved, overdue = villages[pk]
                v.households += households
                v.covered += covered
                v.assigned += assigned
                v.visited_90 += visited
                v.needs_resolved += resolved
                v.needs_overdue += overdue
            if ratings.get(pk) is not None:
                v.rated += 1
                v.rating_total += ratings[pk]
            if pk in survey:
                households, interviewed, answered, pleased, weighted, _variance = survey[pk]
                v.interviewed += interviewed
                weight, _, _ = village_terms(households, interviewed, answered, pleased)
                v.population += weight
                v.weighted += weighted
        for row in group_rows:
            v.groups += 1
            v.active_groups += 1 if (row[4] or row[5]) else 0
        if v.interviewed < max(least, 1):
            v.population, v.weighted = 0, 0.0
        return v

    by_unit: dict[int, list[tuple]] = defaultdict(list)
    by_township_groups: dict[int, list[tuple]] = defaultdict(list)
    for row in groups:
        by_unit[row[0]].append(row)
        by_township_groups[row[3]].append(row)
    units = [
        scored(pk, rows[0][1], figures_of((r[2] for r in rows), rows), weights)
        for pk, rows in by_unit.items()
    ]
    by_township: dict[int, list[int]] = defaultdict(list)
    for pk, row in villages.items():
        by_township[row[0]].append(pk)
    townships = [
        scored(t.pk, t.name, figures_of(by_township[t.pk], by_township_groups[t.pk]), weights)
        for t in _townships(area)
    ]
    return Ranking(
        area=area,
        year=today.year,
        weights=weights,
        round_name=latest.name if latest else "",
        units=ranked(units),
        townships=ranked(townships),
    )


def _townships(area: Area) -> QuerySet:
    if area is None:
        townships = Township.objects.all()
    elif area.level == "county":
        townships = Township.objects.filter(county=area.pk)
    elif area.level == "township":
        townships = Township.objects.filter(pk=area.pk)
    else:
        # A village is part of one township: ranking that township by it alone would mislead.
        townships = Township.objects.none()
    return townships.only("pk", "name").order_by("code")
