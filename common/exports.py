"""Spreadsheets we hand out (.xlsx and .csv), written so that no cell is ever evaluated.

A cell whose text starts with ``= + - @`` (or a tab or carriage return) is a formula to
Excel, WPS and LibreOffice. django-import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``
(4.4.3) only deletes the first ``=`` (``==1`` still evaluates), leaves ``+ - @`` alone and
turns every cell into text (``None``, ``5``), so the admin uses the formats below instead:
they keep the value exactly and change only how it is stored.

- .xlsx: such text is written as a text cell with Excel's quote prefix, never as a formula.
- .csv: such text gets a leading ``'`` (the OWASP convention); reading our own CSV back
  removes exactly that quote, so an export re-imports unchanged.
"""

import datetime
import decimal
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import tablib
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm
from import_export.resources import ModelResource
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
CSV_GUARD = "'"
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))
_HEADER_FONT = Font(bold=True)
# Columns sized to their values no wider than this (a long reason wraps in Excel anyway).
_MAX_WIDTH = 60

# Sent after every spreadsheet import or export, with ``request``, ``action`` ("import" or
# "export"), ``model``, ``rows``, ``details`` and optionally ``user`` and ``ip``, who acted
# and from where (by default the request's; a command or the worker has no request); the audit
# trail listens (villages cannot know it).
transferred = Signal()

# One sheet: its title, its header row and its data rows (any iterable, read once).
SheetSpec = tuple[str, Sequence[object], Iterable[Sequence[object]]]


def _looks_like_formula(text: str) -> bool:
    return text[:1] in FORMULA_TRIGGERS


def formula_safe(value: object) -> object:
    """The value for a CSV cell: text a spreadsheet would evaluate gets a leading quote.

    Text that already starts with quotes before such a character gets one more, so that
    :func:`formula_unsafe` can always undo exactly what was added.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and _looks_like_formula(value.lstrip(CSV_GUARD)):
        return CSV_GUARD + value
    return value


def formula_unsafe(value: object) -> object:
    """Undo :func:`formula_safe` on a cell read from a CSV file."""
    if (
        isinstance(value, str)
        and value.startswith(CSV_GUARD)
        and _looks_like_formula(value.lstrip(CSV_GUARD))
    ):
        return value[len(CSV_GUARD) :]
    return value


def _sheet_title(title: str) -> str:
    """Excel refuses some characters and more than 31 characters in a sheet name."""
    cleaned = str(title).translate(_SHEET_TITLE_FORBIDDEN).strip("'")[:SHEET_TITLE_MAX]
    return cleaned or "Sheet1"


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(
        value, bool | int | float | decimal.Decimal | datetime.date | datetime.time
    ):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # Excel has no time zones: write the local wall-clock time.
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    # Control characters make an invalid file; they cannot be typed in a cell anyway.
    return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", str(value))


def _cell(sheet: WriteOnlyWorksheet, value: object, *, font: Font | None = None) -> Cell:
    value = _xlsx_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and _looks_like_formula(value):
        # openpyxl makes "=…" a formula cell; a text cell shows the same characters. The
        # quote prefix keeps it text in Excel even when someone edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def xlsx_cell(
    sheet: WriteOnlyWorksheet,
    value: object,
    *,
    font: Font | None = None,
    number_format: str | None = None,
) -> Cell:
    """One cell of a write-only sheet, written as :func:`write_xlsx_sheets` writes its cells
    (formula-like text stays text), for workbooks laid out by hand: titles, totals, formats."""
    cell = _cell(sheet, value, font=font)
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_value(
    sheet: WriteOnlyWorksheet,
    value: object,
    *,
    font: Font | None = None,
    number_format: str | None = None,
) -> object:
    """What to append for one value: the value itself where openpyxl writes it unchanged and
    unstyled, else a cell from :func:`xlsx_cell`. openpyxl takes plain values on a fast path
    and each cell object on a slow one, which tells on sheets of tens of thousands of rows."""
    if value is None:
        return None
    if font is None and number_format is None:
        plain = _xlsx_value(value)
        if not (isinstance(plain, str) and _looks_like_formula(plain)):
            return plain
    return xlsx_cell(sheet, value, font=font, number_format=number_format)


def xlsx_sheet_title(title: str) -> str:
    """``title`` as Excel accepts a sheet name: no ``[]:*?/\\``, at most 31 characters."""
    return _sheet_title(title)


def _column_width(header: object) -> float:
    text = "" if header is None else str(header)
    # CJK characters are about twice as wide as Latin ones.
    width = sum(2 if ord(char) > 0x2E80 else 1 for char in text)
    return max(10, width + 2)


def digits_text(value: object) -> object:
    """A number Excel made of a digit string (an ID, a phone) as those digits again.

    A float keeps at most 15–17 significant digits: what is left is written, and the
    missing ones come out as the zeros Excel itself shows.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(decimal.Decimal(repr(value))))
    return value


def write_xlsx_sheets(
    sheets: Iterable[SheetSpec],
    *,
    text_columns: Callable[[Sequence[object]], Iterable[int]] | None = None,
    fit_widths: bool = False,
) -> bytes:
    """An .xlsx workbook with one sheet per ``(title, headers, rows)``, written row by row.

    Text stays text (leading zeros of ID numbers and codes are kept, formula-like text is
    not evaluated); numbers, dates and booleans keep their type; ``None`` is an empty cell.
    ``text_columns`` names, from a sheet's headers, the columns of digit strings (IDs,
    phones): they are formatted as text and numbers in them written as their digits.
    ``fit_widths`` sizes each column to its longest value (the rows are read first).
    """
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=_sheet_title(title))
        texts = set(text_columns(headers)) if text_columns and headers else set()
        if texts:
            rows = (
                [digits_text(value) if i in texts else value for i, value in enumerate(row)]
                for row in rows
            )
        widths = [_column_width(header) for header in headers or ()]
        if fit_widths:
            rows = list(rows)
            for row in rows:
                for index, value in enumerate(row[: len(widths)]):
                    widths[index] = max(widths[index], min(_column_width(value), _MAX_WIDTH))
        if headers:
            for index, width in enumerate(widths, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.freeze_panes = "A2"
            sheet.append([_cell(sheet, header, font=_HEADER_FONT) for header in headers])
        for row in rows:
            cells = [_cell(sheet, value) for value in row]
            for index in texts:
                if index < len(cells):
                    cells[index].number_format = "@"
            sheet.append(cells)
    if not workbook.worksheets:
        workbook.create_sheet(title="Sheet1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(
    headers: Sequence[object], rows: Iterable[Sequence[object]], *, sheet_title: str
) -> bytes:
    """An .xlsx workbook with a single sheet; see :func:`write_xlsx_sheets`."""
    return write_xlsx_sheets([(sheet_title, headers, rows)])


class XLSXFormat(base_formats.XLSX):
    """django-import-export's .xlsx, written by :func:`write_xlsx`."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        return write_xlsx(dataset.headers or [], dataset, sheet_title=dataset.title or "")


class CSVFormat(base_formats.CSV):
    """django-import-export's .csv, with formula-like text guarded by a leading quote."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return _mapped(dataset, formula_safe).export("csv", **kwargs)

    def create_dataset(self, in_stream: str | bytes, **kwargs: Any) -> tablib.Dataset:
        return _mapped(super().create_dataset(in_stream, **kwargs), formula_unsafe)


def _mapped(dataset: tablib.Dataset, convert: Callable[[Any], Any]) -> tablib.Dataset:
    """A copy of the dataset with every header and cell passed through ``convert``."""
    headers = [convert(header) for header in dataset.headers] if dataset.headers else None
    result = tablib.Dataset(headers=headers)
    for row in dataset:
        result.append([convert(value) for value in row])
    return result


# The only formats the admin offers, for import and export alike; .xlsx first (the default).
ADMIN_FORMATS = [XLSXFormat, CSVFormat]


class ColumnExportForm(SelectableFieldsExportForm):
    """The export form, its column tick boxes labelled with the column headers alone."""

    def _get_field_label(self, resource: type[ModelResource], field_name: str) -> str:
        field = resource.fields.get(field_name)
        return str(field.column_name) if field else field_name


def list_filters(request: HttpRequest) -> dict[str, str]:
    """The list filters and search a download was made with, as recorded in the audit trail."""
    return {key: value for key, value in request.GET.items() if value}


class _AnnouncedExportMixin(ExportMixin):
    def export_action(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # The list's filters come along in the address; ones the list cannot apply are the
        # client's mistake (400), as the list itself answers them, not a server error.
        try:
            return super().export_action(request, *args, **kwargs)
        except IncorrectLookupParameters as error:
            raise BadRequest(str(error)) from None

    def get_export_filename(self, request: HttpRequest, queryset: Any, file_format: Any) -> str:
        """农户-2026-12-02.xlsx: the model's name in the reader's language, not the class's."""
        name = str(self.model._meta.verbose_name)
        return f"{name}-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def _do_file_export(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super()._do_file_export(file_format, request, queryset, **kwargs)
        # django-import-export quotes the name as it is; a Chinese name needs RFC 5987's
        # filename*, with a plain ASCII fallback for old clients.
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format)
        )
        return response

    def get_data_for_export(self, request: HttpRequest, queryset: Any, **kwargs: Any) -> Any:
        data = super().get_data_for_export(request, queryset, **kwargs)
        transferred.send(
            sender=type(self),
            request=request,
            action="export",
            model=self.model,
            rows=len(data),
            details={"filters": list_filters(request)},
        )
        return data


class SpreadsheetExportMixin(_AnnouncedExportMixin):
    """Admin export of the filtered list as .xlsx or .csv, for whoever may see the list."""

    formats = ADMIN_FORMATS
    export_form_class = ColumnExportForm
    # Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
    to_encoding = "utf-8-sig"

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)


class SpreadsheetImportExportMixin(ImportExportMixin, _AnnouncedExportMixin):
    """Admin import (with preview) and export as .xlsx or .csv.

    Importing adds and changes records, so it needs both permissions; django-import-export
    alone lets anyone who can open the admin import.
    """

    formats = ADMIN_FORMATS
    export_form_class = ColumnExportForm
    to_encoding = "utf-8-sig"

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # The confirm form names the uploaded file kept between preview and confirm; a name
        # that is gone (an expired or forged form) or not a spreadsheet is sent back to upload.
        try:
            return super().process_import(request, **kwargs)
        except (OSError, ValueError, zipfile.BadZipFile):
            messages.error(
                request, gettext("The uploaded file is no longer available: choose it again.")
            )
            meta = self.model._meta
            return redirect(f"admin:{meta.app_label}_{meta.model_name}_import")

    def process_result(self, result: Any, request: HttpRequest) -> Any:
        totals = {key: count for key, count in result.totals.items() if count}
        transferred.send(
            sender=type(self),
            request=request,
            action="import",
            model=self.model,
            rows=sum(totals.values()),
            details={"totals": totals},
        )
        return super().process_result(result, request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)
