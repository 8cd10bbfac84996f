"""The report as a workbook in the shape of a statistical form (统计报表).

Sheet one: the title across the table, the reporting unit and period, two rows of headers
(groups over their columns), a row per division, the total, and the signatures' line; printed
on A4 landscape, as wide as the page, the headers repeated on every page. Sheet two: the
rankings. Sheet three: the overdue needs and the summary.
"""

import datetime
import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from common.exports import FORMULA_TRIGGERS, _xlsx_value
from shuanglian.reports import texts
from shuanglian.reports.columns import COUNT, MONEY, SHARE, Column, columns, groups
from shuanglian.reports.figures import ReportFigures, etc

FORMATS = {COUNT: "#,##0", SHARE: "0.0%", MONEY: "#,##0.00"}
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
BOLD = Font(bold=True)
# Rows of the first sheet: title, unit and time, two header rows, then the data.
TITLE_ROW, INFO_ROW, GROUP_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4, 5


def put(
    sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None
) -> Any:
    """Write a cell; text that a spreadsheet would take for a formula stays text."""
    value = _xlsx_value(value)
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def workbook(figures: ReportFigures, *, made_on: datetime.date) -> Workbook:
    book = Workbook()
    _form(book.active, figures, made_on)
    _rankings(book.create_sheet(_("Rankings")), figures)
    _overdue(book.create_sheet(_("Overdue needs")), figures)
    return book


def workbook_bytes(figures: ReportFigures, *, made_on: datetime.date) -> bytes:
    buffer = io.BytesIO()
    workbook(figures, made_on=made_on).save(buffer)
    return buffer.getvalue()


def _form(sheet: Worksheet, figures: ReportFigures, made_on: datetime.date) -> None:
    sheet.title = figures.period.kind_label[:31]
    cols = columns()
    width = len(cols) + 1
    last = get_column_letter(width)

    put(sheet, TITLE_ROW, 1, texts.title(figures)).font = TITLE_FONT
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.cell(TITLE_ROW, 1).alignment = CENTRE
    sheet.row_dimensions[TITLE_ROW].height = 30

    half = width // 2
    put(sheet, INFO_ROW, 1, texts.reporting_unit(figures))
    sheet.merge_cells(start_row=INFO_ROW, start_column=1, end_row=INFO_ROW, end_column=half)
    put(sheet, INFO_ROW, half + 1, texts.reporting_time(figures))
    sheet.merge_cells(start_row=INFO_ROW, start_column=half + 1, end_row=INFO_ROW, end_column=width)
    sheet.cell(INFO_ROW, half + 1).alignment = Alignment(horizontal="right")

    put(sheet, GROUP_ROW, 1, figures.division_label)
    sheet.merge_cells(start_row=GROUP_ROW, start_column=1, end_row=HEADER_ROW, end_column=1)
    column = 2
    for group in groups():
        put(sheet, GROUP_ROW, column, group.label)
        end = column + len(group.columns) - 1
        if end > column:
            sheet.merge_cells(
                start_row=GROUP_ROW, start_column=column, end_row=GROUP_ROW, end_column=end
            )
        for offset, col in enumerate(group.columns):
            put(sheet, HEADER_ROW, column + offset, col.label)
        column = end + 1
    for row in (GROUP_ROW, HEADER_ROW):
        for column in range(1, width + 1):
            cell = sheet.cell(row, column)
            cell.font, cell.alignment, cell.border = BOLD, CENTRE, BOX
    sheet.row_dimensions[HEADER_ROW].height = 45

    row = FIRST_DATA_ROW
    for data in figures.rows:
        _data_row(sheet, row, data.name, data, cols)
        row += 1
    _data_row(sheet, row, _("Total"), figures.total, cols, bold=True)
    footer = row + 2
    put(sheet, footer, 1, texts.footer(made_on))
    sheet.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=width)
    put(sheet, footer + 1, 1, texts.notes(figures))
    sheet.merge_cells(start_row=footer + 1, start_column=1, end_row=footer + 1, end_column=width)
    sheet.cell(footer + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[footer + 1].height = 48

    sheet.column_dimensions["A"].width = 18
    for index, col in enumerate(cols, start=2):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if col.kind == MONEY else 10
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 2)
    _print_setup(sheet, f"{GROUP_ROW}:{HEADER_ROW}")


def _data_row(
    sheet: Worksheet, row: int, name: str, data: Any, cols: list[Column], *, bold: bool = False
) -> None:
    put(sheet, row, 1, name).border = BOX
    for index, col in enumerate(cols, start=2):
        cell = put(sheet, row, index, col.value(data), FORMATS[col.kind])
        cell.border = BOX
        if bold:
            cell.font = BOLD
    if bold:
        sheet.cell(row, 1).font = BOLD
        sheet.cell(row, 1).alignment = CENTRE


def _print_setup(sheet: Worksheet, title_rows: str | None) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if title_rows:
        sheet.print_title_rows = title_rows


def _rankings(sheet: Worksheet, figures: ReportFigures) -> None:
    put(sheet, 1, 1, texts.rankings_title(figures)).font = TITLE_FONT
    sheet.merge_cells("A1:D1")
    row = 3
    for heading, ranked in (
        (_("Townships"), figures.townships),
        (_("Units"), figures.units),
    ):
        put(sheet, row, 1, heading).font = BOLD
        row += 1
        for column, label in enumerate((_("Rank"), _("Name"), _("Score")), start=1):
            cell = put(sheet, row, column, label)
            cell.font, cell.border, cell.alignment = BOLD, BOX, CENTRE
        row += 1
        if not ranked:
            put(sheet, row, 1, _("Nothing to rank here yet."))
            row += 1
        for item in ranked:
            put(sheet, row, 1, item.rank).border = BOX
            put(sheet, row, 2, item.name).border = BOX
            put(sheet, row, 3, item.score, "0.0").border = BOX
            row += 1
        row += 1
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 10
    _print_setup(sheet, None)
    sheet.page_setup.orientation = "portrait"


def _overdue(sheet: Worksheet, figures: ReportFigures) -> None:
    put(sheet, 1, 1, pgettext("report", "Summary")).font = BOLD
    put(sheet, 2, 1, figures.summary).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells("A2:F2")
    sheet.row_dimensions[2].height = 60
    headers = (
        _("Village or community"),
        pgettext("report", "Household"),
        _("Category"),
        _("Raised on"),
        _("Handled by"),
        _("Days without progress"),
    )
    for column, label in enumerate(headers, start=1):
        cell = put(sheet, 4, column, label)
        cell.font, cell.border, cell.alignment = BOLD, BOX, CENTRE
    row = 5
    for need in figures.overdue:
        for column, value in enumerate(
            (
                need.village,
                need.household,
                need.category,
                need.raised_on,
                need.level,
                need.days_without_progress,
            ),
            start=1,
        ):
            cell = put(sheet, row, column, value, "yyyy-mm-dd" if column == 4 else None)
            cell.border = BOX
        row += 1
    if figures.overdue_more:
        put(sheet, row, 1, etc(figures.total.needs_overdue).lstrip(", ，"))
    elif not figures.overdue:
        put(sheet, row, 1, _("No need is overdue."))
    for column, width in zip("ABCDEF", (28, 28, 14, 12, 14, 10), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A5"
    _print_setup(sheet, "4:4")
