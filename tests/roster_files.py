"""Roster files as village clerks make them, built in memory for the tests."""

import csv
import datetime
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

import openpyxl
import xlwt

Rows = Sequence[Sequence[object]]

TITLE = "东明县沙沃镇蔡寨村农户花名册"
HEADER = ["序号", "户主姓名", "身份证号码", "联系电话", "家庭人口", "户类型", "家庭住址"]


def xlsx(
    sheets: dict[str, Rows],
    *,
    hidden: Sequence[str] = (),
    merges: Sequence[str] = (),
    formula_text: bool = False,
) -> bytes:
    """An .xlsx with one sheet per entry; ``merges`` apply to the first sheet.

    With ``formula_text``, texts starting with "=" are text cells (typed into a column
    formatted as text), not formulas.
    """
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row] if formula_text else ():
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        if name in hidden:
            sheet.sheet_state = "hidden"
    first = book.worksheets[0]
    for cells in merges:
        first.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls(rows: Rows, *, sheet: str = "Sheet1") -> bytes:
    """An Excel 97-2003 .xls, as WPS still saves them."""
    book = xlwt.Workbook(encoding="utf-8")
    page = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                page.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Rows, *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def clerk_roster(households: Rows) -> list[list[object]]:
    """A single-village roster with the title, filler lines, totals and signatures around it."""
    return [
        [TITLE, None, None, None, None, None, None],
        ["填报单位：沙沃镇人民政府", None, None, None, "填报日期：2026年11月", None, None],
        HEADER,
        *[[n, *row] for n, row in enumerate(households, start=1)],
        [None] * 7,
        [
            "合计",
            None,
            None,
            None,
            sum(
                int(str(r[3]).rstrip("人")) for r in households if str(r[3]).rstrip("人").isdigit()
            ),
            None,
            None,
        ],
        ["填表人：王会计", None, None, "审核人：张书记", None, None, None],
    ]


ASSIGNMENT_TITLE = "市委组织部干部联系户名单"
ASSIGNMENT_HEADER = ["序号", "单位", "干部姓名", "职务", "干部手机", "户主姓名", "户主身份证号"]


def unit_assignment_list(links: Rows) -> list[list[object]]:
    """A unit's cadre ↔ household list with the title, filler lines and signatures around it."""
    return [
        [ASSIGNMENT_TITLE, None, None, None, None, None, None],
        ["填报单位：市委组织部（盖章）", None, None, None, "填报日期：2026年11月", None, None],
        ASSIGNMENT_HEADER,
        *[[n, *row] for n, row in enumerate(links, start=1)],
        [None] * 7,
        ["合计", None, f"{len(links)}户", None, None, None, None],
        ["填表人：王干事", None, None, "审核人：李部长", None, None, None],
    ]


SPREADSHEET_2003 = "urn:schemas-microsoft-com:office:spreadsheet"


def xml_spreadsheet(
    sheets: dict[str, Rows],
    *,
    hidden: Sequence[str] = (),
    spans: dict[tuple[str, int, int], tuple[int, int]] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """An XML Spreadsheet 2003 document, as Java systems' 导出Excel write under an .xls name.

    Empty cells are left out and the next cell says where it is (``ss:Index``), as Excel
    writes; ``spans`` maps (sheet, row, column), 1-based, to (MergeAcross, MergeDown). Numbers
    are ss:Type="Number" and dates DateTime; cells covered by a merge are left out.
    """
    spans = spans or {}
    covered = {
        (name, row + down, column + across)
        for (name, row, column), (right, below) in spans.items()
        for down in range(below + 1)
        for across in range(right + 1)
        if down or across
    }
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<?mso-application progid="Excel.Sheet"?>\n'
        f'<Workbook xmlns="{SPREADSHEET_2003}" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel"'
        f' xmlns:ss="{SPREADSHEET_2003}" xmlns:html="http://www.w3.org/TR/REC-html40">'
    ]
    for name, rows in sheets.items():
        parts.append(f'<Worksheet ss:Name="{escape(name)}"><Table>')
        skipped_row = False
        for r, row in enumerate(rows, start=1):
            if not any(value is not None for value in row):
                skipped_row = True
                continue
            parts.append(f'<Row ss:Index="{r}">' if skipped_row else "<Row>")
            skipped_row = False
            skipped = False
            for c, value in enumerate(row, start=1):
                if value is None or (name, r, c) in covered:
                    skipped = True
                    continue
                attributes = f' ss:Index="{c}"' if skipped else ""
                skipped = False
                right, below = spans.get((name, r, c), (0, 0))
                attributes += f' ss:MergeAcross="{right}"' if right else ""
                attributes += f' ss:MergeDown="{below}"' if below else ""
                parts.append(f"<Cell{attributes}>{_xml_data(value)}</Cell>")
            parts.append("</Row>")
        parts.append("</Table>")
        if name in hidden:
            parts.append(
                '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
                "<Visible>SheetHidden</Visible></WorksheetOptions>"
            )
        parts.append("</Worksheet>")
    parts.append("</Workbook>")
    return "".join(parts).encode(encoding)


def _xml_data(value: object) -> str:
    if isinstance(value, bool):
        return f'<Data ss:Type="Boolean">{int(value)}</Data>'
    if isinstance(value, int | float):
        return f'<Data ss:Type="Number">{value}</Data>'
    if isinstance(value, datetime.date):
        # A date is written at midnight, as Excel writes one; a datetime with its time.
        time = f"{value:%H:%M:%S}" if isinstance(value, datetime.datetime) else "00:00:00"
        return f'<Data ss:Type="DateTime">{value:%Y-%m-%d}T{time}.000</Data>'
    return f'<Data ss:Type="String">{escape(str(value))}</Data>'


def html_table(
    rows: Rows,
    *,
    encoding: str = "utf-8",
    meta: bool = True,
    text_columns: Sequence[int] = (),
    spans: dict[tuple[int, int], tuple[int, int]] | None = None,
    header_cells: bool = True,
    before: str = "",
) -> bytes:
    """A web page holding the roster as a ``<table>``, as many systems' 导出Excel write it.

    ``text_columns`` (0-based) carry ``mso-number-format:"\\@"``; ``spans`` maps (row, column),
    0-based, to (colspan, rowspan), and the cells they cover are left out; the first row
    holding the header is written with ``<th>``; ``before`` goes in the body before the table.
    """
    spans = spans or {}
    covered = {
        (row + down, column + across)
        for (row, column), (wide, tall) in spans.items()
        for down in range(tall)
        for across in range(wide)
        if down or across
    }
    charset = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
    lines = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel">',
        f"<head>{charset if meta else ''}<title>导出</title>"
        "<style>td {font-size: 12px}</style></head><body>",
        before,
        '<table border="1">',
    ]
    for r, row in enumerate(rows):
        header = header_cells and any(value in HEADER for value in row)
        tag = "th" if header else "td"
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            attributes = ""
            wide, tall = spans.get((r, c), (1, 1))
            attributes += f' colspan="{wide}"' if wide > 1 else ""
            attributes += f" rowspan={tall}" if tall > 1 else ""
            if c in text_columns and not header:
                attributes += " style='mso-number-format:\"\\@\"'"
            text = "" if value is None else escape(str(value))
            cells.append(f"<{tag}{attributes}>{text}</{tag}>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines).encode(encoding)
