"""Worksheets as rows of cell values: workbooks read with calamine once they passed the checks."""

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from python_calamine import (
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from common.spreadsheets.errors import (
    SpreadsheetError,
    corrupt_error,
    password_error,
    too_many_rows_error,
)

# Whole numbers this large are resident IDs that Excel stored as numbers (losing the last
# digits); they stay floats so the importer can recognise them and ask for the ID as text.
_LARGEST_INT_FLOAT = 1e15
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Sheet:
    """One worksheet; ``rows`` is read lazily and may raise SpreadsheetError while iterated."""

    name: str
    hidden: bool
    rows: Iterator[list[object]]


def read_workbook(data: bytes, *, max_rows: int, sheet_parts: int) -> list[Sheet]:
    """The workbook's worksheets; ``sheet_parts``: how many worksheets the checks found.

    A workbook naming one worksheet twice would have the reader load it twice, beyond what
    the checks counted; Excel never writes one, so it is refused as damaged.
    """
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except PasswordError as error:
        raise password_error() from error
    except Exception as error:
        raise corrupt_error() from error
    if sum(sheet.typ == SheetTypeEnum.WorkSheet for sheet in metadata) > sheet_parts:
        raise corrupt_error()
    return [
        Sheet(
            name=printable(sheet.name),
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
            raise too_many_rows_error(name, max_rows)
        # iter_rows starts at row 1 but at the first column holding data.
        padding = [None] * (sheet.start[1] if sheet.start else 0)
        rows = (padding + [cell_value(value) for value in row] for row in sheet.iter_rows())
        merged = sheet.merged_cell_ranges or []
        yield from capped(_fill_vertical_merges(rows, merged), name, max_rows=max_rows)
    except SpreadsheetError:
        raise
    except PasswordError as error:
        raise password_error() from error
    except Exception as error:
        raise corrupt_error() from error


def printable(name: str) -> str:
    """A sheet's name without control characters: it is shown, and stored with the batch."""
    return _CONTROL_CHARACTERS.sub("", name)


def cell_value(value: object) -> object:
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


def capped(rows: Iterable[list[object]], name: str, *, max_rows: int) -> Iterator[list[object]]:
    """The rows of sheet ``name``, refused past ``max_rows``."""
    for count, row in enumerate(rows, start=1):
        if count > max_rows:
            raise too_many_rows_error(name, max_rows)
        yield row
