"""Reading a sheet's table: its header, its rows of data, what is skipped, duplicates."""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from common import translatable
from common.chunks import CHUNK_ROWS
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from common.spreadsheets.sheets import Sheet
from common.translatable import gettext as _
from villages.imports import values
from villages.imports.framework import (
    BatchImporter,
    ColumnError,
    Parsed,
    Progress,
    Rejected,
    SheetLayout,
    max_file_bytes,
)

HEADER_SCAN_ROWS = 20
# Texts above the header kept with a sheet's layout, and their length.
TITLE_TEXTS, TITLE_CHARS = 5, 100
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
            if progress and parsed.read % CHUNK_ROWS == 0:
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
        for sheet in read_sheets(data, filename=file_name, max_bytes=max_file_bytes()):
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
