"""Turn an uploaded household-roster file (.xlsx, .xls or .csv) into sheets of raw cell rows.

Uploads come from village clerks' computers and from other systems' exports, so nothing about
them is trusted. Before any parser sees a file, this module refuses, with a message the clerk
can act on:

- files that are too large or empty, and files that are not spreadsheets whatever their name
  (PDFs, pictures, Word documents, web pages saved as .xls);
- workbooks with macros and password-protected workbooks;
- zip bombs (a small .xlsx that expands to gigabytes) and cell bombs: a few-KB workbook with
  a header in A1 and one more cell at CV150000 makes the reader allocate a dense grid of 15
  million cells (half a gigabyte). The reader sizes that grid from the cells it finds, not
  from the declared ``<dimension>``, so every worksheet is scanned, not just its header, and
  the grids of all sheets together (rows × columns up to each sheet's last cell) must fit in
  ``MAX_CELLS``; so must a CSV file's fields;
- more sheets, more distinct texts (shared strings) or longer cells than a roster has, and
  CSV lines or rows far wider than a roster's;
- XML with a document type declaration or entities (billion laughs, external entities);
- truncated or damaged files, and CSV text in an encoding other than UTF-8 or GB18030.

Every refusal is a :class:`SpreadsheetError`, also while rows are being read lazily; no other
exception escapes.
"""

import codecs
import csv
import functools
import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import PureWindowsPath
from typing import IO

from python_calamine import (
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from villages.translatable import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 150_000  # per sheet
MAX_COLUMNS = 100
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 200
# Rows × columns of every sheet up to its last cell, all sheets together: the reader holds a
# sheet's whole grid (about 32 bytes a cell), so this bounds its memory (about 100 MB) and
# time. A 150,000-row roster of 20 columns fits.
MAX_CELLS = 3_000_000
MAX_SHEETS = 1_000
# Excel's own limit for one cell.
MAX_CELL_CHARS = 32_767
# Distinct texts of an .xlsx or .xls, which the reader loads all at once.
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024
MAX_CSV_LINE_CHARS = 100_000
# Below this size a member may compress as well as it likes: an empty sheet's XML does.
RATIO_CHECKED_ABOVE = 10 * 1024 * 1024

# Whole numbers this large are resident IDs that Excel stored as numbers (losing the last
# digits); they stay floats so the importer can recognise them and ask for the ID as text.
_LARGEST_INT_FLOAT = 1e15

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
_HEAD_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
_CSV_SAMPLE_CHARS = 8 * 1024

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_WORKSHEET_ROOT = re.compile(rb"<(?:[\w.-]+:)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_REFERENCE = re.compile(rb"([A-Za-z]*)0*([0-9]*)")
# A cell without an r attribute: the reader places it after the previous one, so its
# position can only be found by following the sheet cell by cell.
_IMPLICIT_CELL = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])(?![^>]*\sr\s*=)")
_R_ATTRIBUTE = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]*)0*([0-9]*)[\"']")
# A cell's reference; a row's has no letters.
_CELL_REFERENCE = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]+)0*([0-9]+)[\"']")
# Starts with a literal, so the regex engine skips quickly through a chunk without one.
_ANY_CELL_REFERENCE = re.compile(rb"r\s*=\s*[\"'][A-Za-z]")
# A cell tag (without namespace prefix) with an r attribute, and how such tags start.
_PLAIN_REFERENCED_CELL = re.compile(rb"<c\s(?:[^>]*\s)?r\s*=")
_PLAIN_ROW_TAG = re.compile(rb"<row(?=[\s/>])[^>]*>")
_PLAIN_ROW_NUMBER = re.compile(rb"<row(?=[\s/>])[^>]*?\sr\s*=\s*[\"']0*([0-9]*)")
_PLAIN_CELL_STARTS = (b"<c>", b"<c/", b"<c ", b"<c\t", b"<c\n", b"<c\r")
_SHARED_STRINGS_ROOT = re.compile(rb"<(?:[\w.-]+:)?sst[\s>]")
_PREFIXED_SHARED_STRING = re.compile(rb"<[\w.-]+:si[\s/>]")
# Text between two tags longer than any cell can hold (4 bytes per character at most).
_LONG_TEXT_BYTES = 4 * MAX_CELL_CHARS
# Lines longer than a roster's, found at their start without following every line.
_LONG_CSV_LINE = re.compile(rf"[\n\r][^\n\r]{{{MAX_CSV_LINE_CHARS + 1}}}")
_LONG_CSV_LINE_AT_START = re.compile(rf"[^\n\r]{{{MAX_CSV_LINE_CHARS + 1}}}")
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Cells of rows mixing cells with and without references that are followed one by one.
_MIXED_CELLS_FOLLOWED = 100_000
# Cells found beyond the last cell of their chunk, after which a sheet's rows are no longer
# followed one by one but counted as reaching the row limit.
_OUT_OF_ORDER_ALLOWED = 200

# OLE2 (compound file) sector ids with a special meaning.
_END_OF_CHAIN = 0xFFFFFFFE
_LAST_REGULAR_SECTOR = 0xFFFFFFFA
_OLE2_ENCRYPTED_XLSX = (
    "EncryptionInfo".encode("utf-16-le"),
    "EncryptedPackage".encode("utf-16-le"),
)
# BIFF records that hold a cell value: FORMULA, RSTRING, LABELSST, NUMBER, LABEL, BOOLERR,
# RK, MULRK. Blank cells (BLANK, MULBLANK) are left out: the reader ignores them.
_BIFF_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00BD})
_BIFF_MULRK = 0x00BD
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_BOF = 0x0809
_BIFF_SST = 0x00FC
_BIFF_MACRO_SHEET_TYPES = frozenset({1, 6})  # Excel 4.0 macro sheet, VBA module


class SpreadsheetError(Exception):
    """A file that cannot be read; str(error) is a message a village clerk can act on."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Sheet:
    """One worksheet; ``rows`` is read lazily and may raise SpreadsheetError while iterated."""

    name: str
    hidden: bool
    rows: Iterator[list[object]]


def read_sheets(
    data: bytes, *, filename: str, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> list[Sheet]:
    """Check an uploaded roster file and return its worksheets, rows read lazily."""
    if len(data) > max_bytes:
        raise SpreadsheetError(
            "too_large",
            _(
                "The file is %(size)s MB; files up to %(limit)s MB are accepted. Remove "
                "pictures, unused sheets and empty rows, or split the roster into several files."
            )
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)},
        )
    if not data:
        raise SpreadsheetError(
            "empty", _("The file is empty. Choose the roster file again and upload it.")
        )
    suffix = PureWindowsPath(filename).suffix.lower()
    if suffix in _MACRO_SUFFIXES:
        raise _macro_error()
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, max_rows=max_rows)
    if data.startswith(_OLE2_MAGIC):
        return _read_xls(data, max_rows=max_rows)
    if suffix == ".csv":
        return [_read_csv(data, filename=filename, max_rows=max_rows)]
    if suffix == ".xls" and _is_markup(data):
        raise SpreadsheetError(
            "html",
            _(
                "This file is a web page saved with an .xls name, not a real Excel workbook. "
                'Open it in Excel or WPS, choose "Save As", pick the Excel Workbook (.xlsx) '
                "type and upload the new file."
            ),
        )
    raise _not_spreadsheet_error()


# --- Messages used in several places.


def _not_spreadsheet_error() -> SpreadsheetError:
    return SpreadsheetError(
        "not_spreadsheet",
        _(
            "This file is not a spreadsheet. Upload an Excel workbook (.xlsx or .xls) or a "
            "CSV file (.csv)."
        ),
    )


def _macro_error() -> SpreadsheetError:
    return SpreadsheetError(
        "macro",
        _(
            "This workbook contains macros, which are not accepted. Save it as an Excel "
            "Workbook (.xlsx) without macros and upload that file."
        ),
    )


def _password_error() -> SpreadsheetError:
    return SpreadsheetError(
        "password",
        _(
            "This workbook is protected by a password. Open it, remove the password, save it "
            "and upload it again."
        ),
    )


def _corrupt_error() -> SpreadsheetError:
    return SpreadsheetError(
        "corrupt",
        _(
            "The file is damaged or incomplete and cannot be read. Open it in Excel or WPS, "
            "save it again and send the new file."
        ),
    )


def _zip_bomb_error() -> SpreadsheetError:
    return SpreadsheetError(
        "zip_bomb",
        _(
            "This file unpacks to far more data than a roster can hold, so it was not opened. "
            "Copy the roster into a new workbook, save it and upload that file."
        ),
    )


def _unsafe_xml_error() -> SpreadsheetError:
    return SpreadsheetError(
        "unsafe_xml",
        _(
            "This file contains XML declarations that spreadsheets do not use, so it was not "
            "opened. Open it in Excel or WPS, save it again and upload the new file."
        ),
    )


def _too_many_cells_error(*, row: int, column: int, max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_cells",
        _(
            "A sheet in this workbook reaches row %(row)s and column %(column)s, but at most "
            "%(max_rows)s rows and %(max_columns)s columns are accepted. Delete any empty rows "
            "and columns after the data (or copy just the data into a new workbook); if the "
            "roster really is that long, split it into several files."
        )
        % {
            "row": f"{row:,}",
            "column": _column_letters(column),
            "max_rows": f"{max_rows:,}",
            "max_columns": MAX_COLUMNS,
        },
    )


def _cell_budget_error(cells: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_cells",
        _(
            "The sheets of this file span at least %(cells)s cells (every row and column up to "
            "the last filled cell), but at most %(limit)s cells are accepted. Delete any empty "
            "rows and columns after the data (or copy just the data into a new workbook), or "
            "split the roster into several files."
        )
        % {"cells": f"{cells:,}", "limit": f"{MAX_CELLS:,}"},
    )


def _too_many_sheets_error(count: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_sheets",
        _(
            "This workbook has at least %(count)s sheets, but at most %(limit)s are accepted. "
            "Delete the sheets that are not part of the roster, or split it into several files."
        )
        % {"count": f"{count:,}", "limit": f"{MAX_SHEETS:,}"},
    )


def _too_much_text_error() -> SpreadsheetError:
    return SpreadsheetError(
        "too_much_text",
        _(
            "This workbook holds more text than a roster does: at most %(count)s different "
            "texts and %(size)s MB of text are accepted. Copy just the roster into a new "
            "workbook, save it and upload that file."
        )
        % {
            "count": f"{MAX_SHARED_STRINGS:,}",
            "size": _megabytes(MAX_SHARED_STRINGS_BYTES),
        },
    )


def _long_cell_error() -> SpreadsheetError:
    return SpreadsheetError(
        "long_cell",
        _(
            "A cell in this file holds more than %(limit)s characters, the most a cell can "
            "hold in Excel. Delete that cell's text, save the file and upload it again."
        )
        % {"limit": f"{MAX_CELL_CHARS:,}"},
    )


def _csv_line_error(line: int) -> SpreadsheetError:
    return SpreadsheetError(
        "long_line",
        _(
            "Line %(line)s of the CSV file is longer than %(limit)s characters, far longer "
            "than a roster's row. Open the file in Excel or WPS, delete what does not belong "
            "to the roster, save it and upload it again."
        )
        % {"line": f"{line:,}", "limit": f"{MAX_CSV_LINE_CHARS:,}"},
    )


def _csv_columns_error(row: int, columns: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_columns",
        _(
            "Row %(row)s of the CSV file has %(columns)s columns, but at most %(limit)s "
            "columns are accepted. Delete the columns after the data, save the file and "
            "upload it again."
        )
        % {"row": f"{row:,}", "columns": f"{columns:,}", "limit": MAX_COLUMNS},
    )


def _megabytes(size: int) -> str:
    """Rounded up to one decimal, so a file just over the limit never shows the limit."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths / 10:g}"


# --- Column letters (A = 1, Z = 26, AA = 27, ...).


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _above(limit: str, symbols: str) -> str:
    """A regex for the numbers written in ``symbols`` that exceed ``limit``.

    Works for decimal digits and for column letters (either case) alike: in both, a longer
    number is larger, and numbers of the same length compare symbol by symbol.
    """

    def between(low: str, high: str) -> str:
        if low.isalpha():
            return f"[{low}-{high}{low.lower()}-{high.lower()}]"
        return f"[{low}-{high}]"

    first, last = symbols[0], symbols[-1]
    any_symbol = between(first, last)
    lowest_leading = symbols[1] if first == "0" else first
    alternatives = [f"{between(lowest_leading, last)}{any_symbol}{{{len(limit)},}}"]
    for index, symbol in enumerate(limit):
        if symbol != last:
            prefix = "".join(between(s, s) for s in limit[:index])
            bigger = between(symbols[symbols.index(symbol) + 1], last)
            alternatives.append(f"{prefix}{bigger}{any_symbol}{{{len(limit) - index - 1}}}")
    return "|".join(alternatives)


# --- .xlsx


def _read_xlsx(data: bytes, *, max_rows: int) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:
        raise _corrupt_error() from error
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names:
            raise _not_spreadsheet_error()
        _check_zip_sizes(members)
        if "xl/vbaProject.bin" in names or any(
            name.startswith("xl/macrosheets/") for name in names
        ):
            raise _macro_error()
        if "[Content_Types].xml" in names:
            content_types = _read_member_head(archive, archive.getinfo("[Content_Types].xml"))
            if b"macroenabled" in content_types.lower():
                raise _macro_error()
        budget = _Budget()
        for member in members:
            _check_xlsx_part(archive, member, max_rows=max_rows, budget=budget)
    return _read_workbook(data, max_rows=max_rows, sheet_parts=budget.sheets)


class _Budget:
    """What the worksheets checked so far add up to: their grids and their number."""

    def __init__(self) -> None:
        self.cells = 0
        self.sheets = 0

    def add_sheet(self) -> None:
        self.sheets += 1
        if self.sheets > MAX_SHEETS:
            raise _too_many_sheets_error(self.sheets)

    def check(self, rows: int, columns: int) -> None:
        """Refuse when this sheet's grid so far, with the sheets before it, is too large."""
        if self.cells + rows * columns > MAX_CELLS:
            raise _cell_budget_error(self.cells + rows * columns)

    def add(self, rows: int, columns: int) -> None:
        self.check(rows, columns)
        self.cells += rows * columns


def _check_zip_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise _zip_bomb_error()
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED:
        raise _zip_bomb_error()
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_COMPRESSION_RATIO:
            raise _zip_bomb_error()


def _read_member_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(member) as stream:
            return stream.read(_HEAD_BYTES)
    except Exception as error:
        raise _corrupt_error() from error


def _check_xlsx_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, max_rows: int, budget: _Budget
) -> None:
    """Refuse DTDs in any XML part, worksheets beyond the limits and oversized texts."""
    try:
        with archive.open(member) as stream:
            head, utf16 = _xml_head(stream)
            is_worksheet = _WORKSHEET_ROOT.search(head) is not None
            if not (is_worksheet or member.filename.lower().endswith((".xml", ".rels"))):
                return
            if _DTD.search(head):
                raise _unsafe_xml_error()
            if len(head) >= _HEAD_BYTES // 2 and not _FIRST_ELEMENT.search(head):
                # A prolog this long only serves to push a DTD past the part looked at.
                raise _unsafe_xml_error()
            if _SHARED_STRINGS_ROOT.search(head):
                _check_shared_strings(member, _chunks(head, stream, utf16=utf16))
                return
            if not is_worksheet:
                return
            budget.add_sheet()
            dimension = _DIMENSION.search(head)
            if dimension:
                last_cell = dimension.group(1).rsplit(b":", 1)[-1]
                _check_extent(*_parse_reference(last_cell), max_rows=max_rows)
            # The reader ignores <dimension>: the cells themselves decide how much it
            # allocates, so they are checked even when the declared dimension is small.
            rows, columns, implicit = _scan_cell_references(
                _chunks(head, stream, utf16=utf16), max_rows, budget
            )
        if implicit:
            with archive.open(member) as stream:
                head, utf16 = _xml_head(stream)
                followed_rows, followed_columns = _follow_cell_positions(
                    _chunks(head, stream, utf16=utf16), max_rows, budget
                )
            rows, columns = max(rows, followed_rows), max(columns, followed_columns)
        budget.add(rows, columns)
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _corrupt_error() from error


def _check_shared_strings(member: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
    """The reader loads every distinct text at once: bound their number and size."""
    if member.file_size > MAX_SHARED_STRINGS_BYTES:
        raise _too_much_text_error()
    count = 0
    for chunk in chunks:
        # Counting is much faster than the regex; prefixed tags are rare.
        count += chunk.count(b"<si>") + chunk.count(b"<si ") + chunk.count(b"<si/")
        if b":si" in chunk:
            count += len(_PREFIXED_SHARED_STRING.findall(chunk))
        if count > MAX_SHARED_STRINGS:
            raise _too_much_text_error()
        _check_text_lengths(chunk)


def _check_text_lengths(chunk: bytes) -> None:
    """Refuse text between two tags longer than any cell can hold.

    Such a text covers a whole block of half its length, so only blocks without a "<" need
    a closer look; finding a "<" in the others takes a few bytes each.
    """
    limit = _LONG_TEXT_BYTES
    block = limit // 2
    for start in range(0, len(chunk) - block + 1, block):
        if chunk.find(b"<", start, start + block) != -1:
            continue
        # From the tag before the text to the one after it (text may hold ">"); a chunk
        # ends at a ">", so the text lies whole in it.
        text_start = max(chunk.rfind(b"<", 0, start), 0)
        text_end = chunk.find(b"<", start + block)
        if (len(chunk) if text_end == -1 else text_end) - text_start > limit:
            raise _long_cell_error()


def _xml_head(stream: IO[bytes]) -> tuple[bytes, bool]:
    """The first bytes of an XML part, and whether it is UTF-16."""
    head = stream.read(_HEAD_BYTES)
    # UTF-16 XML: dropping the zero bytes leaves the markup searchable as ASCII.
    utf16 = b"\0" in head[:4]
    return (head.replace(b"\0", b""), True) if utf16 else (head, False)


def _chunks(head: bytes, stream: IO[bytes], *, utf16: bool) -> Iterator[bytes]:
    """The rest of an XML part in pieces that end at a ">", so no tag is cut in two."""
    carry = head
    read = len(head)
    while chunk := stream.read(_CHUNK_BYTES):
        # zipfile already stops at the member's declared size, which _check_zip_sizes bounds;
        # this keeps the bound visible here.
        read += len(chunk)
        if read > MAX_UNCOMPRESSED:
            raise _zip_bomb_error()
        if utf16:
            chunk = chunk.replace(b"\0", b"")
        carry += chunk
        cut = carry.rfind(b">") + 1
        if cut:
            yield carry[:cut]
            carry = carry[cut:]
    yield carry


def _scan_cell_references(
    chunks: Iterable[bytes], max_rows: int, budget: _Budget
) -> tuple[int, int, bool]:
    """The farthest row and column of the cells that have a reference, and whether some
    cells have none; refuses cells beyond the limits as soon as they are found.

    A chunk's cells run in order, so its last cell holds its farthest row; the regex engine
    then only stops at cells beyond what is known (out of order, or in a wider column), so a
    roster's millions of cells cost no Python work each.
    """
    rows = columns = 0
    out_of_order = 0
    implicit = False
    present = 0
    for chunk in chunks:
        # The grid holds at least the cells present: counting them (cheaply) bounds the
        # scan of a sheet of millions of cells without references, before they are followed.
        c_tags = chunk.count(b"<c")
        present += _count_cells(chunk, c_tags)
        budget.check(1, present)
        _check_text_lengths(chunk)
        if _ANY_CELL_REFERENCE.search(chunk) is None:
            implicit = implicit or _has_implicit_cell(chunk, c_tags)
            continue
        last_row, last_column = _last_reference(chunk)
        rows, columns = max(rows, last_row), max(columns, last_column)
        _check_extent(rows, columns, max_rows=max_rows)
        position = 0
        while match := _cell_reference_beyond(rows, columns).search(chunk, position):
            position = match.end()
            attribute = _R_ATTRIBUTE.match(chunk, max(match.start() - 1, 0))
            if attribute is None:
                continue
            row, column = _parse_reference(attribute[1] + attribute[2])
            columns = max(columns, column)
            if row > rows:
                out_of_order += 1
                # Following a sheet written backwards cell by cell would cost a regex per
                # cell; such a sheet is counted as reaching the row limit instead.
                rows = row if out_of_order <= _OUT_OF_ORDER_ALLOWED else max(row, max_rows)
            _check_extent(row, column, max_rows=max_rows)
        budget.check(rows, columns)
        implicit = implicit or _has_implicit_cell(chunk, c_tags)
    return rows, columns, implicit


def _count_cells(chunk: bytes, tags: int) -> int:
    """The cells in a chunk, or a few more: <col> and rich-text <color> tags count too.

    ``tags``: how many tags of the chunk start with "<c".
    """
    if b":c" in chunk:
        return len(_PREFIXED_TAGS.cell_start.findall(chunk))
    return tags


def _last_reference(chunk: bytes) -> tuple[int, int]:
    """Row and column of the last cell reference in a chunk, (0, 0) if it has none."""
    end = len(chunk)
    while end > 0:
        start = max(end - 4096, 0)
        found = None
        for found in _CELL_REFERENCE.finditer(chunk, start, end):  # noqa: B007
            pass
        if found is not None:
            return _parse_reference(found[1] + found[2])
        # Overlap a little, so a reference cut at the window's edge is found whole.
        end = start + 64 if start else 0
    return 0, 0


@functools.lru_cache(maxsize=64)
def _cell_reference_beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """Matches only r attributes of cells beyond row ``rows`` or column ``columns``.

    Callers check that the "r" is preceded by white space.
    """
    row_pattern = _above(str(rows), "0123456789")
    column_pattern = _above(_column_letters(columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    pattern = rf"""r\s*=\s*["'](?:[A-Za-z]+0*(?:{row_pattern})["']|(?:{column_pattern})[0-9])"""
    return re.compile(pattern.encode())


def _has_implicit_cell(chunk: bytes, tags: int) -> bool:
    """``tags``: how many tags of the chunk start with "<c"."""
    # Counting is ten times faster than the regex and settles the usual case: every tag
    # starting with "<c" is a cell written as <c r="...">, and no tag has a prefix.
    if tags == chunk.count(b'<c r="') and b":c" not in chunk:
        return False
    return _IMPLICIT_CELL.search(chunk) is not None


def _follow_cell_positions(
    chunks: Iterable[bytes], max_rows: int, budget: _Budget
) -> tuple[int, int]:
    """The farthest row and column of cells without references, placed the way the reader
    places them: after the cell before, in the row of their <row>.

    Rows whose cells all lack references are counted, not followed cell by cell; the few
    rows mixing both are followed, up to a bound past which the sheet is taken to reach the
    limits (no spreadsheet program writes such rows).
    """
    follower = _CellFollower(max_rows)
    for chunk in chunks:
        # Tags with a namespace prefix are rare; without one, patterns starting with a
        # literal let the regex engine jump between tags.
        prefixed = b":c" in chunk or b":row" in chunk
        follower.tags = _PREFIXED_TAGS if prefixed else _PLAIN_TAGS
        # A chunk where no cell has a reference (the usual case for such sheets): its cells
        # are counted row by row with bytes.count.
        follower.counting = not prefixed and _PLAIN_REFERENCED_CELL.search(chunk) is None
        if follower.counting and follower.count_rows(chunk):
            budget.check(follower.rows, follower.columns)
            continue
        position = 0
        for tag in follower.tags.row.finditer(chunk):
            follower.place(chunk[position : tag.start()])
            attribute = _R_ATTRIBUTE.search(tag[1])
            digits = attribute[2] if attribute else b""
            follower.row = int(digits) if digits else follower.row + 1
            follower.column = 0
            position = tag.end()
            budget.check(follower.rows, follower.columns)
        follower.place(chunk[position:])
        budget.check(follower.rows, follower.columns)
    return follower.rows, follower.columns


@dataclass(frozen=True)
class _Tags:
    row: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    cell_start: re.Pattern[bytes]
    implicit_cell: re.Pattern[bytes]


_PREFIXED_TAGS = _Tags(
    row=re.compile(rb"<(?:[\w.-]+:)?row(?=[\s/>])([^>]*)>"),
    cell=re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])([^>]*)>"),
    cell_start=re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])"),
    implicit_cell=_IMPLICIT_CELL,
)
_PLAIN_TAGS = _Tags(
    row=re.compile(rb"<row(?=[\s/>])([^>]*)>"),
    cell=re.compile(rb"<c(?=[\s/>])([^>]*)>"),
    cell_start=re.compile(rb"<c(?=[\s/>])"),
    implicit_cell=re.compile(rb"<c(?=[\s/>])(?![^>]*\sr\s*=)"),
)


class _CellFollower:
    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.tags = _PLAIN_TAGS
        self.counting = False
        self.row = self.column = 0
        self.rows = self.columns = 0
        self.followed = 0

    def count_rows(self, chunk: bytes) -> bool:
        """Place the cells of a chunk in which no cell has a reference, with no Python work
        per row; False (nothing done) if its rows are only partly numbered."""
        numbers = _PLAIN_ROW_NUMBER.findall(chunk)
        segments = _PLAIN_ROW_TAG.split(chunk)
        if numbers and len(numbers) != len(segments) - 1:
            return False
        counts = [list(map(bytes.count, segments, repeat(start))) for start in _PLAIN_CELL_STARTS]
        cells = list(map(sum, zip(*counts, strict=True)))
        # Before the first <row>: the rest of the row the previous chunk ended in.
        if cells[0]:
            self.column += cells[0]
            self._reached(self.row, self.column)
        if len(segments) == 1:
            return True
        row_numbers = (
            list(map(int, numbers)) if numbers else range(self.row + 1, self.row + len(segments))
        )
        filled = cells[1:]
        farthest_row = max(compress(row_numbers, filled), default=0)
        if farthest_row:
            self._reached(farthest_row, max(filled))
        self.row, self.column = row_numbers[-1], filled[-1]
        return True

    def place(self, cells: bytes) -> None:
        """Place the cells of (part of) one row."""
        if self.counting:
            count = sum(cells.count(start) for start in _PLAIN_CELL_STARTS)
            if count:
                self.column += count
                self._reached(self.row, self.column)
            return
        if self.tags.implicit_cell.search(cells) is None:
            # Every cell has its reference, counted by _scan_cell_references already; a cell
            # without one later in the row follows the last.
            row, column = _last_reference(cells)
            if column:
                self.row, self.column = row, column
            return
        if _R_ATTRIBUTE.search(cells) is None:
            self.column += len(self.tags.cell_start.findall(cells))
            self._reached(self.row, self.column)
            return
        for tag in self.tags.cell.finditer(cells):
            self.followed += 1
            if self.followed > _MIXED_CELLS_FOLLOWED:
                self._reached(self.max_rows, MAX_COLUMNS)
                return
            attribute = _R_ATTRIBUTE.search(tag[1])
            letters, digits = attribute.groups() if attribute else (b"", b"")
            self.column = _column_number(letters.decode("ascii")) if letters else self.column + 1
            if digits:
                self.row = int(digits)
            self._reached(self.row, self.column)

    def _reached(self, row: int, column: int) -> None:
        _check_extent(row, column, max_rows=self.max_rows)
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)


def _parse_reference(reference: bytes) -> tuple[int, int]:
    """Row and column numbers (1-based) of a reference such as ``GR200000``."""
    match = _REFERENCE.match(reference.strip())
    if match is None:
        return 0, 0
    letters, digits = match.groups()
    return int(digits or 0), _column_number(letters.decode("ascii"))


def _check_extent(row: int, column: int, *, max_rows: int) -> None:
    if row > max_rows or column > MAX_COLUMNS:
        raise _too_many_cells_error(row=row, column=column, max_rows=max_rows)


# --- .xls


def _read_xls(data: bytes, *, max_rows: int) -> list[Sheet]:
    if all(name in data for name in _OLE2_ENCRYPTED_XLSX):
        # A password-protected .xlsx is an OLE2 file holding the encrypted zip.
        raise _password_error()
    try:
        names, workbook_stream = _ole2_workbook_stream(data)
    except Exception as error:
        raise _corrupt_error() from error
    if any(name.startswith("_vba_project") for name in names):
        raise _macro_error()
    if workbook_stream is None:
        # Another Office 97 file, such as a Word .doc.
        raise _not_spreadsheet_error()
    sheets = _check_biff(workbook_stream, max_rows=max_rows)
    return _read_workbook(data, max_rows=max_rows, sheet_parts=sheets)


def _ole2_workbook_stream(data: bytes) -> tuple[set[str], bytes | None]:
    """The lower-cased names of an OLE2 file's entries, and its Workbook stream if any.

    Just enough of the compound file format to find the cells before the reader allocates
    for them. Raises on any inconsistency; the caller treats that as a damaged file.
    """
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_sector_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector_size not in (512, 4096) or mini_sector_size != 64:
        raise ValueError("unexpected sector size")
    first_directory_sector, _unused, mini_cutoff, first_mini_fat_sector = struct.unpack_from(
        "<IIII", data, 0x30
    )
    first_difat_sector, difat_sectors = struct.unpack_from("<II", data, 0x44)
    sector_count = (len(data) - sector_size) // sector_size
    per_sector = sector_size // 4

    def sector(sector_id: int) -> bytes:
        if sector_id >= sector_count:
            raise ValueError("sector outside the file")
        start = (sector_id + 1) * sector_size
        return data[start : start + sector_size]

    def chain(start: int, table: tuple[int, ...]) -> list[int]:
        sector_ids: list[int] = []
        while start != _END_OF_CHAIN:
            if start >= len(table) or len(sector_ids) > len(table):
                raise ValueError("broken sector chain")
            sector_ids.append(start)
            start = table[start]
        return sector_ids

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    if difat_sectors > sector_count:
        raise ValueError("too many DIFAT sectors")
    for _index in range(difat_sectors):
        entries = struct.unpack(f"<{per_sector}I", sector(first_difat_sector))
        fat_sectors.extend(entries[:-1])
        first_difat_sector = entries[-1]
    fat_bytes = b"".join(sector(s) for s in fat_sectors if s < _LAST_REGULAR_SECTOR)
    fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)

    directory = b"".join(sector(s) for s in chain(first_directory_sector, fat))
    entries: dict[str, tuple[int, int]] = {}
    root: tuple[int, int] | None = None
    for offset in range(0, len(directory) - 127, 128):
        name_length, entry_type = struct.unpack_from("<HB", directory, offset + 64)
        start, size = struct.unpack_from("<II", directory, offset + 116)
        name = directory[offset : offset + max(name_length - 2, 0)].decode("utf-16-le", "replace")
        if entry_type == 5:
            root = (start, size)
        elif entry_type in (1, 2):
            entries.setdefault(name.lower(), (start, size))

    stream_entry = entries.get("workbook") or entries.get("book")
    if stream_entry is None:
        return set(entries), None
    start, size = stream_entry
    if size >= mini_cutoff:
        stream = b"".join(sector(s) for s in chain(start, fat))
    else:
        if root is None:
            raise ValueError("no root entry")
        mini_stream = b"".join(sector(s) for s in chain(root[0], fat))
        mini_fat_bytes = b"".join(sector(s) for s in chain(first_mini_fat_sector, fat))
        mini_fat = struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes)
        stream = b"".join(
            mini_stream[s * mini_sector_size : (s + 1) * mini_sector_size]
            for s in chain(start, mini_fat)
        )
    if len(stream) < size:
        raise ValueError("stream shorter than its entry says")
    return set(entries), stream[:size]


def _check_biff(stream: bytes, *, max_rows: int) -> int:
    """Refuse encrypted and macro workbooks, and cells or texts beyond the limits, in a BIFF
    stream; returns the number of worksheets.

    Each sheet is a substream starting with a BOF record; its grid reaches its farthest cell.
    """
    budget = _Budget()
    farthest_row = farthest_column = -1
    substreams: set[int] = set()
    sheet_offsets: list[int] = []

    def close_substream() -> None:
        _check_extent(farthest_row + 1, farthest_column + 1, max_rows=max_rows)
        budget.add(farthest_row + 1, farthest_column + 1)

    position = 0
    end = len(stream) - 4
    while position <= end:
        record, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        if record == _BIFF_BOF:
            close_substream()
            farthest_row = farthest_column = -1
            substreams.add(position)
        position = body + length
        if record in _BIFF_CELL_RECORDS and length >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            if record == _BIFF_MULRK and length >= 6:
                (column,) = struct.unpack_from("<H", stream, body + length - 2)
            farthest_row = max(farthest_row, row)
            farthest_column = max(farthest_column, column)
        elif record == _BIFF_FILEPASS:
            raise _password_error()
        elif record == _BIFF_BOUNDSHEET and length >= 6:
            if stream[body + 5] in _BIFF_MACRO_SHEET_TYPES:
                raise _macro_error()
            sheet_offsets.append(struct.unpack_from("<I", stream, body)[0])
            if len(sheet_offsets) > MAX_SHEETS:
                raise _too_many_sheets_error(len(sheet_offsets))
        elif record == _BIFF_SST and length >= 8:
            (unique,) = struct.unpack_from("<I", stream, body + 4)
            if unique > MAX_SHARED_STRINGS:
                raise _too_much_text_error()
    close_substream()
    # The reader finds each sheet where its BOUNDSHEET record says; two sheets at one place,
    # or a sheet elsewhere than at the start of a substream, would be read beyond the checks.
    if len(set(sheet_offsets)) < len(sheet_offsets) or not substreams.issuperset(sheet_offsets):
        raise _corrupt_error()
    return len(sheet_offsets)


# --- Reading workbooks with calamine


def _read_workbook(data: bytes, *, max_rows: int, sheet_parts: int) -> list[Sheet]:
    """The workbook's worksheets; ``sheet_parts``: how many worksheets the checks found.

    A workbook naming one worksheet twice would have the reader load it twice, beyond what
    the checks counted; Excel never writes one, so it is refused as damaged.
    """
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except PasswordError as error:
        raise _password_error() from error
    except Exception as error:
        raise _corrupt_error() from error
    if sum(sheet.typ == SheetTypeEnum.WorkSheet for sheet in metadata) > sheet_parts:
        raise _corrupt_error()
    return [
        Sheet(
            name=_printable(sheet.name),
            hidden=sheet.visible != SheetVisibleEnum.Visible,
            rows=_workbook_rows(workbook, sheet.name, max_rows=max_rows),
        )
        for sheet in metadata
        # Chart sheets have no cells; dialog and macro sheets are not rosters.
        if sheet.typ == SheetTypeEnum.WorkSheet
    ]


def _workbook_rows(
    workbook: CalamineWorkbook, name: str, *, max_rows: int
) -> Iterator[list[object]]:
    """The sheet's rows from row 1 and column A, so positions match what the clerk sees."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.end is not None and sheet.end[0] + 1 > max_rows:
            raise _too_many_rows_error(name, max_rows)
        # iter_rows starts at row 1 but at the first column holding data.
        padding = [None] * (sheet.start[1] if sheet.start else 0)
        rows = (padding + [_cell_value(value) for value in row] for row in sheet.iter_rows())
        merged = sheet.merged_cell_ranges or []
        yield from _capped(_fill_vertical_merges(rows, merged), name, max_rows=max_rows)
    except SpreadsheetError:
        raise
    except PasswordError as error:
        raise _password_error() from error
    except Exception as error:
        raise _corrupt_error() from error


def _printable(name: str) -> str:
    """A sheet's name without control characters: it is shown, and stored with the batch."""
    return _CONTROL_CHARACTERS.sub("", name)


def _cell_value(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < _LARGEST_INT_FLOAT:
        return int(value)
    return value


def _fill_vertical_merges(
    rows: Iterable[list[object]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]
) -> Iterator[list[object]]:
    """Give every cell of a merged range that spans several rows its top-left value.

    A village column merged down over its households then names the village on every
    household row. Merges within one row (titles across the top) are left as they are.
    """
    starting: dict[int, list[tuple[int, int, int]]] = {}
    for (top, left), (bottom, right) in ranges:
        if bottom > top:
            starting.setdefault(top, []).append((left, right, bottom))
    # Column -> (last row of its merge, value); keyed by column so overlapping ranges in a
    # hostile file cost no more per row than the row is wide.
    filling: dict[int, tuple[int, object]] = {}
    for index, row in enumerate(rows):
        for column, (bottom, value) in list(filling.items()):
            if bottom < index:
                del filling[column]
            elif column < len(row):
                row[column] = value
        for left, right, bottom in starting.pop(index, ()):
            if left >= len(row):
                continue
            value = row[left]
            for column in range(left, min(right + 1, len(row))):
                row[column] = value
                filling[column] = (bottom, value)
        yield row


def _capped(rows: Iterable[list[object]], name: str, *, max_rows: int) -> Iterator[list[object]]:
    for count, row in enumerate(rows, start=1):
        if count > max_rows:
            raise _too_many_rows_error(name, max_rows)
        yield row


def _too_many_rows_error(name: str, max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_rows",
        _(
            'Sheet "%(sheet)s" has more than %(limit)s rows. Split the roster into several '
            "files of at most %(limit)s rows each."
        )
        % {"sheet": name, "limit": f"{max_rows:,}"},
    )


# --- .csv


def _read_csv(data: bytes, *, filename: str, max_rows: int) -> Sheet:
    text = _decode_csv(data)
    _check_csv_lines(text)
    delimiter = _sniff_delimiter(text)
    # Delimiters inside quoted cells count too: an upper bound, found without parsing.
    fields = text.count(delimiter) + text.count("\n") + (not text.endswith("\n"))
    if fields > MAX_CELLS:
        raise _cell_budget_error(fields)
    name = _printable(PureWindowsPath(filename).stem)
    rows = _csv_rows(text, delimiter=delimiter)
    return Sheet(name=name, hidden=False, rows=_capped(rows, name, max_rows=max_rows))


def _check_csv_lines(text: str) -> None:
    long_line = _LONG_CSV_LINE.search(text) or _LONG_CSV_LINE_AT_START.match(text)
    if long_line:
        raise _csv_line_error(text.count("\n", 0, long_line.start() + 1) + 1)


def _decode_csv(data: bytes) -> str:
    encodings = ["utf-8-sig", "gb18030"]
    # Excel's "Unicode text" export.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings.insert(0, "utf-16")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        "encoding",
        _(
            "The CSV file is not in a text encoding that can be read (UTF-8 or GBK). Open it "
            'in Excel or WPS and save it as "CSV UTF-8", or as an Excel Workbook (.xlsx).'
        ),
    )


def _sniff_delimiter(text: str) -> str:
    sample = text[:_CSV_SAMPLE_CHARS]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _csv_rows(text: str, *, delimiter: str) -> Iterator[list[object]]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, row in enumerate(reader, start=1):
            if len(row) > MAX_COLUMNS:
                # Trailing empty cells (",,,") are what some systems pad every line with.
                if any(row[MAX_COLUMNS:]):
                    columns = max(i for i, cell in enumerate(row, start=1) if cell)
                    raise _csv_columns_error(number, columns)
                del row[MAX_COLUMNS:]
            if row and max(map(len, row)) > MAX_CELL_CHARS:
                raise _long_cell_error()
            yield [cell or None for cell in row]
    except csv.Error as error:
        if "field limit" in str(error):
            raise _long_cell_error() from error
        raise _corrupt_error() from error


# --- Web pages saved as .xls


def _is_markup(data: bytes) -> bool:
    """True for HTML (or XML) text: what many systems export under an .xls name."""
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    return text.lstrip().startswith("<")
