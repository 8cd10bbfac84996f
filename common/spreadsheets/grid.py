"""The grid a reader allocates for a sheet: every row and column up to its last cell.

Each sheet's extent is bounded (``MAX_ROWS``, ``MAX_COLUMNS``), and so are the grids of all
sheets of a file together (``MAX_CELLS``).
"""

from common.spreadsheets import limits
from common.spreadsheets.errors import (
    cell_budget_error,
    too_many_cells_error,
    too_many_sheets_error,
)


def column_number(letters: str) -> int:
    """A column's number from its letters: A = 1, Z = 26, AA = 27, ..."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    """A column's letters from its number."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class Budget:
    """What the worksheets checked so far add up to: their grids and their number."""

    def __init__(self) -> None:
        self.cells = 0
        self.sheets = 0

    def add_sheet(self) -> None:
        self.sheets += 1
        if self.sheets > limits.MAX_SHEETS:
            raise too_many_sheets_error(self.sheets)

    def check(self, rows: int, columns: int) -> None:
        """Refuse when this sheet's grid so far, with the sheets before it, is too large."""
        if self.cells + rows * columns > limits.MAX_CELLS:
            raise cell_budget_error(self.cells + rows * columns)

    def add(self, rows: int, columns: int) -> None:
        self.check(rows, columns)
        self.cells += rows * columns


def check_extent(row: int, column: int, *, max_rows: int) -> None:
    """Refuse a cell beyond the last row or column accepted."""
    if row > max_rows or column > limits.MAX_COLUMNS:
        raise too_many_cells_error(row=row, column=column_letters(column), max_rows=max_rows)
