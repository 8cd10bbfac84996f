"""Spreadsheet imports: read an uploaded file, check every row, preview, then write.

Every row ends up new, updated, unchanged, skipped (blank, totals, signatures) or rejected
with a reason; the rejected rows go back to the sender as an error workbook. Nothing is
written until the coordinator confirms, and then all of it in one transaction.

The workflow is shared by every kind of import (``ImportBatch.kind``). What a kind's rows
mean (its columns, how a row is checked against the database and how it is written) is a
``BatchImporter``, registered here. The household roster is defined in this module; other
apps register their kinds from their ``AppConfig.ready`` (``villages`` imports no other app).
"""

import csv
import datetime
import gzip
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from common.spreadsheets.sheets import Sheet
from villages import translatable
from villages.exports import _sheet_title, transferred, write_xlsx_sheets
from villages.imports import leases, values
from villages.models import County, Household, ImportBatch, Township, Village, area_with_code
from villages.translatable import gettext as _
from villages.validators import mask_personal_numbers, mask_phone, mask_resident_id

HEADER_SCAN_ROWS = 20
# Texts above the header kept with a sheet's layout, and their length.
TITLE_TEXTS, TITLE_CHARS = 5, 100
PREVIEW_LIMIT = 200
PREVIEW_PAGE_SIZE = 50
# The preview's tabs, in ImportBatch's count order.
OUTCOMES = ("created", "updated", "unchanged", "rejected")
WRITE_CHUNK = 2000
LOOKUP_CHUNK = 2000
PROGRESS_EVERY = 2000
HOUSEHOLD_FIELDS = ("head_name", "phone", "members", "category", "address")
TOTAL_WORDS = ("合计", "总计", "小计", "共计")
# Words of the lines under a table (signatures, who filled it in, the date): such a line is
# skipped wherever its text sits, the ID column included.
FOOTER_WORDS = (
    "填表人",
    "填报人",
    "制表",
    "审核",
    "审批",
    "负责人",
    "经办人",
    "统计人",
    "核对人",
    "村支书",
    "签字",
    "签名",
    "盖章",
    "公章",
    "日期",
    "以下空白",
    "以下无内容",
)
# Who signs a roster under its table ("蔡寨村民委员会").
SIGNING_BODIES = ("政府", "委员会", "村委会", "居委会", "党支部", "党委", "办事处")
# Notes under a table ("注：…"), after clean_text has made the colon half-width.
FOOTER_STARTS = ("注:", "备注:", "说明:", "附:")
# Text longer than this is a sentence, not a name, a place or a number; half as long with
# punctuation in it too.
NOTE_CHARS = 20
_LONGEST_DATE = len("2026年12月31日")
_DATE_TEXT = re.compile(r"^\d{4}(?:[年./-]\d{1,2}(?:[月./-]\d{1,2}日?)?)?$")
INSTRUCTION_SHEETS = ("说明", "填表说明", "填写说明", "使用说明", "instructions", "readme")

Progress = Callable[[int], None]
Scope = Village | Township | County


@dataclass
class Rejected:
    """A refused row. ``column`` and ``reason`` are messages: text, a ``gettext_lazy`` label,
    a ``translatable.Text``, or their stored form (``translatable.stored``)."""

    sheet: str
    number: int
    column: Any
    reason: Any
    raw: list[Any] = field(default_factory=list)


@dataclass
class SheetLayout:
    name: str
    header_row: int
    header: list[Any]
    columns: dict[str, int]
    unknown: list[str]
    # The texts above the header: the title, who filled the sheet in.
    title: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    rows: list[Any] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0
    read: int = 0


@dataclass
class Classified:
    """The accepted rows compared with the database; each kind decides what an item holds."""

    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Rejected] = field(default_factory=list)
    # The unchanged rows themselves, for the preview (kinds that keep them).
    kept: list[Any] = field(default_factory=list)


class ColumnError(values.RowError):
    """A row refused because of one column (a field name of the importer's ``labels``)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class BatchImporter:
    """One kind of spreadsheet import: its columns, and how its rows are checked and written.

    Subclasses set the class attributes and implement ``parse_row``, ``classify``, ``write``
    and ``describe_changes``; the batch workflow below does the rest.
    """

    kind: ClassVar[str]
    # Field → header variants; matching ignores spaces, full-width forms, "*" and a
    # bracketed note (``values.header_key``).
    aliases: ClassVar[Mapping[str, tuple[str, ...]]]
    # Field → the column name used in rejections and the preview.
    labels: ClassVar[Mapping[str, Any]]
    # A sheet's header is the first row naming all of these.
    required: ClassVar[tuple[str, ...]]
    # A row with a value here is data; two rows with the same value are duplicates.
    key_field: ClassVar[str] = "id_number"
    # Columns that, filled alone (a merged cell running on below a table), make no row.
    context_fields: ClassVar[tuple[str, ...]] = ()
    # The slots dataclass of an accepted row; it is stored in the batch's plan file.
    row_type: ClassVar[type]
    scope_required: ClassVar[bool] = True
    # ImportBatch boolean fields the coordinator may tick for this kind.
    option_fields: ClassVar[tuple[str, ...]] = ()
    # A permission needed besides villages.add_importbatch, to upload and to confirm.
    permission: ClassVar[str] = ""
    # Columns holding personal numbers, masked for whoever may not see them in full:
    # field → "id_number" or "phone".
    personal_fields: ClassVar[Mapping[str, str]] = {}

    # What the pages and the command say.
    verbose_name: ClassVar[Any]
    upload_title: ClassVar[Any]
    batch_title: ClassVar[Any]  # %(name)s: the file name
    upload_help: ClassVar[Any]
    file_label: ClassVar[Any]
    scope_help: ClassVar[Mapping[str, Any]] = {}
    count_labels: ClassVar[tuple[Any, ...]]  # new, updated, unchanged, rejected, skipped
    confirm_message: ClassVar[Any]  # %(created)s, %(updated)s
    changes_title: ClassVar[Any]
    duplicate_message: ClassVar[Any]  # %(rows)s: where the other rows are
    nothing_message: ClassVar[Any]
    done_message: ClassVar[Any]  # %(created)s, %(updated)s
    another_label: ClassVar[Any]
    back_label: ClassVar[Any]
    back_url_name: ClassVar[str]

    def rank_header(self, value: object) -> tuple[str, int] | None:
        """The field a header cell names and how specific the name is (0 = most)."""
        key = values.header_key(value)
        if not key:
            return None
        for name, aliases in self.aliases.items():
            if key in aliases:
                return name, aliases.index(key)
        return None

    def skip_row(self, layout: SheetLayout, row: list[Any]) -> bool:
        """Rows of the table that are not the importer's to read (besides blanks and totals)."""
        return False

    def start(self, batch: ImportBatch) -> Any:
        """What parsing needs from the database, loaded once per batch."""
        return None

    def sheet_warnings(self, context: Any, layout: SheetLayout) -> list[str]:
        """What to point out about a sheet as a whole (its title, its name)."""
        return []

    def sheet_context(self, context: Any, layout: SheetLayout) -> Any:
        """The parsing context for one sheet (a sheet may stand for a village)."""
        return context

    def parse_row(
        self, context: Any, layout: SheetLayout, number: int, row: list[Any], warnings: list[str]
    ) -> Any:
        """One data row as a ``row_type``, or ``ColumnError`` saying which cell is wrong."""
        raise NotImplementedError

    def classify(self, batch: ImportBatch, rows: list[Any]) -> Classified:
        """Compare the accepted rows with the database as it is now."""
        raise NotImplementedError

    def write(
        self, batch: ImportBatch, classified: Classified, *, progress: Progress | None = None
    ) -> None:
        """Write what ``classify`` found, in the caller's transaction."""
        raise NotImplementedError

    def describe_changes(self, updates: list[Any]) -> list[dict[str, Any]]:
        """The preview of updates: sheet, row, village, head_name and fields.

        Each field is a dict of field, old and new, and personal (a ``personal_fields``
        value) when the values are personal numbers.
        """
        raise NotImplementedError

    def describe_rows(self, items: list[Any]) -> list[dict[str, Any]]:
        """The preview of new or unchanged rows: sheet, row, village, head_name and fields.

        Each field is a dict of field and value, and personal as in ``describe_changes``.
        """
        return []

    def preview_items(self, outcome: str, items: list[Any]) -> list[tuple[int | None, Any]]:
        """What the preview file keeps of each item of an outcome (created, updated,
        unchanged): its village and a JSON payload that ``describe_preview`` describes.

        By default the description itself; a kind with large files keeps its rows compact
        and describes only the page shown.
        """
        described = (
            self.describe_changes(items) if outcome == "updated" else self.describe_rows(items)
        )
        return [(entry.get("village"), _storable(entry)) for entry in described]

    def describe_preview(self, outcome: str, payloads: list[Any]) -> list[dict[str, Any]]:
        """The preview of the payloads ``preview_items`` kept (one page of them)."""
        return payloads

    def touched_villages(self, classified: Classified) -> set[int]:
        """The villages whose records ``write`` changes for what ``classify`` found."""
        raise NotImplementedError

    def allows(self, user: Any) -> bool:
        return not self.permission or user.has_perm(self.permission)


_importers: dict[str, BatchImporter] = {}


def register(importer: BatchImporter) -> None:
    """Make an import kind available to the batch workflow, the admin and the worker."""
    _importers[importer.kind] = importer


def importer_for(kind: str) -> BatchImporter:
    """The importer of an ``ImportBatch.kind``; LookupError when none is registered."""
    try:
        return _importers[kind]
    except KeyError:
        raise LookupError(f"no importer is registered for {kind!r}") from None


# --- Reading a sheet: header, data rows, duplicates ---------------------------------------


def find_layout(
    sheet_name: str, rows: Iterator[list[Any]], importer: BatchImporter
) -> tuple[SheetLayout | None, int]:
    """Scan the first rows for the header; returns the layout and the rows consumed."""
    title: list[str] = []
    for number, row in enumerate(rows, start=1):
        columns: dict[str, int] = {}
        ranks: dict[str, int] = {}
        for index, cell in enumerate(row):
            found = importer.rank_header(cell)
            # "户主姓名" beats a plain "姓名" column (a family member's name) wherever it stands.
            if found and found[1] < ranks.get(found[0], len(importer.aliases[found[0]])):
                columns[found[0]], ranks[found[0]] = index, found[1]
        used = set(columns.values())
        unknown = [
            values.clean_text(cell)
            for index, cell in enumerate(row)
            if index not in used and not values.is_blank(cell)
        ]
        if all(name in columns for name in importer.required):
            return SheetLayout(sheet_name, number, list(row), columns, unknown, title), number
        if len(title) < TITLE_TEXTS:
            title += [
                values.without_control_characters(values.clean_text(cell))[:TITLE_CHARS]
                for cell in row
                if isinstance(cell, str) and not values.is_blank(cell)
            ][: TITLE_TEXTS - len(title)]
        if number >= HEADER_SCAN_ROWS:
            break
    return None, 0


def _is_footer_text(text: str) -> bool:
    return any(word in text for word in FOOTER_WORDS) or text.startswith(FOOTER_STARTS)


def _is_skippable(row: list[Any], layout: SheetLayout, importer: BatchImporter) -> bool:
    """Blank rows, totals and the signature lines under a table."""
    key_index = layout.columns[importer.key_field]
    if key_index < len(row) and not values.is_blank(row[key_index]):
        # A row with a key is data unless it is a totals line ("合计" up front) or its "key"
        # is a signature line's text.
        first = next((cell for cell in row if not values.is_blank(cell)), None)
        if isinstance(first, str) and values.clean_text(first).startswith(TOTAL_WORDS):
            return True
        key = row[key_index]
        # An ID (ASCII) is the usual key, and no signature line's text.
        if not isinstance(key, str) or key.isascii():
            return False
        key = values.clean_text(key)
        if any(ch.isdigit() for ch in key):
            return _is_footer_text(key)
        # Text without a digit is no key: the row may be a signature line spread over columns.
    data_columns = [i for f, i in layout.columns.items() if f not in importer.context_fields]
    if all(values.is_blank(row[i]) if i < len(row) else True for i in data_columns):
        return True
    texts = [values.clean_text(cell) for cell in row if isinstance(cell, str)]
    if any(text.startswith(TOTAL_WORDS) for text in texts):
        return True
    return any(_is_footer_text(text) for text in texts)


def _is_note(cell: object) -> bool:
    """A cell as the lines under a table hold them: a date, who signs, a sentence."""
    if values.is_blank(cell) or isinstance(cell, datetime.date | datetime.time):
        return True
    if not isinstance(cell, str):
        return False
    text = values.clean_text(cell)
    return bool(
        _DATE_TEXT.match(text)
        or values.header_key(text).endswith(SIGNING_BODIES)
        or len(text) > NOTE_CHARS
        or (len(text) > NOTE_CHARS // 2 and any(mark in text for mark in ",。;!?"))
    )


def _is_footer_like(row: list[Any], layout: SheetLayout, importer: BatchImporter) -> bool:
    """A row that could be a note under the table rather than a row of it: no key, and in
    the table's columns only dates, who signs and sentences."""
    key_index = layout.columns[importer.key_field]
    key = row[key_index] if key_index < len(row) else None
    # The usual row of data, told cheaply: its key is a number, or text too long for a date.
    if isinstance(key, int | float) or (isinstance(key, str) and len(key) > _LONGEST_DATE):
        return False
    if not _is_note(key):
        return False
    return all(_is_note(row[i]) for i in layout.columns.values() if i < len(row))


def _without_trailing_text(
    rows: Iterator[tuple[int, list[Any]]],
    layout: SheetLayout,
    importer: BatchImporter,
    parsed: Parsed,
) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows, less the notes and dates after the table's last row of data.

    Such text is held back until a row of data follows it (then it is a row of the table
    and is checked as one); what is held at the end of the sheet is counted as skipped.
    """
    held: list[tuple[int, list[Any]]] = []
    for number, row in rows:
        # A row of data has a key, so the first test costs it almost nothing.
        if _is_footer_like(row, layout, importer) and (
            held or not (_is_skippable(row, layout, importer) or importer.skip_row(layout, row))
        ):
            held.append((number, row))
            continue
        if held and (_is_skippable(row, layout, importer) or importer.skip_row(layout, row)):
            held.append((number, row))
            continue
        yield from held
        held.clear()
        yield number, row
    parsed.read += len(held)
    parsed.skipped += len(held)


def parse_sheets(
    sheets: list[Sheet],
    importer: BatchImporter,
    context: Any,
    *,
    progress: Progress | None = None,
) -> Parsed:
    """Check every row of every visible sheet that has the importer's header."""
    parsed = Parsed()
    labels = importer.labels
    readable, blank = [], []
    for sheet in sheets:
        if not _is_readable(sheet):
            parsed.skipped_sheets.append(sheet.name)
            continue
        readable.append(sheet.name)
        watched = _Watched(sheet.rows)
        layout, header_row = find_layout(sheet.name, watched, importer)
        rows = watched.rows
        if layout is None:
            parsed.skipped_sheets.append(sheet.name)
            if not watched.filled():
                blank.append(sheet.name)
            continue
        # Header texts are shown on the batch page and stored with it.
        layout.unknown = [values.without_control_characters(text) for text in layout.unknown]
        parsed.layouts.append(layout)
        parsed.warnings += importer.sheet_warnings(context, layout)
        sheet_context = importer.sheet_context(context, layout)
        numbered = enumerate(rows, start=header_row + 1)
        for number, row in _without_trailing_text(numbered, layout, importer, parsed):
            parsed.read += 1
            if progress and parsed.read % PROGRESS_EVERY == 0:
                progress(parsed.read)
            if _is_skippable(row, layout, importer) or importer.skip_row(layout, row):
                parsed.skipped += 1
                continue
            # Refused here, for every kind of import, so that no importer has to think of
            # them and none reaches the database.
            found = values.control_character(row)
            if found is not None:
                index, character = found
                parsed.rejected.append(
                    Rejected(
                        layout.name,
                        number,
                        _column_name(layout, labels, index),
                        values.control_character_message(character),
                        row,
                    )
                )
                continue
            try:
                parsed.rows.append(
                    importer.parse_row(sheet_context, layout, number, row, parsed.warnings)
                )
            except ColumnError as error:
                parsed.rejected.append(
                    Rejected(layout.name, number, labels[error.column], error.args[0], row)
                )
    if not parsed.layouts:
        raise _no_roster_error(importer, readable, blank)
    if not parsed.rows and not parsed.rejected:
        raise SpreadsheetError(
            "no_rows",
            _(
                "Sheet %(sheets)s has a header but no data below it. Check that you chose the "
                "filled-in file, and upload it again."
            )
            % {"sheets": _quoted([layout.name for layout in parsed.layouts])},
        )
    _reject_duplicates(parsed, importer)
    return parsed


def _is_readable(sheet: Sheet) -> bool:
    """Hidden sheets and instructions are not the roster."""
    return not sheet.hidden and values.header_key(sheet.name).lower() not in INSTRUCTION_SHEETS


class _Watched:
    """A sheet's rows, noting whether those read so far hold anything."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows = iter(rows)
        self.seen = False

    def __iter__(self) -> "_Watched":
        return self

    def __next__(self) -> list[Any]:
        row = next(self.rows)
        self.seen = self.seen or not all(values.is_blank(cell) for cell in row)
        return row

    def filled(self) -> bool:
        """Whether the sheet holds anything, reading what is left of it."""
        return self.seen or any(not values.is_blank(cell) for row in self.rows for cell in row)


def _quoted(names: list[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _no_roster_error(
    importer: BatchImporter, readable: list[str], blank: list[str]
) -> SpreadsheetError:
    """Why a workbook holds nothing to import: no sheet to read, empty sheets, no header."""
    if not readable:
        return SpreadsheetError(
            "no_sheet",
            _(
                "The workbook has no sheet to read: hidden sheets and instruction sheets are "
                "left out. Put the data in a visible sheet and upload the file again."
            ),
        )
    if len(blank) == len(readable):
        return SpreadsheetError(
            "empty_sheets",
            _(
                "The file holds no data: sheet %(sheets)s is empty. Check that you chose the "
                "filled-in file, and upload it again."
            )
            % {"sheets": _quoted(blank)},
        )
    columns = [str(importer.labels[name]) for name in importer.required]
    return SpreadsheetError(
        "no_header",
        _(
            "No header was found in sheet %(sheets)s: none of its first %(rows)s rows names "
            "the columns %(columns)s. Put the column names in one row above the data, and "
            "upload the file again."
        )
        % {
            "sheets": _quoted([name for name in readable if name not in blank]),
            "rows": HEADER_SCAN_ROWS,
            "columns": _quoted(columns),
        },
    )


def header_problem(data: bytes, *, file_name: str, importer: BatchImporter) -> str | None:
    """Why a file holds nothing the importer can read (empty, no header), before any batch.

    A file that cannot be read at all is left to the batch, which records why.
    """
    try:
        readable, blank = [], []
        for sheet in read_sheets(data, filename=file_name, max_bytes=settings.ROSTER_MAX_MB << 20):
            if not _is_readable(sheet):
                continue
            readable.append(sheet.name)
            watched = _Watched(sheet.rows)
            if find_layout(sheet.name, watched, importer)[0] is not None:
                return None
            if not watched.filled():
                blank.append(sheet.name)
    except SpreadsheetError:
        return None
    return str(_no_roster_error(importer, readable, blank))


def _column_name(layout: SheetLayout, labels: Mapping[str, Any], index: int) -> Any:
    """A column as rejections name it: the importer's label, else its header or letters."""
    for name, column in layout.columns.items():
        if column == index and name in labels:
            return labels[name]
    header = layout.header[index] if index < len(layout.header) else None
    text = values.without_control_characters(values.clean_text(header))
    if text:
        return text
    letters, number = "", index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return _("column %(letters)s") % {"letters": letters}


def _reject_duplicates(parsed: Parsed, importer: BatchImporter) -> None:
    """The same key twice in one file: both rows are refused, each naming the other."""
    key = importer.key_field
    seen: dict[str, list[Any]] = defaultdict(list)
    for row in parsed.rows:
        seen[getattr(row, key)].append(row)
    duplicated = {value: rows for value, rows in seen.items() if len(rows) > 1}
    if not duplicated:
        return
    label = importer.labels[key]
    kept = []
    for row in parsed.rows:
        twins = duplicated.get(getattr(row, key))
        if twins is None:
            kept.append(row)
            continue
        others = [where(other, row.sheet) for other in twins if other is not row]
        parsed.rejected.append(
            Rejected(
                row.sheet,
                row.number,
                label,
                translatable.text(importer.duplicate_message, rows=others),
            )
        )
    parsed.rows = kept


def where(row: Any, current_sheet: str) -> str:
    """A row's place as a rejection names it: "row 4", or with its sheet when another."""
    if row.sheet == current_sheet:
        return _("row %(row)s") % {"row": row.number}
    return _("sheet %(sheet)s row %(row)s") % {"sheet": row.sheet, "row": row.number}


# --- Whose area bounds an import -------------------------------------------------------------


class OutsideArea(Exception):
    """The chosen village, township or county is not wholly inside the user's area."""


def acting_users(batch: ImportBatch) -> list[Any]:
    """The users whose area every row the batch writes must lie in, loaded afresh.

    The uploader and, once someone confirmed it, the confirmer. An import by the system (the
    command line without ``--by``) is bounded by its confirmer only; a batch whose uploader's
    account is gone is bounded by nobody's area, so it writes nothing.
    """
    wanted = [] if batch.by_system else [batch.created_by_id]
    if batch.confirmed_by_id is not None:
        wanted.append(batch.confirmed_by_id)
    # Fresh rows: a role changed since the check must count at the confirm.
    found = get_user_model()._default_manager.in_bulk([pk for pk in wanted if pk is not None])
    return [found.get(pk, AnonymousUser()) if pk is not None else AnonymousUser() for pk in wanted]


def outside_area(users: list[Any], village_ids: set[int]) -> set[int]:
    """Those of the villages that lie outside the area of any of ``users``."""
    inside = set(village_ids)
    for user in users:
        if not inside:
            break
        visible = Village.objects.visible_to(user).filter(pk__in=inside)
        inside &= set(visible.values_list("pk", flat=True))
    return set(village_ids) - inside


def _villages_outside(user: Any) -> QuerySet:
    return Village.objects.exclude(pk__in=Village.objects.visible_to(user).values("pk"))


def targets_for(user: Any, model: type[Scope]) -> QuerySet:
    """The villages, townships or counties ``user`` may import into: those wholly inside
    their area (a township coordinator's own township, not the county around it)."""
    if model is Village:
        return Village.objects.visible_to(user)
    outside = _villages_outside(user)
    if model is Township:
        return Township.objects.visible_to(user).exclude(pk__in=outside.values("township_id"))
    return County.objects.visible_to(user).exclude(pk__in=outside.values("township__county_id"))


def covers(user: Any, area: Scope | None) -> bool:
    """Whether every village of ``area`` (None: the whole city) lies in ``user``'s area."""
    if area is None:
        return user.is_authenticated and not _villages_outside(user).exists()
    return targets_for(user, type(area)).filter(pk=area.pk).exists()


# --- The household roster ------------------------------------------------------------------


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


class TownshipError(values.RowError):
    """A row refused because of its township cell."""


class VillageResolver:
    """Finds the village a row belongs to, within the scope the coordinator chose.

    Villages of the same name in one county are told apart by the row's township: from a
    township column, or written before the village in its cell ("青堌集镇王庄村").
    """

    def __init__(self, scope: Village | Township | County) -> None:
        self.fixed = scope if isinstance(scope, Village) else None
        villages = Village.objects.select_related("township__county")
        if isinstance(scope, Village):
            villages = villages.filter(pk=scope.pk)
        elif isinstance(scope, Township):
            villages = villages.filter(township=scope)
        else:
            villages = villages.filter(township__county=scope)
        self.by_key: dict[str, list[Village]] = defaultdict(list)
        self.townships: dict[str, list[Township]] = defaultdict(list)
        self.county_names: set[str] = set()
        for village in villages:
            self.by_key[values.village_key(village.name)].append(village)
            township = village.township
            if township not in self.townships[values.township_key(township.name)]:
                self.townships[values.township_key(township.name)].append(township)
            self.county_names.add(township.county.name)
        self.scope = scope
        # A village, or the error saying why there is none.
        self._resolved: dict[object, Village | values.RowError] = {}

    def resolve(self, name: object, township: object = None) -> Village:
        """The village a row names; a county file repeats the same few names many times."""
        try:
            found = self._resolved[(name, township)]
        except KeyError:
            try:
                found = self._resolve(name, township)
            except values.RowError as error:
                found = error
            self._resolved[(name, township)] = found
        except TypeError:  # an unhashable cell value
            found = self._resolve(name, township)
        if isinstance(found, values.RowError):
            raise type(found)(found.args[0])
        return found

    def _township(self, cell: object) -> list[Township] | None:
        """The township a township cell names (None when blank), or TownshipError."""
        if values.is_blank(cell):
            return None
        text = values.clean_text(cell)
        found = self.townships.get(values.township_key(text))
        for county in self.county_names:
            found = found or self.townships.get(
                values.township_key(values.after_place(text, county) or text)
            )
        if found:
            return found
        if isinstance(self.scope, County):
            raise TownshipError(
                _("There is no township called %(name)s in %(scope)s.")
                % {"name": text, "scope": self.scope.name}
            )
        raise TownshipError(
            _("This row is for %(name)s, but the file is being imported into %(scope)s.")
            % {"name": text, "scope": self.scope.name}
        )

    def _candidates(self, text: str) -> list[Village]:
        """The villages a village cell can mean: its whole text, or a township and a village
        (after the county's name, if it starts with it)."""
        found = list(self.by_key.get(values.village_key(text), []))
        if found:
            return found
        for county in self.county_names:
            text = values.after_place(text, county) or text
        found = list(self.by_key.get(values.village_key(text), []))
        if found:
            return found
        for key, townships in self.townships.items():
            for township in townships:
                rest = values.after_place(text, township.name)
                if rest is None and len(key) > 1:
                    rest = values.after_place(text, key)
                if rest is not None:
                    found += [
                        village
                        for village in self.by_key.get(values.village_key(rest), [])
                        if village.township == township and village not in found
                    ]
        return found

    def _resolve(self, name: object, township_cell: object = None) -> Village:
        townships = self._township(township_cell)
        if values.is_blank(name):
            if self.fixed:
                return self.fixed
            raise values.RowError(_("The village is missing; fill in the village column."))
        text = values.clean_text(name)
        matches = self._candidates(text)
        if townships is not None:
            matches = [village for village in matches if village.township in townships]
        if self.fixed and (not matches or matches[0] != self.fixed):
            raise values.RowError(
                _("This row is for %(name)s, but the file is being imported into %(village)s.")
                % {"name": text, "village": self.fixed.name}
            )
        if not matches:
            raise values.RowError(
                _("There is no village called %(name)s in %(scope)s.")
                % {"name": text, "scope": townships[0].name if townships else self.scope.name}
            )
        if len(matches) > 1:
            matches.sort(key=lambda village: village.code)
            shown = values.village_key(text)
            same = [village for village in matches if values.village_key(village.name) == shown]
            example = same[0] if same else matches[0]
            raise values.RowError(
                _(
                    "%(scope)s has %(count)s villages called %(name)s, in %(townships)s; fill "
                    "in a township column, or write the township before the village (such as "
                    "“%(example)s”)."
                )
                % {
                    "scope": self.scope.name,
                    "count": len(matches),
                    "name": text,
                    "townships": "、".join(village.township.name for village in matches),
                    "example": f"{example.township.name}{example.name}",
                }
            )
        return matches[0]

    def village_for_sheet(self, sheet_name: str) -> Village | None:
        try:
            return self._resolve(sheet_name) if not self.fixed else None
        except values.RowError:
            return None


def classify(
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
            for start in range(0, len(id_numbers), LOOKUP_CHUNK * 10):
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE id_number = ANY(%s)",  # noqa: S608
                    [id_numbers[start : start + LOOKUP_CHUNK * 10]],
                )
                for values_ in cursor.fetchall():
                    existing[values_[1]] = dict(zip(names, values_, strict=True))
        return existing
    for start in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[start : start + LOOKUP_CHUNK]
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
def write(classified: Classified, *, progress: Progress | None = None) -> None:
    """Create and update the households; all or nothing."""
    now = timezone.now()
    done = 0
    insert = _copy_households if connection.vendor == "postgresql" else _bulk_create_households
    for start in range(0, len(classified.creates), WRITE_CHUNK):
        chunk = classified.creates[start : start + WRITE_CHUNK]
        insert([_new_household(row, now) for row in chunk])
        done += len(chunk)
        if progress:
            progress(done)
    for start in range(0, len(classified.updates), WRITE_CHUNK):
        chunk = classified.updates[start : start + WRITE_CHUNK]
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


class RosterImporter(BatchImporter):
    """Household rosters (农户花名册) as village clerks send them."""

    kind = ImportBatch.Kind.ROSTER
    aliases = values.HEADER_ALIASES
    labels = values.COLUMN_LABELS
    required = values.REQUIRED_FIELDS
    context_fields = ("village", "township")
    row_type = Row
    option_fields = ("move_households",)
    personal_fields = {"id_number": "id_number", "phone": "phone"}

    verbose_name = gettext_lazy("household roster")
    upload_title = gettext_lazy("Import a household roster")
    batch_title = gettext_lazy("Roster import: %(name)s")
    upload_help = gettext_lazy(
        "Upload the roster as the village sent it. Nothing is written until you have seen the "
        "preview and confirmed it. Re-importing the same file changes nothing; rejected rows "
        "come back as a workbook the clerk can correct and send again."
    )
    file_label = gettext_lazy("roster file")
    scope_help = {
        "village": gettext_lazy("A file for one village: choose the village."),
        "township": gettext_lazy(
            "A file for several villages of a township, with a village column or one "
            "sheet per village: choose the township."
        ),
        "county": gettext_lazy("A county-wide file with a village column: choose the county."),
    }
    count_labels = (
        gettext_lazy("new"),
        gettext_lazy("updated"),
        gettext_lazy("unchanged"),
        gettext_lazy("rejected"),
        gettext_lazy("skipped"),
    )
    confirm_message = gettext_lazy(
        "Confirm to add %(created)s households and update %(updated)s. "
        "Rejected rows are not imported."
    )
    changes_title = gettext_lazy("Changes to existing households")
    duplicate_message = gettext_lazy("The same resident ID number appears again at %(rows)s.")
    nothing_message = gettext_lazy("Nothing to import: no new or changed households.")
    done_message = gettext_lazy("Imported: %(created)s households added, %(updated)s updated.")
    another_label = gettext_lazy("Import another roster")
    back_label = gettext_lazy("Back to households")
    back_url_name = "admin:villages_household_changelist"

    def start(self, batch: ImportBatch) -> VillageResolver:
        return VillageResolver(batch.scope)

    def skip_row(self, layout: SheetLayout, row: list[Any]) -> bool:
        # Registers of residents list every person; only the head's row is the household.
        index = layout.columns.get("relation")
        if index is None or index >= len(row) or values.is_blank(row[index]):
            return False
        return values.clean_text(row[index]) not in values.HEAD_RELATIONS

    def sheet_warnings(self, context: VillageResolver, layout: SheetLayout) -> list[str]:
        # A file for one village whose sheet or title names another was likely sent for it.
        target = context.fixed
        if target is None:
            return []
        warnings = []
        named = values.village_named_in(layout.name)
        if named and not values.names_village(layout.name, target.name):
            warnings.append(
                _(
                    "The sheet %(sheet)s is named after %(named)s, but the file is being "
                    "imported into %(village)s. Check that this is the right file."
                )
                % {"sheet": layout.name, "named": named, "village": target.name}
            )
        for text in layout.title:
            named = values.village_named_in(text)
            if named and not values.names_village(text, target.name):
                warnings.append(
                    _(
                        "The title of sheet %(sheet)s, “%(title)s”, names %(named)s, but the "
                        "file is being imported into %(village)s. Check that this is the right "
                        "file."
                    )
                    % {"sheet": layout.name, "title": text, "named": named, "village": target.name}
                )
                break
        return warnings

    def sheet_context(
        self, context: VillageResolver, layout: SheetLayout
    ) -> tuple[VillageResolver, Village | None]:
        # Without a village column, a sheet named after a village holds that village's rows.
        if "village" in layout.columns:
            return context, None
        return context, context.village_for_sheet(layout.name)

    def parse_row(
        self,
        context: tuple[VillageResolver, Village | None],
        layout: SheetLayout,
        number: int,
        row: list[Any],
        warnings: list[str],
    ) -> Row:
        resolver, sheet_village = context

        def cell(name: str) -> Any:
            index = layout.columns.get(name)
            return row[index] if index is not None and index < len(row) else None

        column = "head_name"
        try:
            head_name = values.parse_name(cell("head_name"))
            column = "id_number"
            id_number = values.parse_resident_id(cell("id_number"))
            if head_name is None or id_number is None:
                column = "id_number" if head_name else "head_name"
                raise values.RowError(
                    _("The resident ID number is missing.")
                    if head_name
                    else _("The name of the head of household is missing.")
                )
            column = "village"
            try:
                village = sheet_village or resolver.resolve(cell("village"), cell("township"))
            except TownshipError:
                column = "township"
                raise
            column = "phone"
            phone = values.parse_phone(cell("phone"))
            column = "members"
            members = values.parse_members(cell("members"))
            column = "category"
            category_index = layout.columns.get("category")
            category_header = layout.header[category_index] if category_index is not None else ""
            category = values.category_parser(category_header)(cell("category"))
            column = "address"
            address = values.parse_address(cell("address"))
        except values.RowError as error:
            raise ColumnError(column, str(error)) from None
        if not id_number.startswith(settings.CITY_CODE[:4]):
            warnings.append(
                _(
                    "%(sheet)s row %(row)s: the ID number's region code %(region)s is outside "
                    "the city."
                )
                % {"sheet": layout.name, "row": number, "region": id_number[:6]}
            )
        return Row(
            layout.name, number, id_number, head_name, village.pk, phone, members, category, address
        )

    def classify(self, batch: ImportBatch, rows: list[Row]) -> Classified:
        return classify(rows, move_households=batch.move_households, bounded_by=acting_users(batch))

    def touched_villages(self, classified: Classified) -> set[int]:
        touched = {row.village_id for row in classified.creates}
        for _pk, row, changes in classified.updates:
            touched.add(row.village_id)
            if "village_id" in changes:
                touched.add(changes["village_id"][0])
        return touched

    def write(
        self, batch: ImportBatch, classified: Classified, *, progress: Progress | None = None
    ) -> None:
        write(classified, progress=progress)

    def describe_changes(
        self, updates: list[tuple[int, Row, dict[str, tuple[Any, Any]]]]
    ) -> list[dict[str, Any]]:
        labels = {**values.COLUMN_LABELS, "village_id": values.COLUMN_LABELS["village"]}
        village_ids = {
            value
            for _pk, _row, changes in updates
            for name, pair in changes.items()
            if name == "village_id"
            for value in pair
        }
        village_names = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
        categories = dict(Household.Category.choices)

        def shown(name: str, value: Any) -> Any:
            if name == "village_id":
                return village_names.get(value, "")
            if name == "category":
                # The label itself, so that the preview shows it in the reader's language.
                return categories.get(value, value)
            return "" if value is None else str(value)

        return [
            {
                "sheet": row.sheet,
                "row": row.number,
                "village": row.village_id,
                "head_name": row.head_name,
                "fields": [
                    {"field": labels[name], "old": shown(name, old), "new": shown(name, new)}
                    | (
                        {"personal": self.personal_fields[name]}
                        if name in self.personal_fields
                        else {}
                    )
                    for name, (old, new) in changes.items()
                ],
            }
            for _pk, row, changes in updates
        ]

    def preview_items(self, outcome: str, items: list[Any]) -> list[tuple[int | None, Any]]:
        # A county's file has 100,000 rows: kept as plain lists, described a page at a time.
        names = Row.__slots__
        if outcome == "updated":
            return [
                (row.village_id, [pk, [getattr(row, name) for name in names], changes])
                for pk, row, changes in items
            ]
        return [(row.village_id, [getattr(row, name) for name in names]) for row in items]

    def describe_preview(self, outcome: str, payloads: list[Any]) -> list[dict[str, Any]]:
        if outcome == "updated":
            return self.describe_changes(
                [
                    (pk, Row(*values), {name: tuple(pair) for name, pair in changes.items()})
                    for pk, values, changes in payloads
                ]
            )
        return self.describe_rows([Row(*values) for values in payloads])

    def describe_rows(self, items: list[Row]) -> list[dict[str, Any]]:
        categories = dict(Household.Category.choices)
        labels = values.COLUMN_LABELS
        return [
            {
                "sheet": row.sheet,
                "row": row.number,
                "village": row.village_id,
                "head_name": row.head_name,
                "fields": [
                    {"field": labels["id_number"], "value": row.id_number, "personal": "id_number"},
                    *(
                        [{"field": labels["phone"], "value": row.phone, "personal": "phone"}]
                        if row.phone
                        else []
                    ),
                    *(
                        [{"field": labels["members"], "value": row.members}]
                        if row.members is not None
                        else []
                    ),
                    *(
                        [{"field": labels["category"], "value": categories[row.category]}]
                        if row.category
                        else []
                    ),
                ],
            }
            for row in items
        ]


register(RosterImporter())


# --- The batch workflow: upload → check (preview) → confirm → result ---------------------


def scope_of(code: str) -> Scope:
    """The village, township or county with this 12-digit code (for the command line)."""
    found = area_with_code(code)
    if found is not None:
        return found
    raise LookupError(_("No village, township or county has the code %(code)s.") % {"code": code})


@transaction.atomic
def create_batch(
    *,
    data: bytes,
    file_name: str,
    scope: Scope | None,
    kind: str = ImportBatch.Kind.ROSTER,
    move_households: bool = False,
    reassign_households: bool = False,
    over_maximum: bool = False,
    user: Any = None,
    command_user: str = "",
) -> ImportBatch:
    """Keep the uploaded file and record who sent what, of which kind, for which area.

    Without ``user`` the system imports, for the whole city (the command line without
    ``--by``). A user may import only into an area wholly inside their own (``OutsideArea``);
    an import without an area is bounded by the user's area row by row.
    """
    if scope is None and importer_for(kind).scope_required:
        raise ValueError(f"a {kind} import needs a village, township or county")
    if user is not None and not user.is_authenticated:
        raise ValueError("an import is made by a signed-in user or by the system")
    if user is not None and scope is not None and not covers(user, scope):
        raise OutsideArea(_("%(area)s is not wholly inside your area.") % {"area": scope.name})
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        move_households=move_households,
        reassign_households=reassign_households,
        over_maximum=over_maximum,
        created_by=user,
        by_system=user is None,
        command_user=command_user[:150],
        rows_total=data.count(b"\n") if file_name.lower().endswith(".csv") else 0,
    )
    if scope is not None:
        setattr(batch, type(scope).__name__.lower(), scope)
    batch.file.save(file_name, ContentFile(data), save=False)
    batch.save()
    return batch


def runs_in_background(batch: ImportBatch) -> bool:
    """Large files go to the worker, so the page can show progress instead of hanging."""
    return batch.file.size > settings.ROSTER_BACKGROUND_BYTES


def check_batch(batch: ImportBatch) -> ImportBatch:
    """Read and check every row, and store the preview; nothing is written but the batch."""
    importer = importer_for(batch.kind)
    _set_status(batch, ImportBatch.Status.CHECKING)
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
        sheets = read_sheets(data, filename=batch.file_name, max_bytes=settings.ROSTER_MAX_MB << 20)
        parsed = parse_sheets(
            sheets, importer, importer.start(batch), progress=_progress_saver(batch)
        )
    except SpreadsheetError as error:
        # The reason is kept translatable too, for whoever reads the batch page later.
        batch.report = {"message": translatable.stored(error.args[0])}
        return _finish(batch, ImportBatch.Status.REFUSED, message=_text(error.args[0]))
    classified = importer.classify(batch, parsed.rows)
    rejected = parsed.rejected + classified.conflicts
    batch.rows_done = batch.rows_total = parsed.read
    batch.created = len(classified.creates)
    batch.updated = len(classified.updates)
    batch.unchanged = classified.unchanged
    batch.rejected = len(rejected)
    batch.skipped = parsed.skipped
    batch.report = _report(importer, parsed, classified, rejected)
    batch.plan_file.save(
        f"{batch.pk}-plan.json.gz", ContentFile(_dump_plan(parsed, importer)), save=False
    )
    _save_preview(batch, importer, parsed, classified, rejected)
    _save_error_workbook(batch, parsed.layouts, rejected)
    batch.status = ImportBatch.Status.PREVIEWED
    batch.save()
    return batch


def preview_cutoff() -> datetime.datetime:
    """Batches uploaded before this may no longer be confirmed (IMPORT_PREVIEW_HOURS)."""
    return timezone.now() - datetime.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)


def _confirmable() -> Q:
    return Q(status=ImportBatch.Status.PREVIEWED) | Q(
        status=ImportBatch.Status.FAILED, interrupted=True
    )


def expire_previews() -> int:
    """Mark every confirmable batch older than the preview time expired; nothing was written."""
    return ImportBatch.objects.filter(_confirmable(), created_at__lt=preview_cutoff()).update(
        status=ImportBatch.Status.EXPIRED, interrupted=False, lease_expires_at=None
    )


def expire_if_stale(batch: ImportBatch) -> ImportBatch:
    """The batch, marked expired first when its preview time has run out."""
    if batch.created_at >= preview_cutoff():
        return batch
    if ImportBatch.objects.filter(_confirmable(), pk=batch.pk).update(
        status=ImportBatch.Status.EXPIRED, interrupted=False, lease_expires_at=None
    ):
        batch.refresh_from_db()
    return batch


def end_dry_run(batch: ImportBatch) -> None:
    """A batch checked only to see the preview: it stays on record and is never confirmed."""
    if batch.status == ImportBatch.Status.PREVIEWED:
        _finish(batch, ImportBatch.Status.DRY_RUN)


def claim_for_import(batch: ImportBatch) -> bool:
    """Move a previewed batch to importing; only one of two simultaneous confirms wins.

    A batch whose process died while importing it (nothing was written) may be claimed again.
    A batch uploaded longer ago than the preview time is not claimed (``expire_previews``).
    """
    lease = leases.lease_from_now()
    # One UPDATE: of two confirms, the second finds the batch importing and claims nothing.
    claimed = (
        ImportBatch.objects.filter(pk=batch.pk)
        .filter(_confirmable(), created_at__gte=preview_cutoff())
        .update(
            # No row counts while writing: the rows go in one transaction, which no other
            # connection sees until it commits.
            status=ImportBatch.Status.IMPORTING,
            rows_done=0,
            rows_total=0,
            lease_expires_at=lease,
            interrupted=False,
            message="",
            finished_at=None,
        )
    )
    if claimed:
        batch.status = ImportBatch.Status.IMPORTING
        batch.rows_done = batch.rows_total = 0
        batch.lease_expires_at = lease
        batch.interrupted = False
        batch.message = ""
        batch.finished_at = None
    return bool(claimed)


def set_confirmer(batch: ImportBatch, user: Any) -> None:
    """Record who confirmed a claimed batch; their area bounds what it writes, too."""
    batch.confirmed_by = user
    ImportBatch.objects.filter(pk=batch.pk).update(confirmed_by=user)


def confirm_batch(batch: ImportBatch, *, progress: Progress | None = None) -> ImportBatch:
    """Write the checked rows in one transaction, comparing again with the database now.

    The batch is claimed here unless the caller already did (claim_for_import). Every row is
    checked again, inside the transaction, against the area of whoever acts on the batch now.
    """
    if batch.status != ImportBatch.Status.IMPORTING and not claim_for_import(batch):
        raise ValueError(f"batch {batch.pk} is {batch.status}, not previewed")
    importer = importer_for(batch.kind)
    parsed = _load_plan(batch, importer)
    renew_lease = leases.renewer(batch.pk)

    def report(rows_done: int) -> None:
        renew_lease()
        if progress:
            progress(rows_done)

    try:
        with transaction.atomic():
            classified = importer.classify(batch, parsed.rows)
            renew_lease()
            importer.write(batch, classified, progress=report)
            batch.touched_villages.add(*importer.touched_villages(classified))
    except Exception as error:
        _finish(batch, ImportBatch.Status.FAILED, message=str(error))
        raise
    rejected = parsed.rejected + classified.conflicts
    batch.created = len(classified.creates)
    batch.updated = len(classified.updates)
    batch.unchanged = classified.unchanged
    batch.rejected = len(rejected)
    batch.rows_done = batch.rows_total = parsed.read
    batch.report = _report(importer, parsed, classified, rejected)
    _save_preview(batch, importer, parsed, classified, rejected)
    _save_error_workbook(batch, parsed.layouts, rejected)
    return _finish(batch, ImportBatch.Status.DONE)


def nothing_to_import(batch: ImportBatch) -> str:
    """What the preview and the command say of a checked batch that writes nothing."""
    if batch.rejected and not batch.unchanged:
        return _(
            "Nothing to import: all %(rejected)s rows were rejected. Correct them as the "
            "reasons say, and upload them again."
        ) % {"rejected": batch.rejected}
    if batch.rejected:
        return _(
            "Nothing to import: %(unchanged)s rows are already in the system as they are, and "
            "the other %(rejected)s were rejected. Correct the rejected rows, and upload them "
            "again."
        ) % {"unchanged": batch.unchanged, "rejected": batch.rejected}
    return str(importer_for(batch.kind).nothing_message)


def previous_import(batch: ImportBatch) -> ImportBatch | None:
    """An earlier completed import of the very same file as the same kind, if any."""
    return (
        ImportBatch.objects.filter(
            sha256=batch.sha256, kind=batch.kind, status=ImportBatch.Status.DONE
        )
        .exclude(pk=batch.pk)
        .order_by("-finished_at")
        .first()
    )


def announce(batch: ImportBatch, *, action: str, request: Any, **details: Any) -> None:
    """Tell the audit trail about a batch (its row counts); ``request.user`` acted."""
    counts = ("created", "updated", "unchanged", "rejected", "skipped")
    transferred.send(
        sender=ImportBatch,
        request=request,
        action=action,
        model=ImportBatch,
        rows=batch.rows_total,
        details={
            "batch": batch.pk,
            "kind": batch.kind,
            "file_name": batch.file_name,
            "scope": batch.scope_name,
            "status": batch.status,
            **{name: getattr(batch, name) for name in counts},
            **details,
        },
    )


# --- What each viewer of a batch sees ---------------------------------------------------------


def sees_whole_batch(batch: ImportBatch, user: Any) -> bool:
    """The uploader and those whose area covers the batch's see its rejected rows; others
    see it only for the villages of theirs it wrote to."""
    return batch.created_by_id == user.pk or covers(user, batch.scope)


def _mask(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if kind == "id_number":
        return mask_resident_id(text)
    if kind == "phone":
        return mask_phone(text)
    masked = mask_personal_numbers(text)
    return value if masked == text else masked


def report_for(batch: ImportBatch, user: Any, *, full_personal_data: bool) -> dict[str, Any]:
    """The batch's preview as ``user`` may see it.

    Changes only to households of the user's villages; rejected rows only for whoever sees
    the whole batch; resident IDs and phones masked unless ``full_personal_data``.
    """
    report = dict(batch.report)
    whole = sees_whole_batch(batch, user)
    changes = report.get("changes", [])
    villages = {change["village"] for change in changes if "village" in change}
    visible = set(
        Village.objects.visible_to(user).filter(pk__in=villages).values_list("pk", flat=True)
    )
    report["changes"] = [
        {
            **change,
            "fields": [
                item
                if full_personal_data
                else {
                    **item,
                    "old": _mask(item["old"], item.get("personal", "")),
                    "new": _mask(item["new"], item.get("personal", "")),
                }
                for item in change["fields"]
            ],
        }
        for change in changes
        if change.get("village") in visible or ("village" not in change and whole)
    ]
    report["rejected"] = [
        row if full_personal_data else {**row, "reason": _mask(row["reason"], "")}
        for row in (report.get("rejected", []) if whole else [])
    ]
    report["warnings"] = [
        text if full_personal_data else _mask(text, "")
        for text in (report.get("warnings", []) if whole else [])
    ]
    report["whole"] = whole
    return report


def error_workbook(batch: ImportBatch, *, masked: bool) -> bytes:
    """The batch's error workbook with its reasons in the active language.

    ``masked``: the columns the importer reads personal numbers from are masked whole; in
    every other cell (the reason, columns the importer ignores) ID and mobile numbers are
    masked.
    """
    importer = importer_for(batch.kind)
    preview = _load_preview(batch)
    reasons: dict[tuple[str, int], Any] = {}
    if preview is not None:
        reasons = {
            (_sheet_title(entry["sheet"]), entry["row"]): entry["reason"]
            for entry in preview["rejected"]
        }
    with batch.error_file.open("rb") as handle:
        # The workbook was written by this module, not uploaded: openpyxl reads it directly.
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()))
        # The last two columns are the reason and the original row number.
        header[-2:] = [_("Reason for rejection"), _("Original row")]
        kinds = _personal_columns(importer, header) if masked else {}
        body = []
        for row in rows:
            cells = list(row)
            if len(cells) >= 2 and (sheet.title, cells[-1]) in reasons:
                cells[-2] = translatable.render(reasons[(sheet.title, cells[-1])])
            if masked:
                cells = [_mask(value, kinds.get(i, "")) for i, value in enumerate(cells)]
            body.append(cells)
        sheets.append((sheet.title, header, body))
    book.close()
    return _write_error_sheets(importer, sheets)


def _personal_columns(importer: BatchImporter, header: list[Any]) -> dict[int, str]:
    """Header index → "id_number" or "phone", for the columns of personal numbers."""
    kinds = {}
    for index, cell in enumerate(header):
        found = importer.rank_header(cell)
        if found and found[0] in importer.personal_fields:
            kinds[index] = importer.personal_fields[found[0]]
    return kinds


def _write_error_sheets(importer: BatchImporter, sheets: list[Any]) -> bytes:
    """Error workbooks keep IDs and phones as text, in columns wide enough to read."""
    return write_xlsx_sheets(
        sheets,
        text_columns=lambda header: _personal_columns(importer, list(header)),
        fit_widths=True,
    )


def _set_status(batch: ImportBatch, status: str) -> None:
    """Change the status; checking or importing takes a lease the work goes on renewing."""
    batch.status = status
    batch.lease_expires_at = leases.lease_from_now() if status in leases.WORKING else None
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, lease_expires_at=batch.lease_expires_at
    )


def _progress_saver(batch: ImportBatch) -> Progress:
    def save(rows_done: int) -> None:
        # Progress is what shows the process is still alive.
        ImportBatch.objects.filter(pk=batch.pk).update(
            rows_done=rows_done, lease_expires_at=leases.lease_from_now()
        )

    return save


def _finish(batch: ImportBatch, status: str, *, message: str = "") -> ImportBatch:
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    batch.lease_expires_at = None
    batch.save()
    return batch


def _report(
    importer: BatchImporter, parsed: Parsed, classified: Classified, rejected: list[Rejected]
) -> dict[str, Any]:
    """The batch's summary, its messages as text in the active language.

    The preview file (``_save_preview``) holds every row, with messages translatable.
    """
    return {
        "sheets": [
            {"name": layout.name, "header_row": layout.header_row, "unknown": layout.unknown}
            for layout in parsed.layouts
        ],
        "skipped_sheets": parsed.skipped_sheets,
        "warnings": [_text(warning) for warning in parsed.warnings[:PREVIEW_LIMIT]],
        "warning_count": len(parsed.warnings),
        "rejected": [
            {
                "sheet": r.sheet,
                "row": r.number,
                "column": _text(r.column),
                "reason": _text(r.reason),
            }
            for r in sorted(rejected, key=lambda r: (r.sheet, r.number))[:PREVIEW_LIMIT]
        ],
        "changes": _as_text(importer.describe_changes(classified.updates[:PREVIEW_LIMIT])),
    }


def _text(message: Any) -> str:
    """A message as plain text in the active language."""
    return translatable.render(translatable.stored(message))


def _as_text(value: Any) -> Any:
    """Every message inside lists and dicts as plain text in the active language."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, translatable.Text | Promise):
        return _text(value)
    return value


def _storable(value: Any) -> Any:
    """Every message inside lists and dicts in its stored, translatable form."""
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, translatable.Text | Promise):
        return translatable.stored(value)
    return value


def _save_preview(
    batch: ImportBatch,
    importer: BatchImporter,
    parsed: Parsed,
    classified: Classified,
    rejected: list[Rejected],
) -> None:
    """Every row of the batch by outcome, for the paged preview and the error workbook."""
    preview = {
        "created": importer.preview_items("created", classified.creates),
        "updated": importer.preview_items("updated", classified.updates),
        "unchanged": importer.preview_items("unchanged", classified.kept),
        "rejected": [
            {
                "sheet": r.sheet,
                "row": r.number,
                "column": translatable.stored(r.column),
                "reason": translatable.stored(r.reason),
            }
            for r in sorted(rejected, key=lambda r: (r.sheet, r.number))
        ],
        "warnings": [translatable.stored(warning) for warning in parsed.warnings],
    }
    data = json.dumps(preview, ensure_ascii=False, default=_json_default).encode()
    batch.preview_file.save(
        f"{batch.pk}-preview.json.gz", ContentFile(gzip.compress(data, compresslevel=1)), save=False
    )


def _load_preview(batch: ImportBatch) -> dict[str, Any] | None:
    if not batch.preview_file:
        return None
    with batch.preview_file.open("rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


def preview_page(
    batch: ImportBatch,
    user: Any,
    *,
    full_personal_data: bool,
    tab: str | None = None,
    page: Any = 1,
) -> dict[str, Any] | None:
    """One page of one outcome's rows of the batch, as ``user`` may see them.

    As ``report_for``: rows of the user's villages only, rejected rows only for whoever sees
    the whole batch, personal numbers masked unless ``full_personal_data``; messages in the
    active language. None for a batch checked before previews kept every row.
    """
    preview = _load_preview(batch)
    if preview is None:
        return None
    whole = sees_whole_batch(batch, user)
    # Accepted rows are kept as [village, payload] (``BatchImporter.preview_items``).
    villages = {
        village
        for outcome in OUTCOMES[:3]
        for village, _payload in preview[outcome]
        if village is not None
    }
    visible = set(
        Village.objects.visible_to(user).filter(pk__in=villages).values_list("pk", flat=True)
    )
    rows: dict[str, list[Any]] = {
        outcome: [
            payload
            for village, payload in preview[outcome]
            if village in visible or (village is None and whole)
        ]
        for outcome in OUTCOMES[:3]
    }
    rows["rejected"] = preview["rejected"] if whole else []
    if tab not in OUTCOMES:
        tab = next((name for name in ("rejected", "updated", "created") if rows[name]), "unchanged")
    current = Paginator(rows[tab], PREVIEW_PAGE_SIZE).get_page(page)
    listed = list(current.object_list)
    if tab != "rejected":
        # Only the rows of this page are described, however large the file.
        listed = _storable(importer_for(batch.kind).describe_preview(tab, listed))
    names = dict(
        Village.objects.filter(
            pk__in={entry.get("village") for entry in listed} - {None}
        ).values_list("pk", "name")
    )

    def shown(value: Any, kind: str) -> Any:
        value = translatable.render(value) if isinstance(value, dict) else value
        return value if full_personal_data else _mask(value, kind)

    entries = []
    for entry in listed:
        if tab == "rejected":
            entries.append(
                {
                    **entry,
                    "column": translatable.render(entry["column"]),
                    "reason": shown(entry["reason"], ""),
                }
            )
            continue
        fields = [
            {
                **item,
                "field": translatable.render(item["field"]),
                **{
                    key: shown(item[key], item.get("personal", ""))
                    for key in ("value", "old", "new")
                    if key in item
                },
            }
            for item in entry["fields"]
        ]
        entries.append(
            {**entry, "village_name": names.get(entry.get("village"), ""), "fields": fields}
        )
    return {
        "tab": tab,
        "counts": {outcome: len(rows[outcome]) for outcome in OUTCOMES},
        "page": current,
        "entries": entries,
        "warnings": [
            shown(warning, "") for warning in (preview["warnings"][:PREVIEW_LIMIT] if whole else [])
        ],
    }


def _json_default(value: object) -> str:
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)


def _dump_plan(parsed: Parsed, importer: BatchImporter) -> bytes:
    names = importer.row_type.__slots__
    plan = {
        # Rows as plain lists: a county file has 100,000 of them.
        "rows": [[getattr(row, name) for name in names] for row in parsed.rows],
        # Messages in their stored form, so that confirming keeps them translatable.
        "rejected": [
            {
                **asdict(row),
                "column": translatable.stored(row.column),
                "reason": translatable.stored(row.reason),
            }
            for row in parsed.rejected
        ],
        "layouts": [asdict(layout) for layout in parsed.layouts],
        "skipped_sheets": parsed.skipped_sheets,
        "warnings": [translatable.stored(warning) for warning in parsed.warnings],
        "skipped": parsed.skipped,
        "read": parsed.read,
    }
    data = json.dumps(plan, ensure_ascii=False, default=_json_default).encode()
    return gzip.compress(data, compresslevel=1)


def _load_plan(batch: ImportBatch, importer: BatchImporter) -> Parsed:
    with batch.plan_file.open("rb") as handle:
        plan = json.loads(gzip.decompress(handle.read()))
    row_type = importer.row_type
    return Parsed(
        rows=[row_type(*row) for row in plan["rows"]],
        rejected=[Rejected(**row) for row in plan["rejected"]],
        layouts=[SheetLayout(**layout) for layout in plan["layouts"]],
        skipped_sheets=plan["skipped_sheets"],
        warnings=plan["warnings"],
        skipped=plan["skipped"],
        read=plan["read"],
    )


def _save_error_workbook(
    batch: ImportBatch, layouts: list[SheetLayout], rejected: list[Rejected]
) -> None:
    """The refused rows as they were, under their own header, with the reason beside them."""
    if not rejected:
        batch.error_file = ""
        return
    raw_rows = _raw_rows(batch, {(r.sheet, r.number) for r in rejected if not r.raw})
    by_sheet: dict[str, list[Rejected]] = defaultdict(list)
    for row in rejected:
        by_sheet[row.sheet].append(row)
    reason, row_number = _("Reason for rejection"), _("Original row")
    sheets = []
    for layout in layouts:
        if layout.name not in by_sheet:
            continue
        rows = sorted(by_sheet[layout.name], key=lambda r: r.number)
        width = len(layout.header)
        sheets.append(
            (
                layout.name,
                [*layout.header, reason, row_number],
                (
                    [
                        *_padded(r.raw or raw_rows.get((r.sheet, r.number), []), width),
                        _text(r.reason),
                        r.number,
                    ]
                    for r in rows
                ),
            )
        )
    content = _write_error_sheets(importer_for(batch.kind), sheets)
    batch.error_file.save(f"{batch.pk}-errors.xlsx", ContentFile(content), save=False)


def _padded(row: list[Any], width: int) -> list[Any]:
    return [*row[:width], *([None] * (width - len(row)))]


def _raw_rows(batch: ImportBatch, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], list]:
    """Read again the original cells of rows refused after parsing (duplicates, conflicts)."""
    if not wanted:
        return {}
    with batch.file.open("rb") as handle:
        data = handle.read()
    found = {}
    for sheet in read_sheets(
        data, filename=batch.file_name, max_bytes=settings.ROSTER_MAX_MB << 20
    ):
        for number, row in enumerate(sheet.rows, start=1):
            if (sheet.name, number) in wanted:
                found[(sheet.name, number)] = list(row)
    return found
