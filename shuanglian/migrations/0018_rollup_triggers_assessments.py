"""Triggers that mark a village's figures for recounting when its assessments or their
rectification items change (双创).

The same kind of triggers as migrations 0003 and 0011, for the tables of the assessments app;
written out here rather than imported, so the migration keeps meaning what it meant when it ran.
An assessment deleted with its items marks its village through the assessment's own trigger.
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


MARKS = [
    Mark(
        "assessments_assessment",
        "v",
        "SELECT {r}.village_id AS id FROM {rows}",
        ("village_id", "year", "status", "stars", "up_to_standard"),
    ),
    Mark(
        "assessments_rectificationitem",
        "v",
        "SELECT a.village_id AS id FROM {rows}"
        " JOIN assessments_assessment a ON a.id = {r}.assessment_id",
        ("assessment_id", "status", "deadline"),
    ),
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
        ("shuanglian", "0017_villagefigures_assessments"),
        ("assessments", "0001_checklists_assessments_rectification"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgresql_create, "sqlite": _sqlite_create}),
            _run({"postgresql": _postgresql_drop, "sqlite": _sqlite_drop}),
        ),
    ]
