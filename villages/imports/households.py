"""Roster rows against the stored households: new, changed, unchanged or refused, and the
households created and updated from them."""

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from common.chunks import CHUNK_ROWS
from common.translatable import gettext as _
from villages.imports import values
from villages.imports.areas import outside_area
from villages.imports.framework import Classified, Progress, Rejected
from villages.models import Household, Village

HOUSEHOLD_FIELDS = ("head_name", "phone", "members", "category", "address")


@dataclass(slots=True)
class Row:
    """One accepted roster row, normalized; ``None`` means the cell was empty."""

    sheet: str
    number: int
    id_number: str
    head_name: str
    village_id: int
    phone: str | None = None
    members: int | None = None
    category: str | None = None
    address: str | None = None


def classify_rows(
    rows: list[Row], *, move_households: bool, bounded_by: list[Any] | None = None
) -> Classified:
    """Compare the rows with the database: new, changed, unchanged, or in another village.

    With ``bounded_by``, a row is written only when its village, and the village a household
    is registered in now, lie in the area of every one of those users; other rows are
    rejected without naming what lies outside.
    """
    result = Classified()
    existing = _existing_households([row.id_number for row in rows])
    elsewhere = {
        record["village_id"]
        for row in rows
        if (record := existing.get(row.id_number)) and record["village_id"] != row.village_id
    }
    outside = (
        set()
        if bounded_by is None
        else outside_area(bounded_by, elsewhere | {row.village_id for row in rows})
    )
    village_names = {
        village.pk: f"{village.township.name}{village.name}"
        for village in Village.objects.filter(pk__in=elsewhere).select_related("township")
    }
    for row in rows:
        if row.village_id in outside:
            result.conflicts.append(
                Rejected(
                    row.sheet,
                    row.number,
                    values.COLUMN_LABELS["village"],
                    _(
                        "The village of this row lies outside your area; its households "
                        "cannot be imported from this file."
                    ),
                )
            )
            continue
        record = existing.get(row.id_number)
        if record is None:
            result.creates.append(row)
            continue
        if record["village_id"] in outside:
            result.conflicts.append(
                Rejected(
                    row.sheet,
                    row.number,
                    values.COLUMN_LABELS["id_number"],
                    _(
                        "This resident ID is already registered in a village outside your area; "
                        "the household cannot be changed from this file."
                    ),
                )
            )
            continue
        if record["village_id"] != row.village_id and not move_households:
            result.conflicts.append(
                Rejected(
                    row.sheet,
                    row.number,
                    values.COLUMN_LABELS["id_number"],
                    _(
                        "This resident ID is already registered in %(village)s; tick “move "
                        "households” to move the household here."
                    )
                    % {"village": village_names[record["village_id"]]},
                )
            )
            continue
        changes = _changes(record, row)
        if changes:
            result.updates.append((record["pk"], row, changes))
        else:
            result.unchanged += 1
            result.kept.append(row)
    return result


def _existing_households(id_numbers: list[str]) -> dict[str, dict[str, Any]]:
    """The stored households with these ID numbers, by ID number."""
    names = ["pk", "id_number", "village_id", *HOUSEHOLD_FIELDS]
    existing = {}
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of IN parameters: the lookup of a
        # county's file takes a fraction of the time.
        table = Household._meta.db_table
        columns = ", ".join(["id", *names[1:]])
        with connection.cursor() as cursor:
            for start in range(0, len(id_numbers), CHUNK_ROWS * 10):
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE id_number = ANY(%s)",  # noqa: S608
                    [id_numbers[start : start + CHUNK_ROWS * 10]],
                )
                for values_ in cursor.fetchall():
                    existing[values_[1]] = dict(zip(names, values_, strict=True))
        return existing
    for start in range(0, len(id_numbers), CHUNK_ROWS):
        chunk = id_numbers[start : start + CHUNK_ROWS]
        for record in Household.objects.filter(id_number__in=chunk).values(*names):
            existing[record["id_number"]] = record
    return existing


def _changes(record: dict[str, Any], row: Row) -> dict[str, tuple[Any, Any]]:
    """Fields the row changes; an empty cell leaves the stored value alone."""
    changes = {}
    for name in ("village_id", *HOUSEHOLD_FIELDS):
        new = getattr(row, name)
        if new is not None and new != record[name]:
            changes[name] = (record[name], new)
    return changes


@transaction.atomic
def write_households(classified: Classified, *, progress: Progress | None = None) -> None:
    """Create and update the households; all or nothing."""
    now = timezone.now()
    done = 0
    insert = _copy_households if connection.vendor == "postgresql" else _bulk_create_households
    for start in range(0, len(classified.creates), CHUNK_ROWS):
        chunk = classified.creates[start : start + CHUNK_ROWS]
        insert([_new_household(row, now) for row in chunk])
        done += len(chunk)
        if progress:
            progress(done)
    for start in range(0, len(classified.updates), CHUNK_ROWS):
        chunk = classified.updates[start : start + CHUNK_ROWS]
        households = []
        for pk, _row, changes in chunk:
            household = Household(pk=pk, updated_at=now)
            for name, (_old, new) in changes.items():
                setattr(household, name, new)
            households.append(household)
        changed = sorted({name for _pk, _row, changes in chunk for name in changes})
        # Households differ in what changed; fill the untouched fields from the database.
        _fill_unchanged(households, chunk, changed)
        Household.objects.bulk_update(households, [*changed, "updated_at"])
        done += len(chunk)
        if progress:
            progress(done)


def _new_household(row: Row, now: datetime.datetime) -> dict[str, Any]:
    return {
        "village_id": row.village_id,
        "head_name": row.head_name,
        "id_number": row.id_number,
        "phone": row.phone or "",
        "members": row.members or 1,
        "category": row.category or Household.Category.GENERAL,
        "address": row.address or "",
        "created_at": now,
        "updated_at": now,
    }


def _bulk_create_households(records: list[dict[str, Any]]) -> None:
    Household.objects.bulk_create(Household(**record) for record in records)


def _copy_households(records: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: several times faster than INSERT for a county's roster."""
    columns = list(records[0])
    buffer = io.StringIO()
    # Every value quoted: in COPY's CSV format only an unquoted empty value is NULL.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for record in records:
        writer.writerow(
            [
                value.isoformat() if isinstance(value, datetime.datetime) else value
                for value in record.values()
            ]
        )
    buffer.seek(0)
    table = connection.ops.quote_name(Household._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)


def _fill_unchanged(
    households: list[Household],
    chunk: list[tuple[int, Row, dict[str, tuple[Any, Any]]]],
    fields: list[str],
) -> None:
    current = {
        record["pk"]: record
        for record in Household.objects.filter(pk__in=[pk for pk, _r, _c in chunk]).values(
            "pk", *fields
        )
    }
    for household, (pk, _row, changes) in zip(households, chunk, strict=True):
        for name in fields:
            if name not in changes:
                setattr(household, name, current[pk][name])
