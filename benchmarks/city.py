"""What the city-scale benchmarks share: the database they run on, Django set up on it, timing.

The city database is made once by ``benchmarks/generate_city.py``; the others read it.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_CITY_DATABASE", "shuanglian_bench_city")
DATABASE_URL = f"{SERVER}/{DATABASE}"
# Production settings, as gunicorn would run them; only the host name of Django's test client
# is added.
ENVIRONMENT = {
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "false",
    # Production settings refuse a short or placeholder-looking key.
    "SECRET_KEY": "bench-7Hq2vR9xLm4KpW8zN3cT6yJ1sD5fG0aE-uQbVn4Zk8Pw2Rt6",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "HTTPS": "false",
    "LOG_LEVEL": "WARNING",
    # The campaign's real shape: 150,000 cadres for 95 % of 2.7 million households, 17 each.
    "ASSIGNMENT_MAX_PER_CADRE": "20",
    # Production serves hashed static names from collectstatic's manifest.
    "STATIC_ROOT": "/tmp/shuanglian-bench-static",  # noqa: S108
}


def admin_sql(statement: str) -> None:
    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def require_city() -> None:
    connection = psycopg2.connect(f"{SERVER}/postgres")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        found = cursor.fetchone()
    connection.close()
    if not found:
        sys.exit(f"No database {DATABASE}: run benchmarks/generate_city.py first.")


def setup_django() -> None:
    """Django on the city database, with production settings."""
    require_city()
    os.environ.update(ENVIRONMENT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuanglian.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value at or below which ``share`` of them lie."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> str:
    """Median and p95 in milliseconds."""
    return (
        f"median {statistics.median(values) * 1000:8.1f} ms"
        f"   p95 {percentile(values, 0.95) * 1000:8.1f} ms"
    )


def timed(run: Callable[[], Any], times: int) -> tuple[list[float], Any]:
    """Seconds taken by each of ``times`` calls, and the last call's result."""
    seconds, result = [], None
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def machine() -> str:
    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        memory = int(meminfo.readline().split()[1]) // 1024 // 1024
    return f"{cpus} CPU cores, {memory} GiB memory, Python {sys.version.split()[0]}"
