"""Time ``manage.py generate_city_data`` into a new PostgreSQL database, the other benchmarks' city.

    .venv/bin/python benchmarks/generate_city.py [--scale 1.0]

Drops and recreates the database (BENCH_CITY_DATABASE, default shuanglian_bench_city, on
BENCH_DATABASE_URL's server), migrates it, generates the city and prints the time taken, the
rows per table and the database size.
"""

import argparse
import os
import subprocess
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import DATABASE, DATABASE_URL, ENVIRONMENT, ROOT, admin_sql, machine

TABLES = [
    "villages_village",
    "villages_household",
    "units_unit",
    "units_cadre",
    "units_workgroup",
    "units_householdassignment",
    "visits_visit",
    "visits_need",
    "auth_user",
]


def manage(*args: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **ENVIRONMENT},
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1.0")
    options = parser.parse_args()
    print(f"Machine: {machine()}")
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin_sql(f"CREATE DATABASE {DATABASE}")
    manage("migrate", "-v0")
    started = time.perf_counter()
    manage("generate_city_data", "--scale", options.scale, "--no-input")
    seconds = time.perf_counter() - started
    connection = psycopg2.connect(DATABASE_URL)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"  {table:28} {cursor.fetchone()[0]:>12,}")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    connection.close()
    print(
        f"generate_city_data --scale {options.scale}: {seconds:.1f} s "
        f"(with Django start-up), database {size}"
    )


if __name__ == "__main__":
    main()
