"""Hostile uploads are refused quickly, within a memory bound, with a message naming the limit.

The files are the ones benchmarks/hostile_files.py measures; each is refused before the
reader materialises its cells.
"""

import gc
import io
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest
from django.utils import translation

from benchmarks import hostile_files
from benchmarks.hostile_files import HostileFile, header_row, xlsx
from common.spreadsheets import limits
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from tests.roster_files import csv_bytes

CELLS = (
    "此文件的工作表至少占{cells}个单元格（从第一行第一列算到最后一个有内容的单元格），"
    "但最多只接受3,000,000个单元格。请删除数据之后的空行和空列（或只把数据复制到新工作簿），"
    "或把花名册拆成几个文件。"
)
SHEETS = (
    "此工作簿至少有1,001个工作表，但最多只接受1,000个。请删除不属于花名册的工作表，或拆成几个文件。"
)
TEXT = (
    "此工作簿中的文字远多于一份花名册：最多只接受1,000,000条不同的文字、共48 MB。"
    "请只把花名册复制到新工作簿，保存后上传新文件。"
)
LONG_CELL = (
    "此文件中有单元格超过32,767个字符（Excel单元格的上限）。请删除该单元格的内容，保存后重新上传。"
)
LONG_LINE = (
    "CSV文件第2行超过100,000个字符，远超花名册的一行。请用Excel或WPS打开，"
    "删除不属于花名册的内容，保存后重新上传。"
)
COLUMNS = "CSV文件第2行有200列，但最多只接受100列。请删除数据之后的列，保存后重新上传。"
EXTENT = (
    "工作簿中有工作表延伸到第{row}行、第CW列，但最多只接受150,000行、100列。请删除数据之后的空行和"
    "空列（或只把数据复制到新工作簿）；如花名册确实这么长，请拆成几个文件。"
)
ROWS = "工作表“{sheet}”超过150,000行。请把花名册拆成几个文件，每个不超过150,000行。"
UNSAFE_XML = (
    "此文件含有电子表格不使用的XML声明，未予打开。请用Excel或WPS打开后重新保存，再上传新文件。"
)
EXPORT_AGAIN = (
    "请从系统中重新导出Excel，或把表格复制到Excel或WPS中，另存为“Excel工作簿(.xlsx)”后上传。"
)
CORRUPT = "文件已损坏或不完整，无法读取。请用Excel或WPS打开后重新保存，再上传新文件。"

EXPECTED = {
    "xlsx: A1 and CV150000": CELLS.format(cells="15,000,000"),
    "xlsx: 4,000,000 cells without references": CELLS.format(cells="3,057,759"),
    "xlsx: 1,001 sheets": SHEETS,
    "xlsx: 150 sheets of 300,000 cells": CELLS.format(cells="3,000,004"),
    "xlsx: 1,000,001 shared strings": TEXT,
    "xlsx: 50 MB of shared strings": TEXT,
    "xlsx: one 1,000,000-character string": LONG_CELL,
    "xlsx: one 200,000-character cell": LONG_CELL,
    "xls: A1 and CV65536": CELLS.format(cells="6,553,600"),
    "xls: 1,001 sheets": SHEETS,
    "xls: SST of 100,000,000 texts": TEXT,
    "csv: 40 rows of 500,000 empty cells": LONG_LINE,
    "csv: 40,000 rows of 100 cells": CELLS.format(cells="4,000,003"),
    "csv: a row of 200 filled cells": COLUMNS,
    "csv: one 1,000,000-character cell": LONG_CELL,
    "xml: billion laughs": UNSAFE_XML,
    "xml: external entity": UNSAFE_XML,
    "xml: 200,000 nested elements": CORRUPT,
    "xml: cells merged 1,000,000 down": EXTENT.format(row=2),
    "xml: 1,000,000 empty cells, 200 a row": EXTENT.format(row=1),
    "xml: a row at 150,001": ROWS.format(sheet="Sheet1"),
    "html: 200,000 nested tables": "此网页中的表格层层嵌套超过32层，不是花名册的样子。"
    + EXPORT_AGAIN,
    "html: 1,000,000 empty cells in a row": EXTENT.format(row=1),
    "html: 1,000,000 empty cells with rowspan": EXTENT.format(row=2),
    "html: 150,001 rows": ROWS.format(sheet="表格1"),
    "html: 40,000 rows of colspan=100": CELLS.format(cells="3,000,100"),
    "html: 3,100,000 cells": CELLS.format(cells="3,100,010"),
    "html: 1,000,000 empty cells in 10,000 rows": "此文件是网页，其中没有数据表格，不是花名册。"
    + EXPORT_AGAIN,
}
REFUSED = [hostile for hostile in hostile_files.FILES if hostile.refused_with]


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield


def read_everything(data: bytes, filename: str) -> int:
    return sum(1 for sheet in read_sheets(data, filename=filename) for _row in sheet.rows)


def test_every_refused_benchmark_file_has_its_message_here() -> None:
    assert sorted(EXPECTED) == sorted(hostile.name for hostile in REFUSED)


@pytest.mark.parametrize("hostile", REFUSED, ids=[hostile.name for hostile in REFUSED])
def test_a_hostile_file_is_refused_in_under_two_seconds_and_200_mb_naming_the_limit(
    hostile: HostileFile,
) -> None:
    data = hostile.build()
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError) as caught:
        read_everything(data, hostile.filename)
    elapsed = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    # Again, for the Python objects made on the way (tracemalloc slows the reading down).
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError):
            read_everything(data, hostile.filename)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (caught.value.code, str(caught.value)) == (hostile.refused_with, EXPECTED[hostile.name])
    assert elapsed < 2
    assert peak < 200 * 1024 * 1024
    # The reader (native code, unseen by tracemalloc) never allocated the grid.
    assert rss_growth < 200 * 1024


def test_a_sheet_at_the_cell_limit_is_still_read() -> None:
    assert read_everything(hostile_files.at_the_limit_xlsx(), "a.xlsx") == 150_000


def test_a_far_cell_written_before_the_others_is_found() -> None:
    # The last cell of the part is A1; the far one comes first, out of order.
    data = xlsx(['<row r="150000"><c r="CV150000"><v>1</v></c></row>' + header_row()])

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(data, "a.xlsx")

    assert str(caught.value) == CELLS.format(cells="15,000,000")


def test_a_sheet_written_backwards_is_measured_exactly() -> None:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="U{n}"><v>1</v></c></row>'
        for n in range(3_000, 0, -1)
    )

    assert read_everything(xlsx([rows]), "a.xlsx") == 3_000


def test_a_sheet_ending_on_its_first_cell_is_taken_to_reach_the_row_limit() -> None:
    # Its last cell says nothing of how far the others reach, and following them one by one
    # would cost a regex each: past a few hundred, the sheet is taken to reach the row limit.
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="U{n}"><v>1</v></c></row>'
        for n in range(1, 3_001)
    )

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(xlsx([rows + '<row r="1"><c r="A1"><v>1</v></c></row>']), "a.xlsx")

    # 150,000 rows of 21 columns, though the sheet has 3,000 rows.
    assert str(caught.value) == CELLS.format(cells="3,150,000")


def test_a_workbook_naming_one_worksheet_twice_is_refused_as_damaged() -> None:
    # The reader would load the part twice, beyond the cells counted once.
    source = zipfile.ZipFile(io.BytesIO(xlsx([header_row()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/workbook.xml":
                content = content.replace(
                    b"</sheets>", b'<sheet name="again" sheetId="2" r:id="rId1"/></sheets>'
                )
            target.writestr(member.filename, content)

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(buffer.getvalue(), "a.xlsx")

    assert str(caught.value) == CORRUPT


def test_a_csv_padded_with_empty_columns_is_read_without_them() -> None:
    data = csv_bytes([["户主姓名", "身份证号码", *[""] * 150], ["张三", "1", *[""] * 150]])

    rows = list(read_sheets(data, filename="a.csv")[0].rows)

    assert rows == [["户主姓名", "身份证号码", *[None] * 98], ["张三", "1", *[None] * 98]]


def test_a_csv_cell_over_the_excel_limit_is_refused_even_below_the_csv_modules_own() -> None:
    data = csv_bytes([["户主姓名", "地址"], ["张三", "x" * 40_000]])

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(data, "a.csv")

    assert str(caught.value) == LONG_CELL


def test_the_cell_limit_applies_to_every_sheet_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CELLS", 5)
    data = xlsx([header_row(), header_row()])  # 3 cells each

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(data, "a.xlsx")

    assert str(caught.value).startswith("此文件的工作表至少占6个单元格")


def test_control_characters_are_left_out_of_sheet_names() -> None:
    data = xlsx([header_row()], names=["表&#7;1"])

    assert [sheet.name for sheet in read_sheets(data, filename="a.xlsx")] == ["表1"]


def test_cells_without_references_are_placed_after_each_other_in_numbered_rows() -> None:
    rows = header_row() + '<row r="150000">' + "<c><v>1</v></c>" * 30 + "</row>"

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(xlsx([rows]), "a.xlsx")

    assert str(caught.value) == CELLS.format(cells="4,500,000")


def test_a_sheet_of_cells_without_references_is_read() -> None:
    rows = ("<row>" + "<c><v>1</v></c>" * 10 + "</row>") * 1_000

    assert read_everything(xlsx([rows]), "a.xlsx") == 1_000


def test_a_long_text_is_found_whatever_characters_it_holds() -> None:
    text = ("张" * 999 + "&gt;>") * 60
    cell = f'<c r="A2" t="inlineStr"><is><t>{text}</t></is></c>'

    with pytest.raises(SpreadsheetError) as caught:
        read_everything(xlsx([header_row() + f'<row r="2">{cell}</row>']), "a.xlsx")

    assert str(caught.value) == LONG_CELL


def test_a_text_just_within_a_cell_is_read() -> None:
    cell = '<c r="A2" t="inlineStr"><is><t>' + "x" * 32_767 + "</t></is></c>"

    assert read_everything(xlsx([header_row() + f'<row r="2">{cell}</row>']), "a.xlsx") == 2
