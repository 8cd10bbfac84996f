"""Roster files as village clerks make them, built in memory for the tests."""

import csv
import io
from collections.abc import Sequence

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
