"""Reading a CSV file: its encoding, its delimiter, and lines and rows no roster has."""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import PureWindowsPath

from common.spreadsheets import limits
from common.spreadsheets.errors import (
    SpreadsheetError,
    cell_budget_error,
    corrupt_error,
    csv_columns_error,
    csv_line_error,
    long_cell_error,
)
from common.spreadsheets.sheets import Sheet, capped, printable
from common.translatable import gettext as _

_CSV_SAMPLE_CHARS = 8 * 1024
# Lines longer than a roster's, found at their start without following every line.
_LONG_CSV_LINE = re.compile(rf"[\n\r][^\n\r]{{{limits.MAX_CSV_LINE_CHARS + 1}}}")
_LONG_CSV_LINE_AT_START = re.compile(rf"[^\n\r]{{{limits.MAX_CSV_LINE_CHARS + 1}}}")


def read_csv(data: bytes, *, filename: str, max_rows: int) -> Sheet:
    """A CSV file as one sheet named after the file, its rows read lazily."""
    text = _decode_csv(data)
    _check_csv_lines(text)
    delimiter = _sniff_delimiter(text)
    # Delimiters inside quoted cells count too: an upper bound, found without parsing.
    fields = text.count(delimiter) + text.count("\n") + (not text.endswith("\n"))
    if fields > limits.MAX_CELLS:
        raise cell_budget_error(fields)
    name = printable(PureWindowsPath(filename).stem)
    rows = _csv_rows(text, delimiter=delimiter)
    return Sheet(name=name, hidden=False, rows=capped(rows, name, max_rows=max_rows))


def _check_csv_lines(text: str) -> None:
    long_line = _LONG_CSV_LINE.search(text) or _LONG_CSV_LINE_AT_START.match(text)
    if long_line:
        raise csv_line_error(text.count("\n", 0, long_line.start() + 1) + 1)


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
            if len(row) > limits.MAX_COLUMNS:
                # Trailing empty cells (",,,") are what some systems pad every line with.
                if any(row[limits.MAX_COLUMNS :]):
                    columns = max(i for i, cell in enumerate(row, start=1) if cell)
                    raise csv_columns_error(number, columns)
                del row[limits.MAX_COLUMNS :]
            if row and max(map(len, row)) > limits.MAX_CELL_CHARS:
                raise long_cell_error()
            yield [cell or None for cell in row]
    except csv.Error as error:
        if "field limit" in str(error):
            raise long_cell_error() from error
        raise corrupt_error() from error
