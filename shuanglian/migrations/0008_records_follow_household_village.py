"""Visits, needs and assignments carry their household's village, and the database keeps it so.

An area's records are then found through their own village index: a county's needs without
reading its 300,000 households. Whatever writes a record (a page, a bulk insert, a COPY, a
hand-typed UPDATE) gets the household's village, and moving a household moves its records.
Written out here rather than imported, so the migration keeps meaning what it meant when it ran.
"""

# Every statement here is built from the constants below; nothing comes from outside.
# ruff: noqa: S608

from django.db import migrations

RECORDS = ("units_householdassignment", "visits_visit", "visits_need")
FOLLOW = "household_village_follow"


def _fill(table: str) -> str:
    return f"record_village_{table}"


def _postgresql_create() -> list[str]:
    statements = []
    for table in RECORDS:
        name = _fill(table)
        statements += [
            # A record's village is always its household's, whatever the writer sent. A
            # household not there yet (a restore loading tables in another order) keeps the
            # value restored with the record.
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE found_village bigint; BEGIN "
            "IF TG_OP = 'INSERT' OR NEW.household_id IS DISTINCT FROM OLD.household_id "
            "OR NEW.village_id IS DISTINCT FROM OLD.village_id THEN "
            "SELECT h.village_id INTO found_village FROM villages_household h "
            "WHERE h.id = NEW.household_id; "
            "IF FOUND THEN NEW.village_id := found_village; END IF; "
            "END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    updates = " ".join(
        f"UPDATE {table} r SET village_id = n.village_id FROM new_rows n "
        "JOIN old_rows o ON o.id = n.id AND o.village_id IS DISTINCT FROM n.village_id "
        "WHERE r.household_id = n.id;"
        for table in RECORDS
    )
    statements += [
        f"CREATE FUNCTION {FOLLOW}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{updates} RETURN NULL; END $$",
        f"CREATE TRIGGER {FOLLOW} AFTER UPDATE ON villages_household "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FOLLOW}()",
    ]
    return statements


def _postgresql_drop() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {FOLLOW} ON villages_household",
        f"DROP FUNCTION IF EXISTS {FOLLOW}()",
    ]
    for table in RECORDS:
        statements += [
            f"DROP TRIGGER IF EXISTS {_fill(table)} ON {table}",
            f"DROP FUNCTION IF EXISTS {_fill(table)}()",
        ]
    return statements


def _sqlite_create() -> list[str]:
    # SQLite's triggers cannot change the row being written: they correct it just after.
    statements = []
    for table in RECORDS:
        household = f"(SELECT h.village_id FROM villages_household h WHERE h.id = NEW.household_id)"
        correct = f"UPDATE {table} SET village_id = {household} WHERE id = NEW.id;"
        wrong = f"NEW.village_id IS NOT {household} AND {household} IS NOT NULL"
        statements += [
            f"CREATE TRIGGER {_fill(table)}_insert AFTER INSERT ON {table} "
            f"FOR EACH ROW WHEN {wrong} BEGIN {correct} END",
            f"CREATE TRIGGER {_fill(table)}_update AFTER UPDATE OF household_id, village_id "
            f"ON {table} FOR EACH ROW WHEN {wrong} BEGIN {correct} END",
        ]
    updates = " ".join(
        f"UPDATE {table} SET village_id = NEW.village_id WHERE household_id = NEW.id;"
        for table in RECORDS
    )
    statements.append(
        f"CREATE TRIGGER {FOLLOW} AFTER UPDATE OF village_id ON villages_household "
        f"FOR EACH ROW WHEN NEW.village_id IS NOT OLD.village_id BEGIN {updates} END"
    )
    return statements


def _sqlite_drop() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {FOLLOW}"]
    for table in RECORDS:
        statements += [
            f"DROP TRIGGER IF EXISTS {_fill(table)}_insert",
            f"DROP TRIGGER IF EXISTS {_fill(table)}_update",
        ]
    return statements


def _run(statements_for: dict):
    def run(apps, schema_editor):
        statements = statements_for.get(schema_editor.connection.vendor)
        if statements is None:
            return
        for statement in statements():
            schema_editor.execute(statement)

    return run


BACKFILL = [
    f"UPDATE {table} SET village_id = (SELECT h.village_id FROM villages_household h "
    f"WHERE h.id = {table}.household_id)"
    for table in RECORDS
]


class Migration(migrations.Migration):
    dependencies = [
        ("shuanglian", "0007_rollups_recount_new_columns"),
        ("units", "0007_records_keep_household_village"),
        ("visits", "0005_records_keep_household_village"),
    ]

    operations = [
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunPython(
            _run({"postgresql": _postgresql_create, "sqlite": _sqlite_create}),
            _run({"postgresql": _postgresql_drop, "sqlite": _sqlite_drop}),
        ),
    ]
