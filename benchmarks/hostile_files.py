"""Hostile spreadsheet uploads: how long each takes to be refused, and how much memory.

    .venv/bin/python benchmarks/hostile_files.py

Builds each file in memory (sparse grids, many sheets, huge shared strings, giant cells,
their .xls equivalents, CSV files with huge lines, fields or columns, XML Spreadsheet 2003 and
HTML tables with entities, deep nesting, spans and a million empty cells) and a plain 1,000-row
roster as the same-run baseline, then reads each in a fresh process, as an upload is read
(every row of every sheet), and prints per file: its size, what happened (the refusal, or the
rows read), the seconds the reading took, the child's peak resident memory, and both as a
ratio to the baseline. No database is needed.

The builders are shared with tests/test_villages_hostile_files.py.
"""

import io
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlwt

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import ENVIRONMENT, ROOT, machine
from benchmarks.import_roster import write_roster

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEADER = ["户主姓名", "身份证号码", "联系电话"]


@dataclass(frozen=True)
class HostileFile:
    name: str
    filename: str
    build: Callable[[], bytes]
    # The SpreadsheetError code it is refused with; None: read (the baseline, the limit).
    refused_with: str | None


# --- Builders.


def xlsx(
    sheets: list[str], *, shared_strings: bytes | None = None, names: list[str] | None = None
) -> bytes:
    """A workbook whose sheets' <sheetData> contents (and names, as XML) are written by hand."""
    names = names or [f"表{n}" for n in range(1, len(sheets) + 1)]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{WORKSHEET_TYPE}"/>'
        for n in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": (
            f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            f'main+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'{DECLARATION}<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            + "".join(
                f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{DECLARATION}<Relationships xmlns="{PACKAGE}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, len(sheets) + 1)
            )
            + (
                f'<Relationship Id="rIdS" Type="{RELATIONSHIPS}/sharedStrings" '
                'Target="sharedStrings.xml"/>'
                if shared_strings is not None
                else ""
            )
            + "</Relationships>"
        ),
    }
    buffer = io.BytesIO()
    # The fastest compression: the hostile files are large only once unpacked.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
        for n, sheet_data in enumerate(sheets, start=1):
            archive.writestr(
                f"xl/worksheets/sheet{n}.xml",
                f'{DECLARATION}<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}'
                "</sheetData></worksheet>".encode(),
            )
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def header_row() -> str:
    cells = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip("ABC", HEADER, strict=True)
    )
    return f'<row r="1">{cells}</row>'


def sparse_corner_xlsx() -> bytes:
    """A header in A1 and one more cell at CV150000: within the row and column limits, but
    the reader would allocate 15 million cells (half a gigabyte)."""
    return xlsx([header_row() + '<row r="150000"><c r="CV150000"><v>1</v></c></row>'])


def at_the_limit_xlsx() -> bytes:
    """A header in A1 and a cell at T150000: 3,000,000 cells, just accepted."""
    return xlsx([header_row() + '<row r="150000"><c r="T150000"><v>1</v></c></row>'])


def unreferenced_cells_xlsx() -> bytes:
    """4,000,000 cells without references (the reader places each after the one before)."""
    return xlsx([("<row>" + "<c><v>1</v></c>" * 100 + "</row>") * 40_000])


def many_sheets_xlsx() -> bytes:
    return xlsx([header_row()] * 1_001)


def many_sparse_sheets_xlsx() -> bytes:
    """150 sheets of 300,000 cells each: every sheet is allowed, together they are not."""
    return xlsx([header_row() + '<row r="15000"><c r="T15000"><v>1</v></c></row>'] * 150)


def shared_strings(items: list[bytes]) -> bytes:
    return (
        (
            f'{DECLARATION}<sst xmlns="{MAIN}" count="{len(items)}" uniqueCount="{len(items)}">'
        ).encode()
        + b"".join(b"<si><t>" + item + b"</t></si>" for item in items)
        + b"</sst>"
    )


def many_shared_strings_xlsx() -> bytes:
    items = [str(n).encode() for n in range(1_000_001)]
    return xlsx([header_row()], shared_strings=shared_strings(items))


def large_shared_strings_xlsx() -> bytes:
    """50 MB of distinct texts that still compress 5 to 1 (the zip-bomb check allows that)."""
    words = [chr(0x4E00 + n).encode() * 2 for n in range(256)]
    generator = random.Random(0)
    texts = [b"".join(generator.choices(words, k=500)) for _ in range(4096)]
    count = 50 * 1024 * 1024 // 3_000
    items = [texts[n * 7919 % 4096] + str(n).encode() for n in range(count)]
    return xlsx([header_row()], shared_strings=shared_strings(items))


def giant_shared_string_xlsx() -> bytes:
    return xlsx([header_row()], shared_strings=shared_strings([b"x" * 1_000_000]))


def giant_inline_cell_xlsx() -> bytes:
    cell = '<c r="A2" t="inlineStr"><is><t>' + "张" * 200_000 + "</t></is></c>"
    return xlsx([header_row() + f'<row r="2">{cell}</row>'])


def xls(build: Callable[[xlwt.Workbook], None]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_header(sheet: xlwt.Worksheet) -> None:
    for column, text in enumerate(HEADER):
        sheet.write(0, column, text)


def sparse_corner_xls() -> bytes:
    """The .xls equivalent: 65,536 rows by 100 columns, 6.5 million cells."""

    def build(book: xlwt.Workbook) -> None:
        sheet = book.add_sheet("户籍")
        xls_header(sheet)
        sheet.write(65535, 99, 1)

    return xls(build)


def many_sheets_xls() -> bytes:
    return xls(lambda book: [xls_header(book.add_sheet(f"表{n}")) for n in range(1_001)])


def many_shared_strings_xls() -> bytes:
    """An SST record that announces 100 million distinct texts."""

    def build(book: xlwt.Workbook) -> None:
        sheet = book.add_sheet("户籍")
        xls_header(sheet)

    data = bytearray(xls(build))
    # SST: record 0x00FC, then cstTotal and cstUnique (the three header texts).
    at = data.index(struct.pack("<II", 3, 3), data.index(b"\xfc\x00"))
    struct.pack_into("<I", data, at + 4, 100_000_000)
    return bytes(data)


def wide_empty_csv() -> bytes:
    """40 rows of 500,000 empty cells: 20 MB."""
    return (",".join(HEADER) + "\n").encode() + (b"," * 499_999 + b"\n") * 40


def many_fields_csv() -> bytes:
    """40,000 lines of 100 one-digit cells: 4 million cells in 8 MB."""
    return (",".join(HEADER) + "\n").encode() + (b"1," * 99 + b"1\n") * 40_000


def wide_csv() -> bytes:
    row = ",".join(["张三", "110101199003074512", *["x"] * 198])
    return (",".join(HEADER) + "\n" + row + "\n").encode()


def huge_field_csv() -> bytes:
    """One quoted cell of a million characters over many short lines."""
    field = ("x" * 79 + "\n") * 12_500
    return (",".join(HEADER) + '\n张三,"' + field + '",1\n').encode()


SPREADSHEET_2003 = "urn:schemas-microsoft-com:office:spreadsheet"
XML_HEAD = (
    f'<?xml version="1.0"?>\n<Workbook xmlns="{SPREADSHEET_2003}" xmlns:ss="{SPREADSHEET_2003}">'
)


def billion_laughs_xml() -> bytes:
    """XML Spreadsheet 2003 whose one cell expands to a billion "lol"s."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{(f"&lol{n - 1};" if n > 1 else "&lol;") * 10}">' for n in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n'
        f'<Workbook xmlns="{SPREADSHEET_2003}">'
        "<Worksheet><Table><Row><Cell><Data>&lol9;</Data></Cell></Row></Table></Worksheet>"
        "</Workbook>"
    ).encode()


def external_entity_xml() -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY id SYSTEM "file:///etc/passwd">]>\n'
        f'<Workbook xmlns="{SPREADSHEET_2003}"><Worksheet><Table><Row><Cell><Data>&id;</Data>'
        "</Cell></Row></Table></Worksheet></Workbook>"
    ).encode()


def deep_xml() -> bytes:
    return (XML_HEAD + "<a>" * 200_000).encode()


def merge_down_xml() -> bytes:
    """Two rows of 60 cells, each merged a million rows down: the second row has no room."""
    row = "<Row>" + '<Cell ss:MergeDown="1000000"/>' * 60 + "</Row>"
    return (XML_HEAD + "<Worksheet><Table>" + row * 2 + "</Table></Worksheet></Workbook>").encode()


def wide_xml() -> bytes:
    """1,000,000 empty cells, 200 to a row."""
    row = "<Row>" + "<Cell/>" * 200 + "</Row>"
    return (
        XML_HEAD + "<Worksheet><Table>" + row * 5_000 + "</Table></Worksheet></Workbook>"
    ).encode()


def far_row_xml() -> bytes:
    return (XML_HEAD + '<Worksheet><Table><Row ss:Index="150001"/>').encode()


def nested_tables_html() -> bytes:
    return ("<table><tr><td>" * 200_000).encode()


def wide_html() -> bytes:
    return ("<table><tr>" + "<td></td>" * 1_000_000 + "</tr></table>").encode()


def rowspan_html() -> bytes:
    """1,000,000 empty cells in rows of 100, each reaching nine rows down."""
    row = "<tr>" + "<td rowspan=9></td>" * 100 + "</tr>"
    return ("<table>" + row * 10_000 + "</table>").encode()


def long_html() -> bytes:
    return ("<table>" + "<tr><td>蔡</td><td>1</td></tr>" * 150_001 + "</table>").encode()


def colspan_html() -> bytes:
    """40,000 rows of one cell 100 columns wide: 4,000,000 cells of grid."""
    return ("<table>" + '<tr><td colspan="100">x</td></tr>' * 40_000 + "</table>").encode()


def many_cells_html() -> bytes:
    return ("<table>" + "<tr><td>x</td></tr>" * 10 + "<td>" * 3_100_000).encode()


def empty_html() -> bytes:
    """1,000,000 empty cells in 10,000 rows of 100: within the limits, and no roster."""
    return ("<table>" + ("<tr>" + "<td></td>" * 100 + "</tr>") * 10_000 + "</table>").encode()


def baseline_roster() -> bytes:
    buffer = io.BytesIO()
    write_roster(buffer, 1_000)  # type: ignore[arg-type]
    return buffer.getvalue()


BASELINE = HostileFile("plain 1,000-row roster (baseline)", "roster.xlsx", baseline_roster, None)
FILES = [
    HostileFile("xlsx: A1 and CV150000", "sparse.xlsx", sparse_corner_xlsx, "too_many_cells"),
    HostileFile("xlsx: A1 and T150000 (at the limit)", "limit.xlsx", at_the_limit_xlsx, None),
    HostileFile(
        "xlsx: 4,000,000 cells without references",
        "cells.xlsx",
        unreferenced_cells_xlsx,
        "too_many_cells",
    ),
    HostileFile("xlsx: 1,001 sheets", "sheets.xlsx", many_sheets_xlsx, "too_many_sheets"),
    HostileFile(
        "xlsx: 150 sheets of 300,000 cells", "grids.xlsx", many_sparse_sheets_xlsx, "too_many_cells"
    ),
    HostileFile(
        "xlsx: 1,000,001 shared strings", "sst.xlsx", many_shared_strings_xlsx, "too_much_text"
    ),
    HostileFile(
        "xlsx: 50 MB of shared strings", "sstmb.xlsx", large_shared_strings_xlsx, "too_much_text"
    ),
    HostileFile(
        "xlsx: one 1,000,000-character string", "long.xlsx", giant_shared_string_xlsx, "long_cell"
    ),
    HostileFile(
        "xlsx: one 200,000-character cell", "cell.xlsx", giant_inline_cell_xlsx, "long_cell"
    ),
    HostileFile("xls: A1 and CV65536", "sparse.xls", sparse_corner_xls, "too_many_cells"),
    HostileFile("xls: 1,001 sheets", "sheets.xls", many_sheets_xls, "too_many_sheets"),
    HostileFile(
        "xls: SST of 100,000,000 texts", "sst.xls", many_shared_strings_xls, "too_much_text"
    ),
    HostileFile("csv: 40 rows of 500,000 empty cells", "wide.csv", wide_empty_csv, "long_line"),
    HostileFile("csv: 40,000 rows of 100 cells", "fields.csv", many_fields_csv, "too_many_cells"),
    HostileFile("csv: a row of 200 filled cells", "columns.csv", wide_csv, "too_many_columns"),
    HostileFile("csv: one 1,000,000-character cell", "field.csv", huge_field_csv, "long_cell"),
    HostileFile("xml: billion laughs", "laughs.xls", billion_laughs_xml, "unsafe_xml"),
    HostileFile("xml: external entity", "entity.xls", external_entity_xml, "unsafe_xml"),
    HostileFile("xml: 200,000 nested elements", "deep.xls", deep_xml, "corrupt"),
    HostileFile("xml: cells merged 1,000,000 down", "merged.xls", merge_down_xml, "too_many_cells"),
    HostileFile("xml: 1,000,000 empty cells, 200 a row", "wide.xls", wide_xml, "too_many_cells"),
    HostileFile("xml: a row at 150,001", "far.xls", far_row_xml, "too_many_rows"),
    HostileFile("html: 200,000 nested tables", "nested.xls", nested_tables_html, "nested_tables"),
    HostileFile("html: 1,000,000 empty cells in a row", "wide.html", wide_html, "too_many_cells"),
    HostileFile(
        "html: 1,000,000 empty cells with rowspan", "rowspan.xls", rowspan_html, "too_many_cells"
    ),
    HostileFile("html: 150,001 rows", "long.xls", long_html, "too_many_rows"),
    HostileFile("html: 40,000 rows of colspan=100", "colspan.xls", colspan_html, "too_many_cells"),
    HostileFile("html: 3,100,000 cells", "cells.xls", many_cells_html, "too_many_cells"),
    HostileFile("html: 1,000,000 empty cells in 10,000 rows", "empty.xls", empty_html, "web_page"),
]


# --- Measuring.

CHILD = """
import json, sys, time
import django
django.setup()
from django.utils import translation
translation.activate("zh-hans")
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets

def peak_mb():
    # The peak of this process image only: ru_maxrss would also count the parent's memory
    # that the child held between fork and exec.
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

with open(sys.argv[1], "rb") as handle:
    data = handle.read()
startup_mb = peak_mb()
started = time.perf_counter()
try:
    rows = sum(1 for sheet in read_sheets(data, filename=sys.argv[2]) for _row in sheet.rows)
    outcome = {"rows": rows}
except SpreadsheetError as error:
    outcome = {"code": error.code, "message": str(error)}
outcome["seconds"] = time.perf_counter() - started
outcome["startup_mb"] = startup_mb
outcome["peak_mb"] = peak_mb()
print(json.dumps(outcome, ensure_ascii=False))
"""


def measure(data: bytes, filename: str) -> dict:
    """Read one file in a fresh process; what happened, its time and its peak memory."""
    environment = {
        **os.environ,
        **ENVIRONMENT,
        "DJANGO_SETTINGS_MODULE": "shuanglian.settings",
        "PYTHONPATH": str(ROOT),
    }
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix) as handle:
        handle.write(data)
        handle.flush()
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", CHILD, handle.name, filename],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
        )
        output, _errors = process.communicate()
    if process.returncode != 0:
        sys.exit(f"reading {filename} failed")
    return json.loads(output)


def main() -> None:
    print(f"Hostile files, each read in a fresh process; {machine()}")
    results = []
    for hostile in [BASELINE, *FILES]:
        data = hostile.build()
        results.append((hostile, len(data), measure(data, hostile.filename)))
        del data
    baseline = results[0][2]
    print(
        f"{'file':40} {'size':>9} {'seconds':>8} {'× base':>7} {'peak MB':>8} {'× base':>7}"
        "  outcome"
    )
    for hostile, size, result in results:
        outcome = (
            f"read {result['rows']:,} rows"
            if "rows" in result
            else f"refused ({result['code']}): {result['message']}"
        )
        print(
            f"{hostile.name:40} {size / 1024:8,.0f}K {result['seconds']:8.3f} "
            f"{result['seconds'] / baseline['seconds']:7.2f} {result['peak_mb']:8.1f} "
            f"{result['peak_mb'] / baseline['peak_mb']:7.2f}  {outcome}"
        )
    startup = baseline["startup_mb"]
    print(f"(a fresh process with Django loaded and the baseline file read in: {startup:.0f} MB)")


if __name__ == "__main__":
    main()
