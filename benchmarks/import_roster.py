"""Roster import speed and memory on PostgreSQL, against django-import-export as baseline.

    .venv/bin/python benchmarks/import_roster.py [--rows 100000] [--baseline-rows 10000]

Creates a scratch database on 127.0.0.1:5432 (user postgres, or BENCH_DATABASE_URL's
server), generates a county-wide roster, and in the same run measures:
1. the importer's first import (check/preview + confirm) through ``manage.py import_roster``,
2. the same file imported again (nothing changes),
3. a slice of it imported through a plain django-import-export ModelResource (the baseline).
It prints rows per second, the ratio to the baseline and the importer's peak memory (RSS).
"""

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import ROOT, SERVER, admin_sql

DATABASE = "shuanglian_bench_roster"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 5, 20
CATEGORIES = ("一般户", "一般户", "一般户", "脱贫户", "监测户", "低保户", "特困户")


def resident_id(n: int) -> str:
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"371728{born:%Y%m%d}{n % 900 + 100:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志强桂兰明华玉梅德文春生海燕红军丽娟永福金凤"


def head_name(n: int) -> str:
    given = GIVEN[n // len(SURNAMES) % len(GIVEN)] + GIVEN[n // 400 % len(GIVEN)]
    return SURNAMES[n % len(SURNAMES)] + given


def village_name(n: int) -> str:
    return f"试验{n:03d}村"


def write_roster(path: Path, rows: int, *, title: bool = True) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    if title:  # the baseline's reader cannot skip a title row
        sheet.append(["东明县农户花名册（基准测试）"])
    sheet.append(
        ["序号", "所在村", "户主姓名", "身份证号码", "联系电话", "家庭人口", "户类型", "家庭住址"]
    )
    villages = TOWNSHIPS * VILLAGES_PER_TOWNSHIP
    for n in range(rows):
        village = village_name(n % villages)
        sheet.append(
            [
                n + 1,
                village,
                head_name(n),
                resident_id(n),
                f"138{n:08d}",
                n % 6 + 1,
                CATEGORIES[n % len(CATEGORIES)],
                f"{village}{n}号",
            ]
        )
    book.save(path)


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a child process; its wall time and its peak resident memory in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss // 1024


SETUP = """
from villages.models import City, County, Township, Village
city = City.objects.create(code="371700000000", name="菏泽市")
county = County.objects.create(city=city, code="371728000000", name="东明县")
n = 0
for t in range({townships}):
    code = f"371728{{t + 100:03d}}"
    township = Township.objects.create(county=county, code=f"{{code}}000", name=f"试验{{t}}镇")
    for v in range({villages}):
        name = f"试验{{n:03d}}村"
        Village.objects.create(township=township, code=f"{{code}}{{v + 200:03d}}", name=name)
        n += 1
"""

BASELINE = """
import sys, time, tablib
from import_export import resources
from villages.models import Household, Village

class HouseholdResource(resources.ModelResource):
    class Meta:
        model = Household
        fields = ("village", "head_name", "id_number", "phone", "members", "category", "address")
        import_id_fields = ("id_number",)

categories = dict((str(label), value) for value, label in Household.Category.choices)
villages = dict(Village.objects.values_list("name", "pk"))
started = time.perf_counter()
with open(sys.argv[2], "rb") as handle:
    sheet = tablib.Dataset().load(handle, format="xlsx")
rows = tablib.Dataset(headers=list(HouseholdResource.Meta.fields))
for row in sheet:
    category = categories.get(row[6], "general")
    rows.append([villages[row[1]], row[2], row[3], row[4], row[5], category, row[7]])
result = HouseholdResource().import_data(rows, dry_run=False)
assert not result.has_errors(), result.row_errors()[:3]
print(f"{time.perf_counter() - started:.3f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": f"{SERVER}/{DATABASE}", "DEBUG": "true"}
    env.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-media-"))
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    roster, baseline_roster = work / "roster.xlsx", work / "baseline.xlsx"
    print(f"generating {args.rows:,} rows …", flush=True)
    write_roster(roster, args.rows)
    write_roster(baseline_roster, args.baseline_rows, title=False)

    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin_sql(f"CREATE DATABASE {DATABASE}")
    try:
        manage = [python, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        setup = SETUP.format(townships=TOWNSHIPS, villages=VILLAGES_PER_TOWNSHIP)
        subprocess.run([*manage, "shell", "-v0", "-c", setup], cwd=ROOT, env=env, check=True)  # noqa: S603
        command = [*manage, "import_roster", str(roster), "--county", "371728000000"]

        first, first_mb = run(command, env)
        again, again_mb = run(command, env)

        admin_sql(f"DROP DATABASE {DATABASE}")
        admin_sql(f"CREATE DATABASE {DATABASE}")
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        subprocess.run([*manage, "shell", "-v0", "-c", setup], cwd=ROOT, env=env, check=True)  # noqa: S603
        result = subprocess.run(  # noqa: S603
            [
                python,
                "-c",
                "import django, sys; django.setup(); exec(sys.argv[1])",
                BASELINE,
                str(baseline_roster),
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "shuanglian.settings"},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.exit(f"baseline failed:\n{result.stderr}")
        baseline = float(result.stdout.strip().splitlines()[-1])
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")

    base_rate = args.baseline_rows / baseline
    table = [
        ("django-import-export ModelResource (baseline)", args.baseline_rows, baseline, None),
        ("import_roster, first import (check + confirm)", args.rows, first, first_mb),
        ("import_roster, same file again (unchanged)", args.rows, again, again_mb),
    ]
    print()
    print(f"{'case':<48}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'× baseline':>12}{'peak MB':>9}")
    for case, rows, seconds, peak in table:
        rate = rows / seconds
        shown_peak = "" if peak is None else peak
        print(
            f"{case:<48}{rows:>9,}{seconds:>9.1f}{rate:>9.0f}"
            f"{rate / base_rate:>12.1f}{shown_peak:>9}"
        )


if __name__ == "__main__":
    main()
