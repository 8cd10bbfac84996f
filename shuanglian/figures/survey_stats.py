"""Measured satisfaction (群众满意度测评) of an area: the weighted estimate, its sample size and
margin of error, beside what the cadres recorded after their own visits.

A village's rate pools the answers to every question of the round: (满意 + 基本满意) over the
answers other than 不了解. An area's estimate weights its villages by their households:
p = Σ N_v·p_v / Σ N_v, with a 95 % margin of 1.96·√(Σ w_v²·p_v(1−p_v)/n_v·fpc_v), w_v = N_v/ΣN,
fpc_v = (N_v−n_v)/(N_v−1), n_v the households interviewed. An area with fewer interviews than
the round's ``least_interviews`` has no published figure (样本不足).

The per-village terms are rolled up once per closed round (``SurveyVillageFigures``, and their
sums by township in ``SurveyTownshipFigures``), so an area's figures are a sum over at most one
row per township or village, whatever the number of answers.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from satisfaction.estimates import rate_and_margin, village_terms
from satisfaction.models import Round, VillageResult
from shuanglian.figures.coverage import Area
from shuanglian.models import SurveyRoundRollup, SurveyTownshipFigures, SurveyVillageFigures

# How many closed rounds the trend shows, the latest last.
TREND_ROUNDS = 8
SUMMED = ["households", "interviewed", "answered", "pleased", "self_reported", "self_pleased"]


@dataclass(frozen=True)
class Estimate:
    """One area's satisfaction in one round, from the sums of its villages' terms."""

    interviewed: int = 0
    answered: int = 0
    # Σ N over the villages with answers, Σ N·p and Σ N²·p(1−p)/n·fpc.
    population: int = 0
    weighted: float = 0.0
    variance: float = 0.0
    self_reported: int = 0
    self_pleased: int = 0
    least: int = 0

    @property
    def enough(self) -> bool:
        """Whether the sample is large enough for a published figure."""
        return self.interviewed >= max(self.least, 1) and self.population > 0

    @property
    def percent(self) -> float | None:
        """The estimate in percent with one decimal; None when not published."""
        if not self.enough:
            return None
        return round(100 * self.weighted / self.population, 1)

    @property
    def margin(self) -> float | None:
        """The 95 % margin of error in percentage points, one decimal."""
        if not self.enough:
            return None
        _rate, margin = rate_and_margin(self.population, self.weighted, self.variance)
        return round(100 * margin, 1)

    @property
    def self_percent(self) -> float | None:
        """What the cadres recorded after their own visits to the interviewed households."""
        if not self.self_reported:
            return None
        return round(100 * self.self_pleased / self.self_reported, 1)

    @property
    def gap(self) -> float | None:
        """Self-reported minus measured, in percentage points."""
        if self.percent is None or self.self_percent is None:
            return None
        return round(self.self_percent - self.percent, 1)


def covering(area: Area) -> Q:
    """The rounds whose area holds ``area``: the city's, its county's and its township's."""
    city_wide = Q(county__isnull=True, township__isnull=True)
    if area is None:
        return city_wide
    if area.level == "county":
        return city_wide | Q(county=area.pk, township__isnull=True)
    township = area if area.level == "township" else area.township
    return city_wide | Q(county=township.county_id, township__isnull=True) | Q(township=township.pk)


def closed_rounds(area: Area) -> list[Round]:
    """The closed rounds covering the area, the latest last, each rolled up: one query, and
    a few more the first time a round is read after it closed."""
    rolled = SurveyRoundRollup.objects.filter(round=OuterRef("pk")).values("closed_at")
    rounds = list(
        Round.objects.filter(covering(area), status=Round.Status.CLOSED)
        .annotate(rolled_at=Subquery(rolled))
        .order_by("-ends_on", "-pk")[:TREND_ROUNDS]
    )
    stale = [r for r in rounds if r.rolled_at is None or r.rolled_at != r.closed_at]
    if stale:
        roll_up(stale)
    return rounds[::-1]


@transaction.atomic
def roll_up(rounds: Iterable[Round]) -> None:
    """Write the village figures of closed ``rounds`` from their village results."""
    # Two first readers at once: the second waits here, then finds the rounds rolled up.
    locked = list(Round.objects.select_for_update().filter(pk__in=[r.pk for r in rounds]))
    done = dict(
        SurveyRoundRollup.objects.filter(round__in=[r.pk for r in locked]).values_list(
            "round", "closed_at"
        )
    )
    rounds = [r for r in locked if r.pk not in done or done[r.pk] != r.closed_at]
    if not rounds:
        return
    ids = [r.pk for r in rounds]
    SurveyVillageFigures.objects.filter(round__in=ids).delete()
    per_village = (
        VillageResult.objects.filter(round__in=ids)
        .order_by()
        .values("round", "village", "village__township", "village__township__county")
        .annotate(
            n_households=Max("households"),
            n_interviewed=Max("interviewed"),
            n_answered=Sum(F("interviewed") - F("unknown")),
            n_pleased=Sum(F("satisfied") + F("fairly_satisfied")),
            n_self_reported=Max("self_reported"),
            n_self_pleased=Max("self_reported_satisfied"),
        )
    )
    rows = []
    for row in per_village.iterator(chunk_size=5000):
        _, weighted, variance = village_terms(
            row["n_households"], row["n_interviewed"], row["n_answered"], row["n_pleased"]
        )
        rows.append(
            SurveyVillageFigures(
                round_id=row["round"],
                village_id=row["village"],
                township_id=row["village__township"],
                county_id=row["village__township__county"],
                households=row["n_households"],
                interviewed=row["n_interviewed"],
                answered=row["n_answered"],
                pleased=row["n_pleased"],
                self_reported=row["n_self_reported"],
                self_pleased=row["n_self_pleased"],
                weighted=weighted,
                variance=variance,
            )
        )
    SurveyVillageFigures.objects.bulk_create(rows, batch_size=2000)
    SurveyTownshipFigures.objects.filter(round__in=ids).delete()
    SurveyTownshipFigures.objects.bulk_create(_by_township(rows), batch_size=2000)
    SurveyRoundRollup.objects.filter(round__in=ids).delete()
    SurveyRoundRollup.objects.bulk_create(
        SurveyRoundRollup(round_id=r.pk, closed_at=r.closed_at) for r in rounds
    )


def _by_township(rows: list[SurveyVillageFigures]) -> list[SurveyTownshipFigures]:
    """The village rows of each round added up by township."""
    totals: dict[tuple[int, int], SurveyTownshipFigures] = {}
    for row in rows:
        total = totals.get((row.round_id, row.township_id))
        if total is None:
            total = totals[(row.round_id, row.township_id)] = SurveyTownshipFigures(
                round_id=row.round_id, township_id=row.township_id, county_id=row.county_id
            )
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        if row.answered and row.interviewed:
            total.population += row.households
        total.weighted += row.weighted
        total.variance += row.variance
    return list(totals.values())


def _sums(rows: QuerySet, *keys: str) -> QuerySet:
    """The terms summed by ``keys``; the population only of villages with answers."""
    population = (
        Sum("population")
        if rows.model is SurveyTownshipFigures
        else Sum("households", filter=Q(answered__gt=0, interviewed__gt=0))
    )
    return (
        rows.order_by()
        .values(*keys)
        .annotate(
            **{f"s_{name}": Sum(name) for name in SUMMED},
            s_population=population,
            s_weighted=Sum("weighted"),
            s_variance=Sum("variance"),
        )
    )


def _estimate(sums: dict, least: int) -> Estimate:
    return Estimate(
        interviewed=sums["s_interviewed"] or 0,
        answered=sums["s_answered"] or 0,
        population=sums["s_population"] or 0,
        weighted=sums["s_weighted"] or 0.0,
        variance=sums["s_variance"] or 0.0,
        self_reported=sums["s_self_reported"] or 0,
        self_pleased=sums["s_self_pleased"] or 0,
        least=least,
    )


@dataclass
class SurveyFigures:
    """The latest closed round's estimate for the area and each area one level down, and the
    area's estimate in each closed round covering it."""

    latest: Round | None
    total: Estimate
    rows: dict[int, Estimate]
    trend: list[tuple[Round, Estimate]]

    def row(self, pk: int) -> Estimate:
        least = self.latest.least_interviews if self.latest else 0
        return self.rows.get(pk, Estimate(least=least))


def survey_figures(area: Area, row_key: str) -> SurveyFigures:
    """One query after ``closed_rounds``' one, whatever the number of villages and rounds."""
    rounds = closed_rounds(area)
    if not rounds:
        return SurveyFigures(None, Estimate(), {}, [])
    latest = rounds[-1]
    key = row_key
    # One pass over the rounds' village figures, by round and row: the trend adds up the rows.
    # The city and a county add up their townships' rows; a township its villages'.
    by_township = area is None or area.level == "county"
    figures = SurveyTownshipFigures if by_township else SurveyVillageFigures
    sums = list(_sums(figures.objects.in_area(area).filter(round__in=rounds), "round", key))
    by_round: dict[int, dict] = {}
    for row in sums:
        total = by_round.setdefault(row["round"], {})
        for name, value in row.items():
            if name.startswith("s_"):
                total[name] = total.get(name, 0) + (value or 0)
    trend = [
        (r, _estimate(by_round[r.pk], r.least_interviews) if r.pk in by_round else Estimate())
        for r in rounds
    ]
    rows = {
        row[key]: _estimate(row, latest.least_interviews)
        for row in sums
        if row["round"] == latest.pk
    }
    return SurveyFigures(latest, trend[-1][1], rows, trend)


def estimates_by_village(round_: Round, area: Area) -> dict[int, tuple]:
    """Each village's rolled-up terms in ``round_``: (households, interviewed, answered,
    pleased, N·p, variance), for the ranking to sum over any set of villages."""
    rows = SurveyVillageFigures.objects.in_area(area).filter(round=round_).order_by()
    return {
        row[0]: row[1:]
        for row in rows.values_list(
            "village", "households", "interviewed", "answered", "pleased", "weighted", "variance"
        )
    }


def latest_round(area: Area) -> Round | None:
    rounds = closed_rounds(area)
    return rounds[-1] if rounds else None
