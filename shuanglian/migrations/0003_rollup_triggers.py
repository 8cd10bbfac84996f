"""Triggers that mark a village's or a unit's figures for recounting when what they count changes.

Written out here rather than imported, so the migration keeps meaning what it meant when it ran.
On PostgreSQL they are statement-level triggers over transition tables (one INSERT per statement,
even for a COPY of a whole roster); SQLite has only row-level triggers.
"""

# Every statement here is built from the constants below; nothing comes from outside.
# ruff: noqa: S608

from dataclasses import dataclass

from django.db import migrations


@dataclass(frozen=True)
class Mark:
    """Rows of ``table`` mark ``kind`` objects: ``select`` names them from a changed row ``{r}``."""

    table: str
    kind: str
    select: str
    # An UPDATE marks only when one of these columns changed; none: updates never mark.
    columns: tuple[str, ...]


HOUSEHOLD_VILLAGE = (
    "SELECT h.village_id AS id FROM {rows} JOIN villages_household h ON h.id = {r}.household_id"
)
CADRE_UNIT = "SELECT c.unit_id AS id FROM {rows} JOIN units_cadre c ON c.id = {r}.cadre_id"

MARKS = [
    Mark(
        "villages_township",
        "v",
        "SELECT v.id AS id FROM {rows} JOIN villages_village v ON v.township_id = {r}.id",
        ("county_id",),
    ),
    Mark("villages_village", "v", "SELECT {r}.id AS id FROM {rows}", ("township_id",)),
    Mark("villages_household", "v", "SELECT {r}.village_id AS id FROM {rows}", ("village_id",)),
    Mark(
        "units_householdassignment",
        "v",
        HOUSEHOLD_VILLAGE,
        ("household_id", "cadre_id", "ended_on"),
    ),
    Mark("units_householdassignment", "u", CADRE_UNIT, ("household_id", "cadre_id", "ended_on")),
    Mark(
        "units_cadre",
        "v",
        "SELECT h.village_id AS id FROM {rows}"
        " JOIN units_householdassignment a ON a.cadre_id = {r}.id AND a.ended_on IS NULL"
        " JOIN villages_household h ON h.id = a.household_id",
        ("in_service",),
    ),
    Mark("units_cadre", "u", "SELECT {r}.unit_id AS id FROM {rows}", ("in_service", "unit_id")),
    Mark("units_unit", "u", "SELECT {r}.id AS id FROM {rows}", ()),
    Mark("units_workgroup", "v", "SELECT {r}.village_id AS id FROM {rows}", ("village_id",)),
    Mark("units_workgroup", "u", "SELECT {r}.unit_id AS id FROM {rows}", ("unit_id",)),
    Mark(
        "visits_visit",
        "v",
        HOUSEHOLD_VILLAGE,
        ("household_id", "outcome", "satisfaction", "visited_on"),
    ),
    Mark("visits_need", "v", HOUSEHOLD_VILLAGE, ("household_id", "status", "progressed_on")),
]

EVENTS = ("INSERT", "UPDATE", "DELETE")


def _tables() -> list[str]:
    return list(dict.fromkeys(mark.table for mark in MARKS))


def _name(table: str, event: str) -> str:
    return f"rollup_mark_{table}_{event.lower()}"


def _postgresql_selects(mark: Mark, event: str) -> list[str]:
    kind = f"'{mark.kind}'"
    if event == "INSERT":
        return [f"SELECT {kind}, m.id FROM ({mark.select.format(rows='new_rows r', r='r')}) m(id)"]
    if event == "DELETE":
        return [f"SELECT {kind}, m.id FROM ({mark.select.format(rows='old_rows r', r='r')}) m(id)"]
    if not mark.columns:
        return []
    changed = " OR ".join(f"r.{c} IS DISTINCT FROM o.{c}" for c in mark.columns)
    selects = []
    for side, other in (("new_rows", "old_rows"), ("old_rows", "new_rows")):
        rows = f"{side} r JOIN {other} o ON o.id = r.id AND ({changed})"
        selects.append(f"SELECT {kind}, m.id FROM ({mark.select.format(rows=rows, r='r')}) m(id)")
    return selects


def _postgresql_create() -> list[str]:
    statements = []
    for table in _tables():
        for event in EVENTS:
            selects = [
                select
                for mark in MARKS
                if mark.table == table
                for select in _postgresql_selects(mark, event)
            ]
            if not selects:
                continue
            name = _name(table, event)
            union = " UNION ".join(selects)
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO shuanglian_rollupmark (kind, object_id) "
                f"SELECT DISTINCT marks.kind, marks.object_id FROM ({union}) marks(kind, object_id) "
                "WHERE marks.object_id IS NOT NULL "
                # Updating the existing mark locks it, so a recount that takes the mark waits
                # for this transaction and then sees its rows.
                "ON CONFLICT (kind, object_id) DO UPDATE SET kind = EXCLUDED.kind; "
                "RETURN NULL; END $$"
            )
            transition = {
                "INSERT": "NEW TABLE AS new_rows",
                "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "DELETE": "OLD TABLE AS old_rows",
            }[event]
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return statements


def _postgresql_drop() -> list[str]:
    statements = []
    for table in _tables():
        for event in EVENTS:
            name = _name(table, event)
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(f"DROP FUNCTION IF EXISTS {name}()")
    return statements


def _sqlite_create() -> list[str]:
    statements = []
    for table in _tables():
        marks = [mark for mark in MARKS if mark.table == table]
        for event in EVENTS:
            sides = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["NEW", "OLD"]}[event]
            inserts = []
            columns = sorted({c for mark in marks for c in mark.columns})
            for mark in marks:
                if event == "UPDATE" and not mark.columns:
                    continue
                for side in sides:
                    select = mark.select.format(rows="(SELECT 1) AS one", r=side)
                    inserts.append(
                        "INSERT INTO shuanglian_rollupmark (kind, object_id) "
                        f"SELECT '{mark.kind}', m.id FROM ({select}) m "
                        "WHERE m.id IS NOT NULL ON CONFLICT (kind, object_id) DO NOTHING;"
                    )
            if not inserts:
                continue
            on = (
                f"UPDATE OF {', '.join(columns)} ON {table}"
                if event == "UPDATE"
                else f"{event} ON {table}"
            )
            when = ""
            if event == "UPDATE":
                when = " WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            statements.append(
                f"CREATE TRIGGER {_name(table, event)} AFTER {on} FOR EACH ROW{when} "
                f"BEGIN {' '.join(inserts)} END"
            )
    return statements


def _sqlite_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_name(table, event)}" for table in _tables() for event in EVENTS
    ]


def _run(statements_for: dict):
    def run(apps, schema_editor):
        statements = statements_for.get(schema_editor.connection.vendor)
        if statements is None:
            return
        for statement in statements():
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shuanglian", "0002_rollups"),
        ("units", "0003_cadre_must_change_password_village_survey"),
        ("visits", "0003_default_visit_intervals"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgresql_create, "sqlite": _sqlite_create}),
            _run({"postgresql": _postgresql_drop, "sqlite": _sqlite_drop}),
        ),
        # Villages and units that exist already are counted by the first reader. Backwards,
        # without the triggers nothing marks or reads marks any more: none are left behind.
        migrations.RunSQL(
            "INSERT INTO shuanglian_rollupmark (kind, object_id) "
            "SELECT 'v', id FROM villages_village UNION SELECT 'u', id FROM units_unit",
            "DELETE FROM shuanglian_rollupmark",
        ),
    ]
