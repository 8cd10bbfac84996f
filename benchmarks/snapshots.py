"""The trends' nightly snapshot of every area of the generated city, against a direct aggregate.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/snapshots.py [--runs 3] [--backfill-days 30]

In the same run:
1. the baseline: one SELECT summing the village figures by township, ``--runs`` times;
2. ``snapshots.take()`` for today, every area (the city, its counties, townships and
   villages), ``--runs`` times, with its query count; then once more under tracemalloc for the
   peak of Python memory it allocates; the process's peak resident memory is printed too;
3. ``snapshots.backfill()`` of the ``--backfill-days`` days before today that have no snapshot;
4. with ``--nightly``, the nightly job as cron runs it (``manage.py refresh_rollups``):
   yesterday's snapshot, which first recounts every village as of yesterday, then the recount
   as of today.
It prints seconds, the ratio to the baseline and the check "under 30 s". It checks the city's
row against the dashboard's figures, and deletes the rows it wrote, so other benchmarks and
the trends' readers find the database as it was.
"""

import argparse
import io
import os
import resource
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import machine, setup_django, summary, timed

LIMIT_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backfill-days", type=int, default=30)
    parser.add_argument("--nightly", action="store_true", help="Time refresh_rollups too.")
    options = parser.parse_args()
    setup_django()

    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shuanglian.figures import rollups, snapshots
    from shuanglian.figures.summary import figures_for
    from shuanglian.models import AreaSnapshot, VillageFigures

    print(machine())
    today = timezone.localdate()
    started = time.perf_counter()
    rollups.bring_up_to_date(today)
    print(f"figures brought up to date first in {time.perf_counter() - started:.1f} s")
    before_today = set(AreaSnapshot.objects.filter(day=today).values_list("code", flat=True))
    first = today - datetime.timedelta(days=options.backfill_days)
    last = today - datetime.timedelta(days=1)
    before_range = set(
        AreaSnapshot.objects.filter(day__range=(first, last)).values_list("pk", flat=True)
    )
    yesterday_taken = AreaSnapshot.objects.filter(day=last).exists()

    def baseline() -> int:
        sums = (
            VillageFigures.objects.order_by()
            .values("township")
            .annotate(
                households=Sum("households"), covered=Sum("covered"), visited=Sum("visited_30")
            )
        )
        return len(list(sums.order_by()))

    direct, townships = timed(baseline, options.runs)
    try:
        taken, written = timed(lambda: snapshots.take(day=today), options.runs)
        with CaptureQueriesContext(connection) as captured:
            snapshots.take(day=today)
        queries = len(captured)
        tracemalloc.start()
        snapshots.take(day=today)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        city = AreaSnapshot.objects.get(level="city", day=today)
        figures = figures_for(None, today=today)
        equal = (
            city.households == figures.coverage.households.total
            and city.households_covered == figures.coverage.households.done
            and city.visited_30 == figures.visits.total.visited_30.done
            and city.needs_overdue == figures.visits.total.needs.overdue
            and city.money_allocated == figures.projects.total.allocated
        )
        levels = dict(
            AreaSnapshot.objects.filter(day=today)
            .order_by()
            .values_list("level")
            .annotate(n=Count("pk"))
            .values_list("level", "n")
        )
        seconds = statistics.median(taken)
        print(f"\nareas: {written:,} ({levels}); {townships} townships in the baseline")
        print(f"baseline: one SELECT summing VillageFigures by township   {summary(direct)}")
        print(f"take(): every area's snapshot   {summary(taken)}   {queries} queries")
        print(f"  take / baseline (median)      {seconds / statistics.median(direct):,.0f}×")
        print(f"  peak Python memory in take()  {peak / 1024 / 1024:.1f} MB (tracemalloc)")
        print(f"  peak resident memory          {rss:.0f} MB (whole process)")
        print(f"  the city's row equals the dashboard's figures: {equal}")
        verdict = "yes" if max(taken) < LIMIT_SECONDS else "NO"
        print(f"  under {LIMIT_SECONDS} s: {verdict} (slowest {max(taken):.2f} s)")

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            filled = snapshots.backfill(since=first, until=last)
        backfill_seconds = time.perf_counter() - started
        print(
            f"\nbackfill of {options.backfill_days} days ({first} to {last}): {filled:,} rows "
            f"in {backfill_seconds:.1f} s, {len(captured)} queries "
            f"({backfill_seconds / options.backfill_days:.2f} s a day)"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak resident memory          {rss:.0f} MB (whole process, after it)")
        if options.nightly:
            if yesterday_taken:
                print("\nnightly job not timed: yesterday has a snapshot already")
            else:
                started = time.perf_counter()
                call_command("refresh_rollups", stdout=io.StringIO())
                nightly = time.perf_counter() - started
                print(f"\nnightly job (refresh_rollups, both recounts): {nightly:.1f} s")
    finally:
        AreaSnapshot.objects.filter(day=today).exclude(code__in=before_today).delete()
        AreaSnapshot.objects.filter(day__range=(first, last)).exclude(pk__in=before_range).delete()
        print("the benchmark's snapshots deleted")


if __name__ == "__main__":
    main()
