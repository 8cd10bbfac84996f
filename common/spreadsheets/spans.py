"""Rows of a sheet built cell by cell, with cells that span several columns and rows.

XML Spreadsheet 2003 (``ss:MergeAcross``, ``ss:MergeDown``, ``ss:Index``) and HTML tables
(``colspan``, ``rowspan``) place their cells this way. As for merged cells of a workbook
(``sheets._fill_vertical_merges``), a cell spanning several rows gives its value to every
cell it covers, so a village column merged down names the village on every household row; a
cell spanning columns within one row (a title) keeps its value in its first column only.

Spans are followed per column, not per covered cell, so a cell claiming a million rows costs
no more than one claiming two; the grid (rows × columns up to the last cell) is checked
against the file's budget as each row ends, before the next is read.
"""

from common.spreadsheets import limits
from common.spreadsheets.errors import too_many_rows_error
from common.spreadsheets.grid import Budget, check_extent


class SpanningRows:
    """The rows of one sheet; ``start_row`` then ``add_cell`` for each cell, then ``rows``."""

    def __init__(self, name: str, *, budget: Budget, max_rows: int) -> None:
        self.name = name
        self.budget = budget
        self.max_rows = max_rows
        self.rows: list[list[object]] = []
        self.width = 0
        self.max_columns = limits.MAX_COLUMNS
        # Column -> (last row it covers, 0-based; its value), for spans reaching down.
        self._down: dict[int, tuple[int, object]] = {}
        self._covered: set[int] = set()
        self._column = 0
        self._next = 0  # Rows begun so far, with those skipped.
        self._pending: int | None = None

    def start_row(self, number: int | None = None) -> None:
        """Begin the next row, or row ``number`` (1-based; the rows skipped stay empty).

        The row is made when its first cell comes: rows that never get one cost nothing.
        """
        if number is None or number - 1 < self._next:
            number = self._next + 1  # An index going backwards is read as the next row.
        if number > self.max_rows:
            raise too_many_rows_error(self.name, self.max_rows)
        self.budget.check(number, self.width)
        self._pending = number - 1
        self._next = number

    def _open_pending(self) -> None:
        if self._pending is None and not self.rows:
            self.start_row()
        if self._pending is not None:
            while len(self.rows) <= self._pending:
                self._open_row()
            self._pending = None

    def _open_row(self) -> None:
        index = len(self.rows)
        row: list[object] = []
        self._covered = set()
        for column, (bottom, value) in list(self._down.items()):
            if bottom < index:
                del self._down[column]
                continue
            self._covered.add(column)
            _put(row, column, value)
        self.rows.append(row)
        self._column = 0

    def add_cell(
        self, value: object, *, column: int | None = None, across: int = 0, down: int = 0
    ) -> None:
        """Place a cell at ``column`` (1-based) or after the last, skipping covered columns."""
        self._open_pending()
        if column is not None and column - 1 >= self._column:
            self._column = column - 1
        while self._column in self._covered:
            self._column += 1
        first = self._column
        if not across and not down:
            # Most cells span nothing.
            if first >= self.max_columns:
                check_extent(len(self.rows), first + 1, max_rows=self.max_rows)
            row = self.rows[-1]
            if first >= len(row):
                row.extend([None] * (first + 1 - len(row)))
            row[first] = value
            self._column = first + 1
            if first >= self.width:
                self.width = first + 1
            return
        last = first + max(across, 0)
        check_extent(len(self.rows), last + 1, max_rows=self.max_rows)
        row = self.rows[-1]
        down = min(max(down, 0), self.max_rows)
        for position in range(first, last + 1):
            if position == first or down:
                _put(row, position, value)
            if down:
                self._down[position] = (len(self.rows) - 1 + down, value)
        self.width = max(self.width, last + 1)
        self._column = last + 1

    def add_empty_cells(self, count: int) -> None:
        """Place ``count`` empty cells spanning nothing, as pages pad their rows with."""
        self._open_pending()
        if self._covered:
            for _ in range(count):
                self.add_cell(None)
            return
        last = self._column + count
        if last > self.max_columns:
            check_extent(len(self.rows), last, max_rows=self.max_rows)
        self._column = last
        self.width = max(self.width, last)

    def finish(self) -> list[list[object]]:
        """The rows, once the grid they make is added to the budget."""
        # Rows that end in empty cells (spans of nothing) are trimmed, as readers do.
        while self.rows and not any(value is not None for value in self.rows[-1]):
            self.rows.pop()
        self.budget.add(len(self.rows), self.width)
        return self.rows


def _put(row: list[object], column: int, value: object) -> None:
    if column >= len(row):
        row.extend([None] * (column + 1 - len(row)))
    row[column] = value
