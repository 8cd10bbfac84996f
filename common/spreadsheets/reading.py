"""Turn an uploaded household-roster file (.xlsx, .xls or .csv) into sheets of raw cell rows.

Uploads come from village clerks' computers and from other systems' exports, so nothing about
them is trusted. Before any parser sees a file, these modules refuse, with a message the clerk
can act on:

- files that are too large or empty, and files that are not spreadsheets whatever their name
  (PDFs, pictures, Word documents, web pages saved as .xls);
- workbooks with macros and password-protected workbooks;
- zip bombs (a small .xlsx that expands to gigabytes) and cell bombs: a few-KB workbook with
  a header in A1 and one more cell at CV150000 makes the reader allocate a dense grid of 15
  million cells (half a gigabyte). The reader sizes that grid from the cells it finds, not
  from the declared ``<dimension>``, so every worksheet is scanned, not just its header, and
  the grids of all sheets together (rows × columns up to each sheet's last cell) must fit in
  ``limits.MAX_CELLS``; so must a CSV file's fields;
- more sheets, more distinct texts (shared strings) or longer cells than a roster has, and
  CSV lines or rows far wider than a roster's;
- XML with a document type declaration or entities (billion laughs, external entities);
- truncated or damaged files, and CSV text in an encoding other than UTF-8 or GB18030.

Every refusal is a :class:`SpreadsheetError`, also while rows are being read lazily; no other
exception escapes.
"""

import codecs
from pathlib import PureWindowsPath

from common.spreadsheets.csv import read_csv
from common.spreadsheets.errors import (
    SpreadsheetError,
    macro_error,
    megabytes,
    not_spreadsheet_error,
)
from common.spreadsheets.limits import MAX_BYTES, MAX_ROWS
from common.spreadsheets.sheets import Sheet
from common.spreadsheets.xls import read_xls
from common.spreadsheets.xlsx import read_xlsx
from common.translatable import gettext as _

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")


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
            % {"size": megabytes(len(data)), "limit": megabytes(max_bytes)},
        )
    if not data:
        raise SpreadsheetError(
            "empty", _("The file is empty. Choose the roster file again and upload it.")
        )
    suffix = PureWindowsPath(filename).suffix.lower()
    if suffix in _MACRO_SUFFIXES:
        raise macro_error()
    if data.startswith(_ZIP_MAGIC):
        return read_xlsx(data, max_rows=max_rows)
    if data.startswith(_OLE2_MAGIC):
        return read_xls(data, max_rows=max_rows)
    if suffix == ".csv":
        return [read_csv(data, filename=filename, max_rows=max_rows)]
    if suffix == ".xls" and _is_markup(data):
        raise SpreadsheetError(
            "html",
            _(
                "This file is a web page saved with an .xls name, not a real Excel workbook. "
                'Open it in Excel or WPS, choose "Save As", pick the Excel Workbook (.xlsx) '
                "type and upload the new file."
            ),
        )
    raise not_spreadsheet_error()


def _is_markup(data: bytes) -> bool:
    """True for HTML (or XML) text: what many systems export under an .xls name."""
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    return text.lstrip().startswith("<")
