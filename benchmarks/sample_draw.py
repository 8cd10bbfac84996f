"""The satisfaction survey's sample draw over the whole generated city, against a plain fetch.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/sample_draw.py [--per-village 20] [--reserve 5] [--runs 1]

Each case runs in a child process of its own, so that its peak memory (RSS) is its own:
1. the baseline: ``SELECT village_id, category, id FROM villages_household`` fetched whole
   through psycopg2, the least any draw must read;
2. the draw: a city-wide round opened and drawn (``satisfaction.draw.draw_sample``), its
   sample and reserve written, then the round and its rows removed again.
It prints the seconds and peak MB of each, and the draw's ratio to the baseline. The target:
the city (2.7 million households) drawn in under 10 s.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import ENVIRONMENT, ROOT, machine, require_city

TARGET_SECONDS = 10


def baseline() -> float:
    import psycopg2

    connection = psycopg2.connect(ENVIRONMENT["DATABASE_URL"])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT village_id, category, id FROM villages_household")
        rows = len(cursor.fetchall())
    elapsed = time.perf_counter() - started
    connection.close()
    print(f"rows {rows}", file=sys.stderr)
    return elapsed


def draw(per_village: int, reserve: int) -> float:
    import django

    os.environ.update(ENVIRONMENT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuanglian.settings")
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from satisfaction.draw import draw_sample
    from satisfaction.models import DrawnVillage, Round, Sample
    from satisfaction.rounds import open_round

    today = timezone.localdate()
    round = open_round(
        name="基准测试抽样",
        area=None,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        per_village=per_village,
        reserve_per_village=reserve,
        by=None,
    )
    try:
        started = time.perf_counter()
        draw_sample(round=round, by=None, seed=2026)
        elapsed = time.perf_counter() - started
        drawn = Sample.objects.filter(round=round).count()
        villages = DrawnVillage.objects.filter(round=round).count()
        print(f"samples {drawn} villages {villages}", file=sys.stderr)
    finally:
        # Only this run's rows: the city database is shared.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM satisfaction_sample WHERE round_id = %s", [round.pk])
        Round.objects.filter(pk=round.pk).delete()
    return elapsed


def run_child(case: str, args: argparse.Namespace) -> tuple[float, int]:
    """The case's own seconds (as the child measured them) and the child's peak RSS in MB."""
    command = [
        sys.executable,
        __file__,
        "--case",
        case,
        "--per-village",
        str(args.per_village),
        "--reserve",
        str(args.reserve),
    ]
    read, write = os.pipe()
    process = subprocess.Popen(command, cwd=ROOT, stdout=write, pass_fds=(write,))  # noqa: S603
    os.close(write)
    _pid, status, usage = os.wait4(process.pid, 0)
    output = os.read(read, 4096).decode()
    os.close(read)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{case} failed")
    return float(output.strip().splitlines()[-1]), usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-village", type=int, default=20, help="households per village")
    parser.add_argument("--reserve", type=int, default=5, help="reserve households per village")
    parser.add_argument("--runs", type=int, default=1, help="runs of each case")
    parser.add_argument("--case", choices=["baseline", "draw"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case == "baseline":
        print(f"{baseline():.3f}")
        return
    if args.case == "draw":
        print(f"{draw(args.per_village, args.reserve):.3f}")
        return

    require_city()
    print(machine())
    results = {"baseline": [], "draw": []}
    for _ in range(args.runs):
        for case in results:
            results[case].append(run_child(case, args))
    base_seconds = min(seconds for seconds, _mb in results["baseline"])
    print()
    print(f"{'case':<58}{'seconds':>9}{'× baseline':>12}{'peak MB':>9}")
    labels = {
        "baseline": "SELECT village_id, category, id FROM households (baseline)",
        "draw": f"draw_sample, city, {args.per_village}/village + {args.reserve} reserve",
    }
    for case, runs in results.items():
        seconds, peak = min(runs)
        print(f"{labels[case]:<58}{seconds:>9.2f}{seconds / base_seconds:>12.2f}{peak:>9}")
    best = min(seconds for seconds, _mb in results["draw"])
    verdict = "within" if best < TARGET_SECONDS else "OVER"
    print(f"\nthe draw: {best:.2f} s, {verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
