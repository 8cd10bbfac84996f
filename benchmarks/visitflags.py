"""The nightly search for implausible visits over the generated city, against a plain read.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/visitflags.py [--runs 3]

In the same run:
1. the baseline: one SELECT reading what the finders read of every visit (cadre, time
   recorded, summary), ``--runs`` times;
2. each finder (many visits within minutes, copied summaries, far from the village, while away)
   over every visit, ``--runs`` times, with its query count and what it found;
3. ``flag_visits()`` over every visit as ``refresh_rollups --rebuild`` runs it, storing the
   flags, then again (it finds the same and adds nothing);
4. the nightly run (``flag_visits`` over the last two days' visits), as ``refresh_rollups``
   runs it every night.
It prints seconds, the ratio to the baseline, the process's peak resident memory and the check
"under 60 s" for the whole-city search; it deletes the flags it added, so the city is left as
it was.
"""

import argparse
import datetime
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import machine, setup_django, summary, timed

LIMIT_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from visitflags import detection
    from visitflags.models import VisitFlag
    from visits.models import Visit

    print(machine())
    visits = Visit.objects.count()
    before = set(VisitFlag.objects.values_list("pk", flat=True))
    print(f"{visits:,} visits; {len(before):,} flags before the run")

    def baseline() -> int:
        rows = Visit.objects.order_by().values_list("pk", "cadre_id", "created_at", "summary")
        return sum(1 for _row in rows.iterator(chunk_size=2000))

    direct, read = timed(baseline, options.runs)
    base = statistics.median(direct)
    print(f"\nbaseline: one SELECT of {read:,} visits' cadre, time and summary   {summary(direct)}")
    try:
        for kind, finder in detection.FINDERS.items():
            seconds, found = timed(lambda finder=finder: finder(Visit.objects.all()), options.runs)
            with CaptureQueriesContext(connection) as captured:
                finder(Visit.objects.all())
            print(
                f"{kind:<18} {summary(seconds)}   {len(captured)} queries   "
                f"{len(found):,} found   {statistics.median(seconds) / base:5.1f}× baseline"
            )

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            added = detection.flag_visits(None)
        whole = time.perf_counter() - started
        print(
            f"\nflag_visits() over every visit, storing: {whole:.1f} s, {len(captured)} queries, "
            f"{sum(added.values()):,} flags added "
            f"({', '.join(f'{kind} {n:,}' for kind, n in added.items())}); "
            f"{whole / base:.1f}× baseline"
        )
        started = time.perf_counter()
        again = detection.flag_visits(None)
        print(
            f"again: {time.perf_counter() - started:.1f} s, "
            f"{sum(again.values())} flags added (nothing new expected)"
        )
        since = timezone.now() - datetime.timedelta(days=2)
        recent = Visit.objects.filter(created_at__gte=since).count()
        nightly, _ = timed(lambda: detection.flag_visits(since), options.runs)
        print(f"nightly, the {recent:,} visits of the last two days   {summary(nightly)}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak resident memory          {rss:.0f} MB (whole process)")
        verdict = "yes" if whole < LIMIT_SECONDS else "NO"
        print(f"  whole-city search under {LIMIT_SECONDS} s: {verdict} ({whole:.1f} s)")
    finally:
        deleted, _ = VisitFlag.objects.exclude(pk__in=before).delete()
        print(f"the benchmark's {deleted:,} flags deleted")


if __name__ == "__main__":
    main()
