"""How far an .xlsx worksheet's cells reach, found in its XML without parsing it.

The reader sizes a sheet's grid from the cells it finds, not from the declared
``<dimension>``, so every cell counts: those with a reference (``r="GR200000"``) and those
without one, which the reader places after the cell before.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress, repeat

from common.spreadsheets import limits
from common.spreadsheets.errors import long_cell_error
from common.spreadsheets.grid import Budget, check_extent, column_letters, column_number

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
# Text between two tags longer than any cell can hold (4 bytes per character at most).
_LONG_TEXT_BYTES = 4 * limits.MAX_CELL_CHARS
# Cells of rows mixing cells with and without references that are followed one by one.
_MIXED_CELLS_FOLLOWED = 100_000
# Cells found beyond the last cell of their chunk, after which a sheet's rows are no longer
# followed one by one but counted as reaching the row limit.
_OUT_OF_ORDER_ALLOWED = 200


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


def check_text_lengths(chunk: bytes) -> None:
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
            raise long_cell_error()


def scan_cell_references(
    chunks: Iterable[bytes], max_rows: int, budget: Budget
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
        check_text_lengths(chunk)
        if _ANY_CELL_REFERENCE.search(chunk) is None:
            implicit = implicit or _has_implicit_cell(chunk, c_tags)
            continue
        last_row, last_column = _last_reference(chunk)
        rows, columns = max(rows, last_row), max(columns, last_column)
        check_extent(rows, columns, max_rows=max_rows)
        position = 0
        while match := _cell_reference_beyond(rows, columns).search(chunk, position):
            position = match.end()
            attribute = _R_ATTRIBUTE.match(chunk, max(match.start() - 1, 0))
            if attribute is None:
                continue
            row, column = parse_reference(attribute[1] + attribute[2])
            columns = max(columns, column)
            if row > rows:
                out_of_order += 1
                # Following a sheet written backwards cell by cell would cost a regex per
                # cell; such a sheet is counted as reaching the row limit instead.
                rows = row if out_of_order <= _OUT_OF_ORDER_ALLOWED else max(row, max_rows)
            check_extent(row, column, max_rows=max_rows)
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
            return parse_reference(found[1] + found[2])
        # Overlap a little, so a reference cut at the window's edge is found whole.
        end = start + 64 if start else 0
    return 0, 0


@functools.lru_cache(maxsize=64)
def _cell_reference_beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """Matches only r attributes of cells beyond row ``rows`` or column ``columns``.

    Callers check that the "r" is preceded by white space.
    """
    row_pattern = _above(str(rows), "0123456789")
    column_pattern = _above(column_letters(columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    pattern = rf"""r\s*=\s*["'](?:[A-Za-z]+0*(?:{row_pattern})["']|(?:{column_pattern})[0-9])"""
    return re.compile(pattern.encode())


def _has_implicit_cell(chunk: bytes, tags: int) -> bool:
    """``tags``: how many tags of the chunk start with "<c"."""
    # Counting is ten times faster than the regex and settles the usual case: every tag
    # starting with "<c" is a cell written as <c r="...">, and no tag has a prefix.
    if tags == chunk.count(b'<c r="') and b":c" not in chunk:
        return False
    return _IMPLICIT_CELL.search(chunk) is not None


def follow_cell_positions(
    chunks: Iterable[bytes], max_rows: int, budget: Budget
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
            # Every cell has its reference, counted by scan_cell_references already; a cell
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
                self._reached(self.max_rows, limits.MAX_COLUMNS)
                return
            attribute = _R_ATTRIBUTE.search(tag[1])
            letters, digits = attribute.groups() if attribute else (b"", b"")
            self.column = column_number(letters.decode("ascii")) if letters else self.column + 1
            if digits:
                self.row = int(digits)
            self._reached(self.row, self.column)

    def _reached(self, row: int, column: int) -> None:
        check_extent(row, column, max_rows=self.max_rows)
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)


def parse_reference(reference: bytes) -> tuple[int, int]:
    """Row and column numbers (1-based) of a reference such as ``GR200000``."""
    match = _REFERENCE.match(reference.strip())
    if match is None:
        return 0, 0
    letters, digits = match.groups()
    return int(digits or 0), column_number(letters.decode("ascii"))
