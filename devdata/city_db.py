"""Writing the synthetic city: COPY on PostgreSQL, executemany elsewhere, and emptying it again.

Both writers take the same rows (see ``city_register_rows`` and ``city_visit_rows``). On
PostgreSQL the tables being filled lose their secondary indexes and foreign keys while the
rows stream in and get them back afterwards, as pg_restore does: building an index once is
far cheaper than updating it millions of times, and a foreign key is checked with one join
instead of one lookup a row.
All of it runs inside the caller's transaction, so a failure leaves the schema as it was.
"""

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models

from devdata.city_register_rows import NULL, Row, Rows
from shuanglian.models import Role
from units.models import Cadre

CHUNK = 5000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def write(rows: Rows) -> int:
    """Insert the rows into the model's table; the number of rows written."""
    model, fields, iterator = rows
    columns = [model._meta.get_field(name).column for name in fields]
    # Fields added to a model after these rows were designed get their default.
    extra = {
        field.column: _default(field)
        for field in model._meta.concrete_fields
        if field.column not in columns
    }
    if is_postgresql():
        return _copy(model._meta.db_table, [*columns, *extra], iterator, tuple(extra.values()))
    return _insert(model._meta.db_table, [*columns, *extra], iterator, tuple(extra.values()))


def _default(field: models.Field) -> object:
    if field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    elif field.empty_strings_allowed:
        value = ""
    else:
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value")
    if value is None:
        return NULL
    return value.isoformat() if hasattr(value, "isoformat") else value


class _CopyStream:
    """A file-like object for COPY FROM STDIN that formats rows as they are read."""

    def __init__(self, rows: Iterator[Row], extra: tuple[object, ...]) -> None:
        self.rows = rows
        self.suffix = "".join(f"\t{value}" for value in extra) + "\n"
        self.count = 0

    def read(self, size: int = -1) -> str:
        chunk = list(itertools.islice(self.rows, CHUNK))
        self.count += len(chunk)
        suffix = self.suffix
        return "".join(["\t".join(map(str, row)) + suffix for row in chunk])


def _copy(table: str, columns: list[str], rows: Iterator[Row], extra: tuple[object, ...]) -> int:
    quote = connection.ops.quote_name
    stream = _CopyStream(rows, extra)
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, stream, size=1 << 16)
    return stream.count


def _insert(table: str, columns: list[str], rows: Iterator[Row], extra: tuple[object, ...]) -> int:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})"  # noqa: S608
    count = 0
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, CHUNK)):
            cursor.executemany(
                sql, [tuple(None if v == NULL else v for v in (*row, *extra)) for row in chunk]
            )
            count += len(chunk)
    return count


class BulkLoad:
    """Secondary indexes and foreign keys of the tables to fill, set aside and put back."""

    def __init__(self, models_to_fill: Sequence[type[models.Model]]) -> None:
        self.tables = [model._meta.db_table for model in models_to_fill]
        self.indexes: list[tuple[str, str]] = []  # (table, CREATE INDEX …)
        self.constraints: list[tuple[str, str, str, str]] = []  # (table, name, type, definition)

    def set_aside(self) -> None:
        if not is_postgresql():
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            _run_pending_checks(cursor)
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'x') ORDER BY conname",
                    [table],
                )
                self.constraints += [(table, *row) for row in cursor.fetchall()]
                cursor.execute(
                    "SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text "
                    "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
                    " SELECT 1 FROM pg_constraint c"
                    " WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid) "
                    "ORDER BY 2",
                    [table],
                )
                for definition, name in cursor.fetchall():
                    self.indexes.append((table, definition))
                    cursor.execute(f"DROP INDEX {name}")
            # Foreign keys first: a unique constraint may not go while a key depends on it.
            for table, name, _kind, _definition in sorted(self.constraints, key=lambda c: c[2]):
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            # Memory for building the indexes back, for this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL work_mem = '64MB'")

    def put_back(self, report: Callable[[str, float], None]) -> None:
        """Build the indexes and unique constraints, then check the foreign keys."""
        if not is_postgresql():
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables:
                with _timed(report, f"{table} indexes"):
                    for owner, definition in self.indexes:
                        if owner == table:
                            cursor.execute(definition)
                    for owner, name, kind, definition in self.constraints:
                        if owner == table and kind != "f":
                            cursor.execute(
                                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                                f"{definition}"
                            )
            with _timed(report, "foreign keys checked"):
                for table, name, kind, definition in self.constraints:
                    if kind == "f":
                        cursor.execute(
                            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                        )


@contextmanager
def _timed(report: Callable[[str, float], None], what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    report(what, time.monotonic() - started)


def _run_pending_checks(cursor: Any) -> None:
    """Run the deferred foreign key checks of rows written earlier in the transaction.

    PostgreSQL neither alters nor truncates a table while such checks are pending.
    """
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def reserve_user_ids(count: int) -> list[int]:
    """Ids for ``count`` new accounts, taken from the table's own sequence where it has one."""
    user_table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [user_table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {user_table}")  # noqa: S608
        highest = cursor.fetchone()[0]
        # AUTOINCREMENT never reuses the ids of deleted rows; they are kept in sqlite_sequence.
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT MAX(seq) FROM sqlite_sequence WHERE name = %s", [user_table])
            highest = max(highest, cursor.fetchone()[0] or 0)
    return list(range(highest + 1, highest + 1 + count))


def reset_sequences(models_filled: Iterable[type[models.Model]]) -> None:
    """Move the id sequences past the ids the rows brought with them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_filled))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze(models_filled: Iterable[type[models.Model]] | None = None) -> None:
    """Refresh the planner's statistics of the given tables, or of all.

    SQLite too: without statistics its planner may pick an index that turns the dashboards'
    recount from a fraction of a second into minutes.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if models_filled is None:
            cursor.execute("ANALYZE")
            return
        for model in models_filled:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


# --- emptying --------------------------------------------------------------------------


def _incoming(model: type[models.Model]) -> list[Any]:
    """Every relation pointing at ``model`` from a foreign key or one-to-one, hidden ones too."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def empty(campaign: Sequence[type[models.Model]]) -> list[int]:
    """Delete every row of the campaign tables (children first); the ids of cadres' accounts.

    Rows of other tables that point into them go too, or lose the reference where the key
    may be empty (a coordinator's county or township role, figures of a village).
    """
    members = set(campaign)
    cadre_users = _cadre_accounts(campaign)
    referenced_from_outside = set()
    for model in campaign:
        for relation in _incoming(model):
            if relation.related_model in members:
                continue
            referenced_from_outside.add(model)
            _detach(relation, relation.related_model._base_manager.all())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        rest = list(campaign)
        if is_postgresql():
            _run_pending_checks(cursor)
            truncatable = _truncatable(campaign, referenced_from_outside)
            if truncatable:
                tables = ", ".join(quote(model._meta.db_table) for model in truncatable)
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
            rest = [model for model in campaign if model not in truncatable]
        for model in rest:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
    return cadre_users


def _cadre_accounts(campaign: Sequence[type[models.Model]]) -> list[int]:
    if Cadre not in campaign:
        return []
    return list(Cadre.objects.filter(user__isnull=False).values_list("user_id", flat=True))


def _truncatable(
    campaign: Sequence[type[models.Model]], referenced_from_outside: set[type[models.Model]]
) -> list[type[models.Model]]:
    """Tables PostgreSQL lets us TRUNCATE: every table pointing at them is truncated with them."""
    chosen = [model for model in campaign if model not in referenced_from_outside]
    changed = True
    while changed:
        changed = False
        for model in list(chosen):
            if any(relation.related_model not in chosen for relation in _incoming(model)):
                chosen.remove(model)
                changed = True
    return chosen


def _detach(relation: Any, rows: models.QuerySet) -> None:
    """Remove (or, for a SET_NULL key, empty) the references of ``rows`` along ``relation``."""
    if relation.on_delete is models.DO_NOTHING:
        # A reference kept on purpose after its account goes (the audit trail's user).
        return
    name = relation.field.name
    pointing = rows.filter(**{f"{name}__isnull": False})
    if relation.on_delete is models.SET_NULL:
        pointing.update(**{name: None})
    else:
        pointing.delete()


def delete_accounts(user_ids: Sequence[int], campaign: Sequence[type[models.Model]]) -> int:
    """Delete the accounts that were only cadres' sign-ins; coordinators' accounts stay."""
    user_model = get_user_model()
    members = set(campaign)
    coordinator_roles = [role for role in Role.values if role != Role.CADRE]
    deleted = 0
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        accounts = (
            user_model._base_manager.filter(pk__in=chunk, is_staff=False, is_superuser=False)
            .exclude(scope__role__in=coordinator_roles)
            .values_list("pk", flat=True)
        )
        ids = list(accounts)
        for relation in _incoming(user_model):
            if relation.related_model not in members:
                rows = relation.related_model._base_manager.filter(
                    **{f"{relation.field.name}__in": ids}
                )
                _detach(relation, rows)
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(user_model._meta.db_table)} "  # noqa: S608
                    f"WHERE id IN ({marks})",
                    ids,
                )
                deleted += cursor.rowcount
    return deleted
