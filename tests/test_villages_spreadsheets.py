"""Tests for common/spreadsheets: reading roster uploads and refusing hostile files.

Every file is built here (openpyxl, xlwt, zipfile or plain bytes); see tests/spreadsheet_files.
"""

import datetime
import gc
import resource
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
import xlwt
from django.utils import translation
from openpyxl.workbook.workbook import Workbook

from common.spreadsheets import limits
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from common.spreadsheets.sheets import Sheet
from tests.spreadsheet_files import (
    MACRO_CONTENT_TYPE,
    MAIN,
    encrypted_xlsx,
    raw_xlsx,
    simple_xls,
    xls_bytes,
    xls_renamed_stream,
    xls_with_directory_entry,
    xls_with_filepass,
    xls_with_macro_sheet,
    xlsx_bytes,
    zip_bytes,
)

# An 18-digit resident ID typed into Excel as a number: Excel keeps 15 significant digits.
RESIDENT_ID_AS_NUMBER = 371702198506150021
# Excel date-times carry no time zone, and the reader returns them naive.
REGISTERED_AT = datetime.datetime(2024, 3, 1, 9, 30)  # noqa: DTZ001

TOO_LARGE = (
    "The file is 1.1 MB; files up to 1 MB are accepted. Remove pictures, unused sheets and "
    "empty rows, or split the roster into several files."
)
EMPTY = "The file is empty. Choose the roster file again and upload it."
NOT_SPREADSHEET = (
    "This file is not a spreadsheet. Upload an Excel workbook (.xlsx or .xls) or a CSV file (.csv)."
)
WEB_PAGE = (
    "This file is a web page with no table of data in it, not a roster. Export the roster as "
    "Excel from the system again, or copy the table into Excel or WPS, save it as an Excel "
    "Workbook (.xlsx) and upload that file."
)
MACRO = (
    "This workbook contains macros, which are not accepted. Save it as an Excel Workbook "
    "(.xlsx) without macros and upload that file."
)
PASSWORD = (
    "This workbook is protected by a password. Open it, remove the password, save it and "
    "upload it again."
)
ZIP_BOMB = (
    "This file unpacks to far more data than a roster can hold, so it was not opened. Copy "
    "the roster into a new workbook, save it and upload that file."
)
UNSAFE_XML = (
    "This file contains XML declarations that spreadsheets do not use, so it was not opened. "
    "Open it in Excel or WPS, save it again and upload the new file."
)
CORRUPT = (
    "The file is damaged or incomplete and cannot be read. Open it in Excel or WPS, save it "
    "again and send the new file."
)
ENCODING = (
    "The CSV file is not in a text encoding that can be read (UTF-8 or GBK). Open it in Excel "
    'or WPS and save it as "CSV UTF-8", or as an Excel Workbook (.xlsx).'
)


def too_many_cells(row: str, column: str, max_rows: str = "150,000") -> str:
    return (
        f"A sheet in this workbook reaches row {row} and column {column}, but at most "
        f"{max_rows} rows and 100 columns are accepted. Delete any empty rows and columns "
        "after the data (or copy just the data into a new workbook); if the roster really is "
        "that long, split it into several files."
    )


def too_many_rows(sheet: str, limit: str) -> str:
    return (
        f'Sheet "{sheet}" has more than {limit} rows. Split the roster into several files of '
        f"at most {limit} rows each."
    )


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English; locale/ will carry the Chinese."""
    with translation.override("en"):
        yield


def read_all(sheets: list[Sheet]) -> dict[str, list[list[object]]]:
    return {sheet.name: list(sheet.rows) for sheet in sheets}


def refusal(data: bytes, filename: str, **limits: int) -> SpreadsheetError:
    """The error read_sheets raises, up front or while the rows are read."""
    with pytest.raises(SpreadsheetError) as caught:
        read_all(read_sheets(data, filename=filename, **limits))
    return caught.value


# --- Real files are read.


def roster_workbook(workbook: Workbook) -> None:
    sheet = workbook.active
    sheet.title = "户籍"
    sheet.append(["户主", "人口", "收入", "登记日期", "脱贫"])
    sheet.append(["张三", 3, 2.5, datetime.date(2024, 3, 1), True])
    sheet.append(["李四", "", None, REGISTERED_AT, False])
    hidden = workbook.create_sheet("旧名单")
    hidden.sheet_state = "hidden"
    hidden.append(["王五"])
    very_hidden = workbook.create_sheet("配置")
    very_hidden.sheet_state = "veryHidden"
    very_hidden.append(["x"])
    workbook.create_chartsheet("图表")


def test_xlsx_sheets_come_back_with_hidden_flags_and_typed_values() -> None:
    sheets = read_sheets(xlsx_bytes(roster_workbook), filename="花名册.xlsx")

    assert [(sheet.name, sheet.hidden) for sheet in sheets] == [
        ("户籍", False),
        ("旧名单", True),
        ("配置", True),
    ]
    assert read_all(sheets) == {
        "户籍": [
            ["户主", "人口", "收入", "登记日期", "脱贫"],
            ["张三", 3, 2.5, datetime.date(2024, 3, 1), True],
            ["李四", None, None, REGISTERED_AT, False],
        ],
        "旧名单": [["王五"]],
        "配置": [["x"]],
    }


def test_whole_numbers_come_back_as_int_and_resident_ids_typed_as_numbers_as_float() -> None:
    def numbers(workbook: Workbook) -> None:
        workbook.active.append([3.0, -2, 999_999_999_999_999, RESIDENT_ID_AS_NUMBER, 1e15])

    [row] = next(iter(read_sheets(xlsx_bytes(numbers), filename="a.xlsx"))).rows

    assert row == [3, -2, 999_999_999_999_999, float(RESIDENT_ID_AS_NUMBER), 1e15]
    assert [type(value) for value in row] == [int, int, int, float, float]


def xls_roster(workbook: xlwt.Workbook) -> None:
    sheet = workbook.add_sheet("户籍")
    for column, value in enumerate(["户主", "人口", "身份证号"]):
        sheet.write(0, column, value)
    sheet.write(1, 0, "张三")
    sheet.write(1, 1, 3)
    sheet.write(1, 2, RESIDENT_ID_AS_NUMBER)
    sheet.write(2, 1, datetime.date(2024, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    hidden = workbook.add_sheet("旧名单")
    hidden.visibility = 1
    hidden.write(0, 0, "王五")


def test_xls_sheets_come_back_with_hidden_flags_and_typed_values() -> None:
    sheets = read_sheets(xls_bytes(xls_roster), filename="花名册.xls")

    assert [(sheet.name, sheet.hidden) for sheet in sheets] == [("户籍", False), ("旧名单", True)]
    assert read_all(sheets) == {
        "户籍": [
            ["户主", "人口", "身份证号"],
            ["张三", 3, float(RESIDENT_ID_AS_NUMBER)],
            [None, datetime.date(2024, 3, 1), None],
        ],
        "旧名单": [["王五"]],
    }


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("花名册.xls", xlsx_bytes(lambda workbook: workbook.active.append(["户主", 3]))),
        ("花名册.xlsx", xls_bytes(lambda w: w.add_sheet("Sheet").row(0).write(0, "户主"))),
    ],
    ids=["xlsx named xls", "xls named xlsx"],
)
def test_a_workbook_with_the_wrong_extension_is_read_by_its_real_type(
    filename: str, data: bytes
) -> None:
    [sheet] = read_sheets(data, filename=filename)

    assert next(sheet.rows)[0] == "户主"


def merged_xlsx(workbook: Workbook) -> None:
    sheet = workbook.active
    sheet["A1"] = "2024年双联户花名册"
    sheet.merge_cells("A1:C1")
    sheet.append(["村", "户主", "人口"])
    sheet.append(["河西村", "张三", 3])
    sheet.append([None, "李四", 2])
    sheet.append([None, "王五", 4])
    sheet.merge_cells("A3:A5")
    sheet.append(["河东村", "赵六", 1])


def merged_xls(workbook: xlwt.Workbook) -> None:
    sheet = workbook.add_sheet("户籍")
    sheet.write_merge(0, 0, 0, 2, "2024年双联户花名册")
    rows = [["村", "户主", "人口"], [None, "张三", 3], [None, "李四", 2], [None, "王五", 4]]
    rows.append(["河东村", "赵六", 1])
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(index, column, value)
    sheet.write_merge(2, 4, 0, 0, "河西村")


@pytest.mark.parametrize(
    ("filename", "data"),
    [("a.xlsx", xlsx_bytes(merged_xlsx)), ("a.xls", xls_bytes(merged_xls))],
    ids=["xlsx", "xls"],
)
def test_a_vertically_merged_cell_is_filled_down_but_a_merged_title_is_not_filled_across(
    filename: str, data: bytes
) -> None:
    [sheet] = read_sheets(data, filename=filename)

    assert list(sheet.rows) == [
        ["2024年双联户花名册", None, None],
        ["村", "户主", "人口"],
        ["河西村", "张三", 3],
        ["河西村", "李四", 2],
        ["河西村", "王五", 4],
        ["河东村", "赵六", 1],
    ]


def test_rows_keep_their_positions_when_the_data_starts_below_and_right_of_a1() -> None:
    def offset(workbook: Workbook) -> None:
        workbook.active["C3"] = "户主"
        workbook.active["D4"] = 3

    [sheet] = read_sheets(xlsx_bytes(offset), filename="a.xlsx")

    assert list(sheet.rows) == [
        [None, None, None, None],
        [None, None, None, None],
        [None, None, "户主", None],
        [None, None, None, 3],
    ]


CSV_TEXT = "户主,人口,备注\n张三,3,\n李四,,低保户\n"
CSV_ROWS = [["户主", "人口", "备注"], ["张三", "3", None], ["李四", None, "低保户"]]


@pytest.mark.parametrize(
    "data",
    [
        CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("utf-8-sig"),
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.replace(",", "\t").encode("utf-8"),
        CSV_TEXT.replace(",", ";").encode("gbk"),
        CSV_TEXT.replace("\n", "\r\n").encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gbk", "tab-delimited", "semicolons in gbk", "utf-16"],
)
def test_csv_text_is_read_as_one_sheet_named_after_the_file(data: bytes) -> None:
    [sheet] = read_sheets(data, filename="C:\\Users\\村委会\\河西村.csv")

    assert (sheet.name, sheet.hidden) == ("河西村", False)
    assert list(sheet.rows) == CSV_ROWS


def test_rows_are_read_lazily() -> None:
    data = "".join(f"户{i},{i}\n" for i in range(5)).encode()

    [sheet] = read_sheets(data, filename="roster.csv", max_rows=3)

    assert isinstance(sheet.rows, Iterator)
    assert [next(sheet.rows) for _ in range(3)] == [["户0", "0"], ["户1", "1"], ["户2", "2"]]
    with pytest.raises(SpreadsheetError) as caught:
        next(sheet.rows)
    assert (caught.value.code, str(caught.value)) == ("too_many_rows", too_many_rows("roster", "3"))


# --- Refusals.


def half(build: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: (data := build())[: len(data) // 2]


def simple_xlsx() -> bytes:
    return xlsx_bytes(lambda workbook: workbook.active.append(["户主", "人口"]))


DOCTYPE = '<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY lol "lol">]>\n'
LONG_PROLOG = '<?xml version="1.0"?>\n' + "<!-- padding -->" * 5000 + DOCTYPE[22:]
SHEET = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'


@pytest.mark.parametrize(
    ("filename", "build", "code", "message"),
    [
        ("a.xlsx", lambda: b"", "empty", EMPTY),
        (
            "a.xlsx",
            lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "not_spreadsheet",
            NOT_SPREADSHEET,
        ),
        ("a.xls", lambda: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not_spreadsheet", NOT_SPREADSHEET),
        (
            "a.xlsx",
            lambda: zip_bytes({"word/document.xml": b"<w:document/>"}),
            "not_spreadsheet",
            NOT_SPREADSHEET,
        ),
        (
            "a.doc.xls",
            lambda: xls_renamed_stream("Workbook", "Document"),
            "not_spreadsheet",
            NOT_SPREADSHEET,
        ),
        ("a.xlsx", lambda: bytes(range(256)) * 4, "not_spreadsheet", NOT_SPREADSHEET),
        ("户主,人口.txt", lambda: CSV_TEXT.encode(), "not_spreadsheet", NOT_SPREADSHEET),
        (
            "a.xls",
            lambda: b"<!DOCTYPE html>\n<html><table><tr><td>x</td></tr></table>",
            "web_page",
            WEB_PAGE,
        ),
        (
            "a.XLS",
            lambda: "\ufeff \r\n<table><tr><td>户主</td></tr></table>".encode(),
            "web_page",
            WEB_PAGE,
        ),
        ("a.xls", lambda: "<html><body>户主</body></html>".encode("utf-16"), "web_page", WEB_PAGE),
        ("a.xlsm", simple_xlsx, "macro", MACRO),
        ("a.xlsx", lambda: raw_xlsx("", extra_parts={"xl/vbaProject.bin": b"\0"}), "macro", MACRO),
        ("a.xlsx", lambda: raw_xlsx("", workbook_content_type=MACRO_CONTENT_TYPE), "macro", MACRO),
        ("a.xls", lambda: xls_with_directory_entry("_VBA_PROJECT_CUR"), "macro", MACRO),
        ("a.xls", xls_with_macro_sheet, "macro", MACRO),
        ("a.xlsx", encrypted_xlsx, "password", PASSWORD),
        ("a.xls", xls_with_filepass, "password", PASSWORD),
        ("a.xlsx", lambda: raw_xlsx(sheet_xml=DOCTYPE + SHEET), "unsafe_xml", UNSAFE_XML),
        (
            "a.xlsx",
            lambda: raw_xlsx(workbook_xml=DOCTYPE + "<workbook/>"),
            "unsafe_xml",
            UNSAFE_XML,
        ),
        (
            "a.xlsx",
            lambda: raw_xlsx(
                "", extra_parts={"xl/sharedStrings.xml": (DOCTYPE + "<sst/>").encode()}
            ),
            "unsafe_xml",
            UNSAFE_XML,
        ),
        ("a.xlsx", lambda: raw_xlsx(sheet_xml=LONG_PROLOG + SHEET), "unsafe_xml", UNSAFE_XML),
        ("a.xlsx", half(simple_xlsx), "corrupt", CORRUPT),
        ("a.xls", half(simple_xls), "corrupt", CORRUPT),
        ("a.xlsx", lambda: raw_xlsx(sheet_xml="<worksheet><sheetData><row>"), "corrupt", CORRUPT),
        ("a.csv", lambda: b"\xd6\xd0,\xff\xfe\x80\n", "encoding", ENCODING),
    ],
    ids=[
        "empty",
        "pdf",
        "png",
        "word document",
        "word 97 document",
        "random bytes",
        "text file",
        "html page named xls",
        "html table after a BOM",
        "utf-16 html",
        "xlsm name",
        "vba project",
        "macro-enabled content type",
        "xls with vba",
        "xls with excel 4 macro sheet",
        "password-protected xlsx",
        "password-protected xls",
        "doctype in a sheet",
        "entity in the workbook",
        "doctype in shared strings",
        "doctype after a long prolog",
        "xlsx cut in half",
        "xls cut in half",
        "unfinished sheet xml",
        "csv in no known encoding",
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_message_the_clerk_can_act_on(
    filename: str, build: Callable[[], bytes], code: str, message: str
) -> None:
    error = refusal(build(), filename)

    assert (error.code, str(error)) == (code, message)


def test_the_size_cap_is_checked_before_the_file_is_parsed() -> None:
    # A zip signature followed by junk would otherwise be refused as damaged.
    data = b"PK\x03\x04" + bytes(1024 * 1024)

    error = refusal(data, "a.xlsx", max_bytes=1024 * 1024)

    assert (error.code, str(error)) == ("too_large", TOO_LARGE)


def test_an_error_while_reading_rows_is_a_spreadsheet_error_too() -> None:
    # A cell pointing at a shared string the workbook does not have.
    data = raw_xlsx('<row r="1"><c r="A1" t="s"><v>7</v></c></row>')

    [sheet] = read_sheets(data, filename="a.xlsx")

    with pytest.raises(SpreadsheetError) as caught:
        next(sheet.rows)
    assert (caught.value.code, str(caught.value)) == ("corrupt", CORRUPT)


@pytest.mark.parametrize(
    "parts",
    [
        {f"xl/media/image{i}.png": b"" for i in range(10_001)},
        {"xl/media/image1.png": bytes(11 * 1024 * 1024)},
    ],
    ids=["more than 10,000 members", "one member compressed more than 200 to 1"],
)
def test_zip_bombs_are_refused(parts: dict[str, bytes]) -> None:
    error = refusal(raw_xlsx("", extra_parts=parts), "a.xlsx")

    assert (error.code, str(error)) == ("zip_bomb", ZIP_BOMB)


def test_a_workbook_unpacking_beyond_the_uncompressed_limit_is_a_zip_bomb(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED", 100_000)
    # Incompressible, so only the total size trips the check.
    noise = bytes((i * 7919) % 251 for i in range(100_000))

    error = refusal(raw_xlsx("", extra_parts={"xl/media/image1.png": noise}), "a.xlsx")

    assert (error.code, str(error)) == ("zip_bomb", ZIP_BOMB)


FAR_CELL = '<row r="200000"><c r="GR200000"><v>1</v></c></row>'


@pytest.mark.parametrize("dimension", ["A1:GR200000", None], ids=["declared", "undeclared"])
def test_a_tiny_workbook_with_a_far_cell_is_refused_quickly_and_without_memory(
    dimension: str | None,
) -> None:
    data = raw_xlsx(FAR_CELL, dimension=dimension)
    assert len(data) < 4096
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = refusal(data, "a.xlsx")
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

    assert (error.code, str(error)) == ("too_many_cells", too_many_cells("200,000", "GR"))
    assert elapsed < 2
    assert peak < 200 * 1024 * 1024
    assert rss_growth < 200 * 1024


@pytest.mark.parametrize(
    ("build", "row", "column"),
    [
        # The reader ignores <dimension>, so a small one must not hide a far cell.
        (lambda: raw_xlsx(FAR_CELL, dimension="A1:B2"), "200,000", "GR"),
        (lambda: raw_xlsx('<row r="1"><c r="gr3"><v>1</v></c></row>'), "3", "GR"),
        (lambda: raw_xlsx("<row r='2'><c r = 'A0150001'><v>1</v></c></row>"), "150,001", "A"),
        # Cells without a reference follow each other, row by row.
        (lambda: raw_xlsx("<row/>" * 3 + "<row>" + "<c><v>1</v></c>" * 101 + "</row>"), "4", "CW"),
        (lambda: raw_xlsx('<row r="150001"><c><v>1</v></c></row>'), "150,001", "A"),
        (lambda: xls_bytes(lambda w: w.add_sheet("a").write(3, 100, 1)), "4", "CW"),
    ],
    ids=[
        "xlsx declaring a small dimension",
        "lower-case reference",
        "single quotes, spaces and leading zeros",
        "cells without references",
        "row reference only",
        "xls",
    ],
)
def test_cells_beyond_the_limits_are_refused_however_they_are_written(
    build: Callable[[], bytes], row: str, column: str
) -> None:
    error = refusal(build(), "a.xlsx")

    assert (error.code, str(error)) == ("too_many_cells", too_many_cells(row, column))


def test_the_row_limit_can_be_lowered() -> None:
    data = xlsx_bytes(lambda workbook: [workbook.active.append([i]) for i in range(4)])

    error = refusal(data, "a.xlsx", max_rows=3)

    assert (error.code, str(error)) == ("too_many_cells", too_many_cells("4", "A", "3"))
