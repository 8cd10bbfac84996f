"""Turn an uploaded household-roster file into sheets of raw cell rows: .xlsx, .xls, .csv, and
the XML Spreadsheet 2003 documents and HTML tables other systems export as "Excel" (``markup``).

Uploads come from village clerks' computers and from other systems' exports, so nothing about
them is trusted. Before any parser sees a file, these modules refuse, with a message the clerk
can act on:

- files that are too large or empty, and files that are not spreadsheets whatever their name
  (PDFs, pictures, Word documents, web pages and login pages with no table, other XML);
- workbooks with macros and password-protected workbooks;
- zip bombs (a small .xlsx that expands to gigabytes) and cell bombs: a few-KB workbook with
  a header in A1 and one more cell at CV150000 makes the reader allocate a dense grid of 15
  million cells (half a gigabyte). The reader sizes that grid from the cells it finds, not
  from the declared ``<dimension>``, so every worksheet is scanned, not just its header, and
  the grids of all sheets together (rows × columns up to each sheet's last cell) must fit in
  ``limits.MAX_CELLS``; so must a CSV file's fields;
- more sheets, more distinct texts (shared strings) or longer cells than a roster has, and
  CSV lines or rows far wider than a roster's;
- XML with a document type declaration or entities (billion laughs, external entities), and
  tables nested deeper than any export's;
- truncated or damaged files, and CSV text in an encoding other than UTF-8 or GB18030.

Every refusal is a :class:`SpreadsheetError`, also while rows are being read lazily; no other
exception escapes.
"""

from pathlib import PureWindowsPath

from common.spreadsheets import markup
from common.spreadsheets.csv import read_csv
from common.spreadsheets.errors import (
    SpreadsheetError,
    macro_error,
    megabytes,
    not_spreadsheet_error,
)
from common.spreadsheets.html_tables import read_html_tables
from common.spreadsheets.limits import MAX_BYTES, MAX_ROWS
from common.spreadsheets.sheets import Sheet
from common.spreadsheets.xls import read_xls
from common.spreadsheets.xlsx import read_xlsx
from common.spreadsheets.xml2003 import read_xml2003
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
    if markup.is_markup(data):
        # What other systems' 导出Excel writes, whatever the file is called.
        if markup.kind(data) == markup.XML_SPREADSHEET:
            return read_xml2003(data, max_rows=max_rows)
        return read_html_tables(data, max_rows=max_rows)
    raise not_spreadsheet_error()
