"""scripts/backup and scripts/restore: a real pg_dump restored into a new database."""

import os
import re
import stat
import subprocess
from pathlib import Path

import psycopg2
import pytest

from tests.scratch_databases import current_database_url, is_postgresql, scratch_database

ROOT = Path(__file__).resolve().parent.parent
MAIN_TABLES = [
    "villages_county",
    "villages_township",
    "villages_village",
    "villages_household",
    "units_unit",
    "units_cadre",
    "units_workgroup",
    "units_householdassignment",
    "visits_visit",
    "visits_need",
    "auth_user",
    "shuanglian_auditevent",
]
# A few whole rows, compared column by column.
SAMPLE_ROWS = [
    "SELECT * FROM villages_household ORDER BY id LIMIT 3",
    "SELECT * FROM villages_household ORDER BY id DESC LIMIT 1",
    "SELECT * FROM visits_visit ORDER BY id DESC LIMIT 2",
    "SELECT * FROM visits_need WHERE status <> 'pending' ORDER BY id LIMIT 2",
    "SELECT * FROM auth_user WHERE is_superuser",
]
only_postgresql = pytest.mark.skipif(
    not is_postgresql(),
    reason="pg_dump and pg_restore back up PostgreSQL; this runs in the PostgreSQL pass",
)


def run(script: str, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def query(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall() if cursor.description else []
    connection.close()
    return rows


def row_counts(url: str) -> dict[str, int]:
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in MAIN_TABLES)  # noqa: S608
    return dict(query(url, union))


def back_up(directory: Path, database_url: str) -> Path:
    result = run("backup", str(directory), database_url=database_url)
    assert result.returncode == 0, result.stderr
    [backup] = directory.iterdir()
    assert f"to {backup} (" in result.stdout
    return backup


def test_backup_refuses_sqlite_and_says_what_to_do(tmp_path: Path) -> None:
    result = run("backup", str(tmp_path), database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode != 0
    assert "these scripts back up and restore PostgreSQL" in result.stderr
    assert "stop the app and copy db.sqlite3" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_database_url_that_is_not_postgresql(tmp_path: Path) -> None:
    backup = tmp_path / "shuanglian.dump"
    backup.write_bytes(b"PGDMP")
    result = run("restore", str(backup), "sqlite:///elsewhere.sqlite3")
    assert result.returncode != 0
    assert "sqlite:///elsewhere.sqlite3 is not a PostgreSQL database URL" in result.stderr


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_with_the_same_rows(
    demo: None, tmp_path: Path
) -> None:
    source = current_database_url()
    backup = back_up(tmp_path, source)
    assert re.fullmatch(r"shuanglian-\d{8}-\d{6}\.dump", backup.name)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    with scratch_database("restore") as target:
        result = run("restore", str(backup), target)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Migrations: up to date." in result.stdout
        counts = row_counts(source)
        assert counts["villages_household"] > 300
        assert counts["visits_need"] > 0
        households = rf"^ +villages_household +{counts['villages_household']:,}$"
        assert re.search(households, result.stdout, re.MULTILINE), result.stdout
        assert row_counts(target) == counts
        for sql in SAMPLE_ROWS:
            rows = query(source, sql)
            assert rows, sql
            assert query(target, sql) == rows, sql


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_restore_replaces_a_database_that_is_not_empty_only_with_clean(
    demo: None, tmp_path: Path
) -> None:
    source = current_database_url()
    backup = back_up(tmp_path, source)
    with scratch_database("restore") as target:
        assert run("restore", str(backup), target).returncode == 0
        query(
            target,
            "DELETE FROM projects_projectneed; DELETE FROM visits_neednote; "
            "DELETE FROM visits_need",
        )

        refused = run("restore", str(backup), target)
        assert refused.returncode != 0
        assert "is not empty" in refused.stderr
        assert "give --clean to replace what it holds" in refused.stderr
        assert row_counts(target)["visits_need"] == 0

        cleaned = run("restore", "--clean", str(backup), target)
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert row_counts(target) == row_counts(source)


@only_postgresql
@pytest.mark.django_db
def test_restore_says_when_the_backup_needs_migrating(tmp_path: Path) -> None:
    # A copy of the test database's schema without its latest migration stands for a backup
    # made by an earlier version.
    (tmp_path / "now").mkdir()
    (tmp_path / "older").mkdir()
    with scratch_database("older") as older, scratch_database("restore") as target:
        run("restore", str(back_up(tmp_path / "now", current_database_url())), older)
        query(
            older,
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)",
        )
        backup = back_up(tmp_path / "older", older)

        result = run("restore", str(backup), target)
        assert result.returncode == 1
        assert "Migrations: the backup predates this version" in result.stdout
