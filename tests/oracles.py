"""The dashboards' figures counted straight from the raw tables, to check the rollups against.

Written from the campaign's rules, not from the code they check: nothing here calls the
coverage, visit-figure or rollup modules, nor the models' named filters (``active()``,
``in_service()``, ``contacts()``, ``open()``, ``overdue()``), so a mistake in any of them
shows up as a difference. Only the result types are shared. The rules:

- a village is linked when a unit has a work group in it;
- a household is covered when one of its assignments has not ended and that cadre is still
  in service; a unit takes part when it has a work group in any village; a cadre in service
  takes part when one of their assignments has not ended;
- the units of a county are those with that county (its county- and township-level units),
  of a township those with that township, of a village those with a work group in it;
- a household was visited in the last N days when a visit dated today or one of the N - 1
  days before met the head or the family;
- a need is open while to do or in progress; it is overdue when open and either its last
  progress is more than ``settings.NEED_OVERDUE_DAYS`` days before today, or it has been
  escalated above the cadre and its deadline is before today;
- of the visits that met someone and recorded a satisfaction, the satisfied and the fairly
  satisfied ones are the pleased ones;
- a project counts in the year it is of, an activity in the year it was held, and each in
  its own village; pooled funds count for the projects they were granted to once the city
  approved them (approved, disbursed or accepted), from the pools of the year; a work group
  is at work when it has a project or an activity of the year; a unit's part in an area is
  its projects and activities there, then their whole budget, and the most are named first
  (ties: the later unit first); of the units left, the fewest are named first (ties: the
  earlier unit first).

Records belong to their household's village. Each figure is an aggregate query over the raw
tables grouped by the row of the dashboard's table: the benchmarks time these as the baseline.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from projects.models import Activity, Allocation, FundPool, Project
from shuanglian.figures.coverage import AreaRow, Coverage, Rate
from shuanglian.figures.project_stats import (
    Budget,
    ProjectCounts,
    ProjectFigures,
    ProjectRow,
    SourceFunds,
    UnitRank,
)
from shuanglian.figures.visit_stats import NeedCounts, VisitFigures, VisitRow
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages.models import County, Household, Township, Village
from visits.models import Need, Satisfaction, Visit

Area = County | Township | Village | None

OPEN = [Need.Status.PENDING, Need.Status.IN_PROGRESS]
PLEASED = [Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED]


def _path(village: str, field: str) -> str:
    """``field`` of the village reached by ``village`` ("" for a village itself)."""
    return f"{village}__{field}" if village else field


def _within(area: Area, village: str) -> Q:
    """Rows whose village, reached by ``village``, lies in the area."""
    if area is None:
        return Q()
    if isinstance(area, County):
        return Q(**{_path(village, "township__county"): area})
    if isinstance(area, Township):
        return Q(**{_path(village, "township"): area})
    return Q(**{village or "pk": area.pk})


def _row_of(area: Area, village: str) -> str:
    """The field naming the table row that the village reached by ``village`` falls in."""
    if area is None:
        return _path(village, "township__county")
    if isinstance(area, County):
        return _path(village, "township")
    return village or "pk"


def _table(area: Area) -> tuple[str, QuerySet]:
    """The level of the table's rows under the area, and its rows: one level down."""
    if area is None:
        return "county", County.objects.all()
    if isinstance(area, County):
        return "township", Township.objects.filter(county=area)
    if isinstance(area, Township):
        return "village", Village.objects.filter(township=area)
    return "village", Village.objects.filter(pk=area.pk)


def _units(area: Area) -> QuerySet:
    if area is None:
        return Unit.objects.all()
    if isinstance(area, County):
        return Unit.objects.filter(county=area)
    if isinstance(area, Township):
        return Unit.objects.filter(township=area)
    return Unit.objects.filter(pk__in=WorkGroup.objects.filter(village=area).values("unit"))


def _by_row(queryset: QuerySet, row: str, **counts: Count) -> dict[int, dict[str, int]]:
    """``counts`` over ``queryset``, one dict per table row (keyed by the row's pk)."""
    return {
        values.pop(row): values for values in queryset.values(row).annotate(**counts).order_by()
    }


def _added(rates: list[Rate]) -> Rate:
    return Rate(sum(rate.done for rate in rates), sum(rate.total for rate in rates))


def recount_coverage(area: Area) -> Coverage:
    """``figures_for(area).coverage`` (shuanglian.figures.summary), counted from the raw tables."""
    linked = Exists(WorkGroup.objects.filter(village=OuterRef("pk")))
    villages = _by_row(
        Village.objects.filter(_within(area, "")),
        _row_of(area, ""),
        total=Count("pk"),
        done=Count("pk", filter=linked),
    )
    covered = Exists(
        HouseholdAssignment.objects.filter(
            household=OuterRef("pk"), ended_on=None, cadre__in_service=True
        )
    )
    households = _by_row(
        Household.objects.filter(_within(area, "village")),
        _row_of(area, "village"),
        total=Count("pk"),
        done=Count("pk", filter=covered),
    )
    level, table = _table(area)
    rows = [
        AreaRow(
            **row,
            villages=Rate(**villages.get(row["pk"], {"done": 0, "total": 0})),
            households=Rate(**households.get(row["pk"], {"done": 0, "total": 0})),
        )
        for row in table.order_by("code").values("pk", "code", "name")
    ]
    if level == "village":
        # Each village's linked units, by name.
        by_pk = {row.pk: row for row in rows}
        for village, unit in (
            WorkGroup.objects.filter(village__in=by_pk)
            .order_by("unit__name")
            .values_list("village", "unit__name")
        ):
            by_pk[village].units.append(unit)

    units = _units(area)
    taking_part = Exists(WorkGroup.objects.filter(unit=OuterRef("pk")))
    unit_counts = units.aggregate(total=Count("pk"), done=Count("pk", filter=taking_part))
    linking = Exists(HouseholdAssignment.objects.filter(cadre=OuterRef("pk"), ended_on=None))
    cadre_counts = Cadre.objects.filter(in_service=True, unit__in=units).aggregate(
        total=Count("pk"), done=Count("pk", filter=linking)
    )
    return Coverage(
        area=area,
        units=Rate(**unit_counts),
        cadres=Rate(**cadre_counts),
        villages=_added([row.villages for row in rows]),
        households=_added([row.households for row in rows]),
        row_level=level,
        rows=rows,
    )


def recount_visit_figures(area: Area, *, today: datetime.date | None = None) -> VisitFigures:
    """``figures_for(area, today=today).visits``, from the raw
    tables."""
    today = today or timezone.localdate()

    def met_in_last(days: int) -> Exists:
        first_day = today - datetime.timedelta(days=days - 1)
        return Exists(
            Visit.objects.filter(
                household=OuterRef("pk"),
                outcome=Visit.Outcome.MET,
                visited_on__range=(first_day, today),
            )
        )

    households = _by_row(
        Household.objects.filter(_within(area, "village")),
        _row_of(area, "village"),
        households=Count("pk"),
        visited_30=Count("pk", filter=met_in_last(30)),
        visited_90=Count("pk", filter=met_in_last(90)),
    )
    no_progress_since = today - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)
    needs = _by_row(
        Need.objects.filter(_within(area, "household__village")),
        _row_of(area, "household__village"),
        raised=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN)),
        resolved=Count("pk", filter=Q(status=Need.Status.RESOLVED)),
        overdue=Count(
            "pk",
            filter=Q(status__in=OPEN)
            & (
                Q(progressed_on__lt=no_progress_since)
                | (~Q(level=Need.Level.CADRE) & Q(due_on__lt=today))
            ),
        ),
    )
    ratings = _by_row(
        Visit.objects.filter(
            _within(area, "household__village"), outcome=Visit.Outcome.MET
        ).exclude(satisfaction=""),
        _row_of(area, "household__village"),
        total=Count("pk"),
        done=Count("pk", filter=Q(satisfaction__in=PLEASED)),
    )

    rows = {}
    for pk in households.keys() | needs.keys() | ratings.keys():
        reached = households.get(pk, {"households": 0, "visited_30": 0, "visited_90": 0})
        rows[pk] = VisitRow(
            visited_30=Rate(reached["visited_30"], reached["households"]),
            visited_90=Rate(reached["visited_90"], reached["households"]),
            needs=NeedCounts(**needs.get(pk, {})),
            satisfaction=Rate(**ratings.get(pk, {"done": 0, "total": 0})),
        )
    parts = ("raised", "open", "resolved", "overdue")
    total = VisitRow(
        visited_30=_added([row.visited_30 for row in rows.values()]),
        visited_90=_added([row.visited_90 for row in rows.values()]),
        needs=NeedCounts(
            **{part: sum(getattr(row.needs, part) for row in rows.values()) for part in parts}
        ),
        satisfaction=_added([row.satisfaction for row in rows.values()]),
    )
    return VisitFigures(area=area, today=today, total=total, rows=rows)


GRANTED = [Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.ACCEPTED]
ZERO = Decimal("0.00")
RANKED = 5


def recount_project_figures(area: Area, *, year: int | None = None) -> ProjectFigures:
    """``figures_for(area).projects`` for ``year`` (default: this year), from the raw tables."""
    year = year or timezone.localdate().year
    row = _row_of(area, "village")
    projects = Project.objects.filter(_within(area, "village"), year=year)
    by_status = {status: Count("pk", filter=Q(status=status)) for status in Project.Status.values}
    budgets = ("budget_pooled", "budget_unit", "budget_donation", "budget_village")
    project_sums = {
        values.pop(row): values
        for values in projects.values(row)
        .annotate(
            beneficiaries=Sum("beneficiary_count"),
            **by_status,
            **{budget: Sum(budget) for budget in budgets},
        )
        .order_by()
    }
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    activities = Activity.objects.filter(_within(area, "village"), held_on__range=(first, last))
    activity_counts = _by_row(activities, row, n=Count("pk"))
    at_work = Exists(Project.objects.filter(work_group=OuterRef("pk"), year=year)) | Exists(
        Activity.objects.filter(work_group=OuterRef("pk"), held_on__range=(first, last))
    )
    groups = _by_row(
        WorkGroup.objects.filter(_within(area, "village")),
        row,
        total=Count("pk"),
        done=Count("pk", filter=at_work),
    )
    granted = Allocation.objects.filter(
        _within(area, "project__village"), pool__year=year, status__in=GRANTED
    )
    funds = {}
    for values in (
        granted.values(_row_of(area, "project__village"), "pool__source")
        .annotate(allocated=Sum("amount"), paid=Sum("paid"))
        .order_by()
    ):
        key = values[_row_of(area, "project__village")]
        allocated, paid = funds.get(key, (ZERO, ZERO))
        funds[key] = (allocated + values["allocated"], paid + values["paid"])

    rows = {}
    for pk in project_sums.keys() | activity_counts.keys() | groups.keys() | funds.keys():
        sums = project_sums.get(pk, {})
        rows[pk] = ProjectRow(
            projects=ProjectCounts(**{s: sums.get(s, 0) for s in Project.Status.values}),
            budget=Budget(*(sums.get(budget) or ZERO for budget in budgets)),
            beneficiaries=sums.get("beneficiaries") or 0,
            activities=activity_counts.get(pk, {}).get("n", 0),
            groups=Rate(**groups.get(pk, {"done": 0, "total": 0})),
            allocated=funds.get(pk, (ZERO, ZERO))[0],
            paid=funds.get(pk, (ZERO, ZERO))[1],
        )
    total = ProjectRow()
    for values in rows.values():
        total += values

    by_source = {
        values["pool__source"]: values
        for values in granted.values("pool__source")
        .annotate(allocated=Sum("amount"), paid=Sum("paid"))
        .order_by()
    }
    pools = {}
    if area is None:
        for values in (
            FundPool.objects.filter(year=year)
            .values("source")
            .annotate(amount=Sum("amount"))
            .order_by()
        ):
            pools[values["source"]] = (
                values["amount"],
                by_source.get(values["source"], {}).get("allocated") or ZERO,
            )
    sources = [
        SourceFunds(
            source,
            by_source.get(source, {}).get("allocated") or ZERO,
            by_source.get(source, {}).get("paid") or ZERO,
            *pools.get(source, (None, None)),
        )
        for source in FundPool.Source.values
    ]
    most, least = _ranked_units(area, projects, activities)
    return ProjectFigures(
        area=area, year=year, total=total, rows=rows, sources=sources, most=most, least=least
    )


def _ranked_units(
    area: Area, projects: QuerySet, activities: QuerySet
) -> tuple[list[UnitRank], list[UnitRank]]:
    """The units with a work group in the area, by their projects and activities there."""
    linking = Unit.objects.filter(
        pk__in=WorkGroup.objects.filter(_within(area, "village")).values("unit")
    )
    done = {unit.pk: [unit.name, 0, 0, ZERO] for unit in linking}
    for project in projects:
        done[project.unit_id][1] += 1
        done[project.unit_id][3] += (
            project.budget_pooled
            + project.budget_unit
            + project.budget_donation
            + project.budget_village
        )
    for unit_id in activities.values_list("unit_id", flat=True):
        done[unit_id][2] += 1
    ranks = [UnitRank(pk, *values) for pk, values in done.items()]
    most = sorted(ranks, key=lambda r: (-r.done, -r.money, -r.pk))[:RANKED]
    rest = [rank for rank in ranks if rank not in most]
    least = sorted(rest, key=lambda r: (r.done, r.money, r.pk))[:RANKED]
    return most, least


# --- 双创: measured satisfaction and the ranking ------------------------------------------
#
# - a village's satisfaction pools every question of the round: satisfied and fairly satisfied
#   answers over the answers other than "does not know"; its population is its households, its
#   sample the households interviewed (the most of any question);
# - an area's estimate weights the villages with answers by households; its 95 % margin is
#   1.96·√(Σ w²·p(1−p)/n·(N−n)/(N−1)); below the round's least interviews there is no figure;
# - the rounds covering an area are the city's, its county's and its township's; the latest is
#   the closed one ending last;
# - a unit's villages in an area are those where it has a work group; each indicator of a unit
#   or township is a share over its villages (the rating: the mean approved total), and the
#   score is the weighted mean of the indicators it has.


def recount_estimate(round_id: int, villages: QuerySet) -> dict[str, float | int | None]:
    """An area's measured satisfaction in one round, from the village results."""
    from satisfaction.models import Round, VillageResult

    least = Round.objects.get(pk=round_id).least_interviews
    per_village: dict[int, dict[str, int]] = {}
    for result in VillageResult.objects.filter(round=round_id, village__in=villages):
        v = per_village.setdefault(
            result.village_id,
            {"N": 0, "n": 0, "answered": 0, "pleased": 0, "self": 0, "self_pleased": 0},
        )
        v["N"] = max(v["N"], result.households)
        v["n"] = max(v["n"], result.interviewed)
        v["answered"] += result.interviewed - result.unknown
        v["pleased"] += result.satisfied + result.fairly_satisfied
        v["self"] = max(v["self"], result.self_reported)
        v["self_pleased"] = max(v["self_pleased"], result.self_reported_satisfied)
    interviewed = sum(v["n"] for v in per_village.values())
    usable = [v for v in per_village.values() if v["n"] and v["answered"] and v["N"]]
    population = sum(v["N"] for v in usable)
    self_reported = sum(v["self"] for v in per_village.values())
    self_percent = (
        round(100 * sum(v["self_pleased"] for v in per_village.values()) / self_reported, 1)
        if self_reported
        else None
    )
    if interviewed < max(least, 1) or not population:
        return {"interviewed": interviewed, "percent": None, "margin": None, "self": self_percent}
    estimate, variance = 0.0, 0.0
    for v in usable:
        p = v["pleased"] / v["answered"]
        w = v["N"] / population
        fpc = max((v["N"] - v["n"]) / (v["N"] - 1), 0.0) if v["N"] > 1 else 0.0
        estimate += w * p
        variance += w * w * p * (1 - p) / v["n"] * fpc
    return {
        "interviewed": interviewed,
        "percent": round(100 * estimate, 1),
        "margin": round(100 * 1.96 * variance**0.5, 1),
        "self": self_percent,
        "population": population,
        "weighted": estimate * population,
    }


def latest_closed_round(area: Area) -> int | None:
    from satisfaction.models import Round

    covering = Q(county__isnull=True, township__isnull=True)
    if area is not None and area.level == "county":
        covering |= Q(county=area.pk, township__isnull=True)
    elif area is not None:
        township = area if area.level == "township" else area.township
        covering |= Q(county=township.county_id, township__isnull=True) | Q(township=township.pk)
    found = (
        Round.objects.filter(covering, status=Round.Status.CLOSED)
        .order_by("-ends_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found


def recount_ranking(area: Area, weights: dict[str, int], *, today: datetime.date) -> dict:
    """Each unit's and township's score in the area: {("unit" | "township", pk): score}."""
    from assessments.models import Assessment

    villages = Village.objects.filter(_within(area, ""))
    round_id = latest_closed_round(area)
    since = today - datetime.timedelta(days=89)
    no_progress_since = today - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)

    def indicators(village_ids: list[int], groups: QuerySet) -> dict[str, float | None]:
        households = Household.objects.filter(village__in=village_ids)
        active = HouseholdAssignment.objects.filter(household=OuterRef("pk"), ended_on=None)
        total = households.count()
        covered = households.filter(Exists(active.filter(cadre__in_service=True))).count()
        assigned = households.filter(Exists(active)).count()
        visited = households.filter(
            Exists(
                Visit.objects.filter(
                    household=OuterRef("pk"),
                    outcome=Visit.Outcome.MET,
                    visited_on__range=(since, today),
                )
            )
        ).count()
        needs = Need.objects.filter(household__village__in=village_ids)
        resolved = needs.filter(status=Need.Status.RESOLVED).count()
        overdue = needs.filter(
            Q(status__in=OPEN)
            & (
                Q(progressed_on__lt=no_progress_since)
                | (~Q(level=Need.Level.CADRE) & Q(due_on__lt=today))
            )
        ).count()
        at_work = groups.filter(
            Exists(Project.objects.filter(work_group=OuterRef("pk"), year=today.year))
            | Exists(Activity.objects.filter(work_group=OuterRef("pk"), held_on__year=today.year))
        ).count()
        totals = list(
            Assessment.objects.filter(
                village__in=village_ids, year=today.year, status=Assessment.Status.APPROVED
            ).values_list("review_total", flat=True)
        )
        measured = (
            recount_estimate(round_id, Village.objects.filter(pk__in=village_ids))
            if round_id
            else {"percent": None}
        )
        return {
            "coverage": 100 * covered / total if total else None,
            "visits": min(100 * visited / assigned, 100.0) if assigned else None,
            "needs": 100 * resolved / (resolved + overdue) if resolved + overdue else None,
            "projects": 100 * at_work / groups.count() if groups.count() else None,
            "rating": float(sum(totals)) / len(totals) if totals else None,
            "satisfaction": (
                min(100 * measured["weighted"] / measured["population"], 100.0)
                if measured["percent"] is not None
                else None
            ),
        }

    def score(values: dict[str, float | None]) -> float | None:
        used = {k: round(v, 1) for k, v in values.items() if v is not None and weights[k] > 0}
        if not used:
            return None
        return round(
            sum(weights[k] * v for k, v in used.items()) / sum(weights[k] for k in used), 1
        )

    scores = {}
    groups = WorkGroup.objects.filter(village__in=villages)
    for unit_id in set(groups.values_list("unit", flat=True)):
        mine = groups.filter(unit=unit_id)
        ids = list(mine.values_list("village", flat=True).distinct())
        scores[("unit", unit_id)] = score(indicators(ids, mine))
    if area is None or area.level != "village":
        for township in (
            Township.objects.filter(pk__in=villages.values("township"))
            if area is not None
            else Township.objects.all()
        ):
            ids = list(villages.filter(township=township).values_list("pk", flat=True))
            scores[("township", township.pk)] = score(
                indicators(ids, WorkGroup.objects.filter(village__in=ids))
            )
    return scores


def recount_ratings(area: Area, *, today: datetime.date) -> dict[int | None, tuple]:
    """This year's assessments and the rectification items not yet accepted, by row of the
    dashboard's table and for the whole area (key None): (statuses, stars of the approved,
    approved up to standard, items open, items past their deadline)."""
    from assessments.models import Assessment, RectificationItem

    row = _row_of(area, "village")
    counts: dict[int | None, dict] = {}

    def add(key: int | None, name: str, n: int = 1) -> None:
        for target in (key, None):
            bucket = counts.setdefault(target, {})
            bucket[name] = bucket.get(name, 0) + n

    for key, status, stars, up in Assessment.objects.filter(
        _within(area, "village"), year=today.year
    ).values_list(row, "status", "stars", "up_to_standard"):
        add(key, status)
        if status == "approved":
            add(key, f"stars_{stars}")
            if up:
                add(key, "up")
    for key, deadline in (
        RectificationItem.objects.filter(_within(area, "assessment__village"))
        .exclude(status="accepted")
        .values_list(f"assessment__{row}", "deadline")
    ):
        add(key, "open")
        if deadline < today:
            add(key, "overdue")
    return {
        key: (
            {s: c.get(s, 0) for s in ("draft", "submitted", "reviewed", "approved")},
            [c.get(f"stars_{n}", 0) for n in range(1, 6)],
            c.get("up", 0),
            c.get("open", 0),
            c.get("overdue", 0),
        )
        for key, c in counts.items()
    }
