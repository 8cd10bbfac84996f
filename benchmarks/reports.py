"""The city's periodic report, as a workbook and as a PDF, against a direct aggregate.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/reports.py [--period 2026-11] [--runs 3] [--baseline-runs 3]

For the city-level report of ``--period`` (by default the last complete month), in the same
run:
1. the report as xlsx and as pdf (``shuanglian.reports.build.make_report``), each in a fresh
   process ``--runs`` times after the rollups were brought up to date (not timed): the time of
   each build, its query count, the process's peak resident memory (getrusage maxrss) before
   and after the builds, then in one more build the peak of Python allocations (tracemalloc);
2. the baseline: the same flows and counts per county (households, visits and households
   visited, needs raised, resolved and overdue, new projects, funds approved and paid) by one
   SQL statement over the raw tables, ``--baseline-runs`` times; its totals are checked equal
   to the report's.
It prints the ratio of each build to the baseline and checks the issue's bound: under 10 s
and 300 MB.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import ENVIRONMENT, ROOT, machine, setup_django, timed

LIMIT_SECONDS = 10.0
LIMIT_MEGABYTES = 300.0

BASELINE = """
WITH places AS (
    SELECT village.id AS village_id, township.county_id
    FROM villages_village village JOIN villages_township township
      ON township.id = village.township_id
), households AS (
    SELECT places.county_id, count(*) AS households
    FROM villages_household household JOIN places ON places.village_id = household.village_id
    GROUP BY places.county_id
), visits AS (
    SELECT places.county_id, count(*) AS visits,
           count(DISTINCT visit.household_id) AS households_visited
    FROM visits_visit visit JOIN places ON places.village_id = visit.village_id
    WHERE visit.outcome = 'met' AND visit.visited_on BETWEEN %(start)s AND %(end)s
    GROUP BY places.county_id
), needs AS (
    SELECT places.county_id,
           count(*) FILTER (WHERE need.raised_on >= %(start)s) AS needs_raised,
           count(*) FILTER (WHERE need.status = 'resolved'
                            AND need.closed_on BETWEEN %(start)s AND %(end)s) AS needs_resolved,
           count(*) FILTER (WHERE (need.closed_on IS NULL OR need.closed_on > %(as_of)s)
                            AND (need.progressed_on < %(limit)s
                                 OR (need.level <> 'cadre' AND need.due_on < %(as_of)s)))
             AS needs_overdue
    FROM visits_need need JOIN places ON places.village_id = need.village_id
    WHERE need.raised_on <= %(end)s
    GROUP BY places.county_id
), projects AS (
    SELECT places.county_id, count(*) AS projects
    FROM projects_project project JOIN places ON places.village_id = project.village_id
    WHERE (project.created_at AT TIME ZONE %(zone)s)::date BETWEEN %(start)s AND %(end)s
    GROUP BY places.county_id
), approved AS (
    SELECT places.county_id, sum(allocation.amount) AS money_allocated
    FROM projects_allocation allocation
    JOIN projects_project project ON project.id = allocation.project_id
    JOIN places ON places.village_id = project.village_id
    WHERE allocation.status IN ('approved', 'disbursed', 'accepted')
      AND (allocation.approved_at AT TIME ZONE %(zone)s)::date BETWEEN %(start)s AND %(end)s
    GROUP BY places.county_id
), paid AS (
    SELECT places.county_id, sum(payment.amount) AS money_paid
    FROM projects_disbursement payment
    JOIN projects_allocation allocation ON allocation.id = payment.allocation_id
    JOIN projects_project project ON project.id = allocation.project_id
    JOIN places ON places.village_id = project.village_id
    WHERE payment.paid_on BETWEEN %(start)s AND %(end)s
    GROUP BY places.county_id
)
SELECT county.id,
       coalesce(households.households, 0), coalesce(visits.visits, 0),
       coalesce(visits.households_visited, 0), coalesce(needs.needs_raised, 0),
       coalesce(needs.needs_resolved, 0), coalesce(needs.needs_overdue, 0),
       coalesce(projects.projects, 0), coalesce(approved.money_allocated, 0),
       coalesce(paid.money_paid, 0)
FROM villages_county county
LEFT JOIN households ON households.county_id = county.id
LEFT JOIN visits ON visits.county_id = county.id
LEFT JOIN needs ON needs.county_id = county.id
LEFT JOIN projects ON projects.county_id = county.id
LEFT JOIN approved ON approved.county_id = county.id
LEFT JOIN paid ON paid.county_id = county.id
ORDER BY county.code
"""
FIGURES = [
    "households",
    "visits",
    "households_visited",
    "needs_raised",
    "needs_resolved",
    "needs_overdue",
    "projects",
    "money_allocated",
    "money_paid",
]


def megabytes(maxrss_kib: int) -> float:
    return maxrss_kib / 1024


def child(fmt: str, period: str, runs: int) -> None:
    """One fresh process: bring the rollups up to date, then build the report ``runs`` times;
    print what was measured as JSON."""
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shuanglian.figures import rollups
    from shuanglian.reports.build import make_report
    from villages.models import City

    started = time.perf_counter()
    rollups.bring_up_to_date()
    recount = time.perf_counter() - started
    code = City.objects.get().code
    before = megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    seconds, queries, size, rows = [], 0, 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            report = make_report(user=None, area_code=code, period=period, fmt=fmt)
            seconds.append(time.perf_counter() - started)
        queries, size, rows = len(captured), len(report.content), report.rows
    # Measured after the peak resident memory was read: tracing costs memory of its own.
    rss = megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    tracemalloc.start()
    make_report(user=None, area_code=code, period=period, fmt=fmt)
    python_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "python_peak_mb": python_peak,
                "rss_before_mb": before,
                "rss_after_mb": rss,
                "queries": queries,
                "bytes": size,
                "rows": rows,
                "recount": recount,
            }
        )
    )


def baseline_figures(period: object) -> list[tuple]:
    import datetime

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    as_of = min(period.end, today)
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "limit": as_of - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS),
        "zone": settings.TIME_ZONE,
    }
    with connection.cursor() as cursor:
        cursor.execute(BASELINE, params)
        return cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--period", default="")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--child", choices=["xlsx", "pdf"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.period, options.runs)
        return

    setup_django()
    from django.db import connection
    from django.utils import timezone

    from shuanglian.figures import rollups
    from shuanglian.reports.figures import find_area, report_figures
    from shuanglian.reports.periods import Period
    from villages.models import City, Household, Village
    from visits.models import Need, Visit

    period = (
        Period.parse(options.period)
        if options.period
        else Period.last_complete("month", timezone.localdate())
    )
    print(f"Machine: {machine()}; database {connection.settings_dict['NAME']}")
    print(
        f"{Household.objects.count():,} households, {Village.objects.count():,} villages, "
        f"{Visit.objects.count():,} visits, {Need.objects.count():,} needs; "
        f"city-level report of {period.code}, {options.runs} builds per format in a fresh "
        f"process, {options.baseline_runs} baseline runs"
    )
    rollups.bring_up_to_date()
    baseline, rows = timed(lambda: baseline_figures(period), options.baseline_runs)
    figures = report_figures(
        user=None,
        area=find_area(City.objects.get().code),
        period=period,
        today=timezone.localdate(),
    )
    report_rows = {row.pk: row for row in figures.rows}
    for row in rows:
        mine = report_rows[row[0]]
        expected = dict(zip(FIGURES, row[1:], strict=True))
        got = {name: getattr(mine, name) for name in FIGURES}
        assert got == expected, (mine.name, got, expected)
    base = statistics.median(baseline)
    print(
        f"baseline (one SQL per county over the raw tables): median {base:6.2f} s; "
        f"the report's rows equal it for {len(rows)} counties"
    )

    environment = {**os.environ, **ENVIRONMENT}
    verdicts = []
    for fmt in ("xlsx", "pdf"):
        command = [
            sys.executable,
            str(ROOT / "benchmarks" / "reports.py"),
            "--child",
            fmt,
            "--period",
            period.code,
            "--runs",
            str(options.runs),
        ]
        finished = subprocess.run(  # noqa: S603
            command, env=environment, capture_output=True, text=True, check=True, cwd=ROOT
        )
        measured = json.loads(finished.stdout.strip().splitlines()[-1])
        seconds = measured["seconds"]
        first, median = seconds[0], statistics.median(seconds)
        rss = measured["rss_after_mb"]
        print(
            f"{fmt:4}: first {first:6.2f} s, median {median:6.2f} s "
            f"({median / base:5.1f}x the baseline), {measured['queries']} queries, "
            f"{measured['rows']} rows, {measured['bytes'] / 1024:,.0f} KiB; "
            f"Python peak {measured['python_peak_mb']:6.1f} MB, process peak {rss:6.1f} MB "
            f"({measured['rss_before_mb']:.1f} MB before the first build)"
        )
        ok = max(seconds) < LIMIT_SECONDS and rss < LIMIT_MEGABYTES
        verdicts.append(ok)
        print(
            f"      under {LIMIT_SECONDS:.0f} s and {LIMIT_MEGABYTES:.0f} MB: "
            f"{'yes' if ok else 'NO'} (slowest {max(seconds):.2f} s, peak {rss:.1f} MB)"
        )
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()
