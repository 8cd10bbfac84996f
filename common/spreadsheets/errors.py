"""Why an uploaded spreadsheet is refused: :class:`SpreadsheetError` and its messages.

Each message tells a village clerk what to do about the file.
"""

from common.spreadsheets import limits
from common.translatable import gettext as _


class SpreadsheetError(Exception):
    """A file that cannot be read; str(error) is a message a village clerk can act on."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def not_spreadsheet_error() -> SpreadsheetError:
    return SpreadsheetError(
        "not_spreadsheet",
        _(
            "This file is not a spreadsheet. Upload an Excel workbook (.xlsx or .xls) or a "
            "CSV file (.csv)."
        ),
    )


def macro_error() -> SpreadsheetError:
    return SpreadsheetError(
        "macro",
        _(
            "This workbook contains macros, which are not accepted. Save it as an Excel "
            "Workbook (.xlsx) without macros and upload that file."
        ),
    )


def password_error() -> SpreadsheetError:
    return SpreadsheetError(
        "password",
        _(
            "This workbook is protected by a password. Open it, remove the password, save it "
            "and upload it again."
        ),
    )


def corrupt_error() -> SpreadsheetError:
    return SpreadsheetError(
        "corrupt",
        _(
            "The file is damaged or incomplete and cannot be read. Open it in Excel or WPS, "
            "save it again and send the new file."
        ),
    )


def zip_bomb_error() -> SpreadsheetError:
    return SpreadsheetError(
        "zip_bomb",
        _(
            "This file unpacks to far more data than a roster can hold, so it was not opened. "
            "Copy the roster into a new workbook, save it and upload that file."
        ),
    )


def unsafe_xml_error() -> SpreadsheetError:
    return SpreadsheetError(
        "unsafe_xml",
        _(
            "This file contains XML declarations that spreadsheets do not use, so it was not "
            "opened. Open it in Excel or WPS, save it again and upload the new file."
        ),
    )


def too_many_cells_error(*, row: int, column: str, max_rows: int) -> SpreadsheetError:
    """``column``: the column's letters."""
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
            "column": column,
            "max_rows": f"{max_rows:,}",
            "max_columns": limits.MAX_COLUMNS,
        },
    )


def cell_budget_error(cells: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_cells",
        _(
            "The sheets of this file span at least %(cells)s cells (every row and column up to "
            "the last filled cell), but at most %(limit)s cells are accepted. Delete any empty "
            "rows and columns after the data (or copy just the data into a new workbook), or "
            "split the roster into several files."
        )
        % {"cells": f"{cells:,}", "limit": f"{limits.MAX_CELLS:,}"},
    )


def too_many_sheets_error(count: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_sheets",
        _(
            "This workbook has at least %(count)s sheets, but at most %(limit)s are accepted. "
            "Delete the sheets that are not part of the roster, or split it into several files."
        )
        % {"count": f"{count:,}", "limit": f"{limits.MAX_SHEETS:,}"},
    )


def too_much_text_error() -> SpreadsheetError:
    return SpreadsheetError(
        "too_much_text",
        _(
            "This workbook holds more text than a roster does: at most %(count)s different "
            "texts and %(size)s MB of text are accepted. Copy just the roster into a new "
            "workbook, save it and upload that file."
        )
        % {
            "count": f"{limits.MAX_SHARED_STRINGS:,}",
            "size": megabytes(limits.MAX_SHARED_STRINGS_BYTES),
        },
    )


def long_cell_error() -> SpreadsheetError:
    return SpreadsheetError(
        "long_cell",
        _(
            "A cell in this file holds more than %(limit)s characters, the most a cell can "
            "hold in Excel. Delete that cell's text, save the file and upload it again."
        )
        % {"limit": f"{limits.MAX_CELL_CHARS:,}"},
    )


def csv_line_error(line: int) -> SpreadsheetError:
    return SpreadsheetError(
        "long_line",
        _(
            "Line %(line)s of the CSV file is longer than %(limit)s characters, far longer "
            "than a roster's row. Open the file in Excel or WPS, delete what does not belong "
            "to the roster, save it and upload it again."
        )
        % {"line": f"{line:,}", "limit": f"{limits.MAX_CSV_LINE_CHARS:,}"},
    )


def csv_columns_error(row: int, columns: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_columns",
        _(
            "Row %(row)s of the CSV file has %(columns)s columns, but at most %(limit)s "
            "columns are accepted. Delete the columns after the data, save the file and "
            "upload it again."
        )
        % {"row": f"{row:,}", "columns": f"{columns:,}", "limit": limits.MAX_COLUMNS},
    )


def megabytes(size: int) -> str:
    """Rounded up to one decimal, so a file just over the limit never shows the limit."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths / 10:g}"


def too_many_rows_error(name: str, max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_rows",
        _(
            'Sheet "%(sheet)s" has more than %(limit)s rows. Split the roster into several '
            "files of at most %(limit)s rows each."
        )
        % {"sheet": name, "limit": f"{max_rows:,}"},
    )
