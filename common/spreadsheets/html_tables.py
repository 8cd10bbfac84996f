"""HTML tables saved as .xls: the web pages many systems' 导出Excel write, which Excel and WPS
open as workbooks.

The page is only tokenised, never rendered: nothing in it runs and nothing it names is
fetched. The tokeniser looks for tags with bounded patterns, so no markup, however broken,
makes it read the text more than once; a ``<script>`` inside a cell comes out as the text it
is. Each table of the page is a sheet ("表格1", "表格2", …), tables inside cells included;
the importer finds the roster among them by its header. Cells spanning rows and columns are
placed as Excel places them (``spans``), and a cell's text is taken as shown: a resident ID
stays whole unless the page marks it as a number (``x:num``), which Excel would round to 15
digits.
"""

import html
import re
from dataclasses import dataclass, field

from common.spreadsheets import limits, markup
from common.spreadsheets.errors import SpreadsheetError, cell_budget_error, long_cell_error
from common.spreadsheets.grid import Budget
from common.spreadsheets.sheets import Sheet, capped, cell_value
from common.spreadsheets.spans import SpanningRows
from common.translatable import gettext as _

# Tables inside cells inside tables: deeper than any export, far below any stack limit.
MAX_NESTED_TABLES = 32
_TOKEN = re.compile(
    r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]{0,30})([^<>]{0,4096})>|[!?][^<>]{0,4096}>)"
)
_ATTRIBUTE = re.compile(
    r"""([A-Za-z_:][-\w:.]{0,60})(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)
# Elements whose content is text, not markup, up to their end tag.
_RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "noscript", "iframe", "noembed")
_LINE_BREAKS = ("br", "p", "div", "li")
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_TEXT_FORMAT = re.compile(r"""mso-number-format\s*:\s*["']?\\?@""", re.IGNORECASE)
# A run of empty cells with no attributes, read at once.
# At most a row's worth at a time, so a row too wide is refused as soon as it is.
_EMPTY_CELLS = re.compile(
    rf"(?:<t[dh]>(?:\s|&nbsp;)*</t[dh]>\s*){{1,{limits.MAX_COLUMNS + 1}}}", re.IGNORECASE
)
_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)
_SIMPLE_CELL = re.compile(rf"<t[dh]>([^<]{{0,{limits.MAX_CELL_CHARS}}})</t[dh]>\s*", re.IGNORECASE)


@dataclass
class _Table:
    rows: SpanningRows
    index: int  # its place among the page's tables, in the order they begin
    in_row: bool = False
    cell: list[str] | None = None
    cell_length: int = 0
    attributes: dict[str, str] = field(default_factory=dict)


def read_html_tables(data: bytes, *, max_rows: int) -> list[Sheet]:
    """Every table of the page with a row of data, as a sheet; refused when none has."""
    # Every <td> takes at least one cell of the grid: counted before anything is parsed.
    cells = _cell_tags(data)
    if cells > limits.MAX_CELLS:
        raise cell_budget_error(cells)
    text = markup.decode(data)
    tables = _Tables(max_rows=max_rows)
    tables.read(text)
    sheets = [
        Sheet(name=rows.name, hidden=False, rows=capped(iter(grid), rows.name, max_rows=max_rows))
        for rows, grid in tables.finished
        if grid
    ]
    if not any(_looks_like_data(grid) for _, grid in tables.finished):
        raise markup.not_a_roster_error(data)
    return sheets


def _cell_tags(data: bytes) -> int:
    """How many <td> and <th> tags the page holds, counted without parsing or listing them."""
    lowered = data.lower()
    return lowered.count(b"<td") + lowered.count(b"<th") - lowered.count(b"<thead")


def _looks_like_data(grid: list[list[object]]) -> bool:
    """Two rows with two values or more: a table of data, not a page laid out with a table."""
    return sum(1 for row in grid if sum(value is not None for value in row) >= 2) >= 2


class _Tables:
    def __init__(self, *, max_rows: int) -> None:
        self.max_rows = max_rows
        self.budget = Budget()
        self.open: list[_Table] = []
        # (rows, grid) in the order the tables begin; the grid is filled when one ends.
        self.finished: list[tuple[SpanningRows, list[list[object]]]] = []

    def read(self, text: str) -> None:
        position = 0
        length = len(text)
        while position < length:
            match = _TOKEN.search(text, position)
            if match is None:
                self._text(text[position:])
                break
            if match.start() > position:
                self._text(text[position : match.start()])
            position = match.end()
            comment, closing, name, attributes = match.group(1, 2, 3, 4)
            if comment:  # Up to its end, or the end of the page.
                end = text.find("-->", position)
                position = length if end < 0 else end + 3
                continue
            if name is None:  # <!DOCTYPE …>, <?xml …?>
                continue
            name = name.lower()
            if closing:
                self._end(name)
                continue
            if name in ("td", "th") and not attributes and self.open:
                empty = _EMPTY_CELLS.match(text, match.start())
                if empty:
                    self._empty_cells(len(_CELL_END.findall(empty.group(0))))
                    position = empty.end()
                    continue
                # Plain cells, one after another: each read at once, not tag by tag.
                simple = _SIMPLE_CELL.match(text, match.start())
                if simple:
                    table = self.open[-1]
                    self._close_cell(table)
                    if not table.in_row:
                        table.rows.start_row()
                        table.in_row = True
                    while simple:
                        table.rows.add_cell(_plain_value(simple.group(1)))
                        position = simple.end()
                        simple = _SIMPLE_CELL.match(text, position)
                    continue
            if name in _RAW_TEXT:
                end = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, position)
                content_end = length if end is None else end.start()
                if name in ("script", "textarea", "xmp") and self._in_cell():
                    # Text to be read, never run: a script in a cell is shown as written.
                    self._text(match.group(0) + text[position:content_end], raw=True)
                    if end is not None:
                        self._text(end.group(0), raw=True)
                position = length if end is None else end.end()
                continue
            self._start(name, attributes)
        while self.open:
            self._close_table()

    def _in_cell(self) -> bool:
        return bool(self.open) and self.open[-1].cell is not None

    def _text(self, text: str, *, raw: bool = False) -> None:
        if not self._in_cell():
            return
        table = self.open[-1]
        if raw:
            text = text.replace("&", "&amp;")
        table.cell.append(text)
        table.cell_length += len(text)
        if table.cell_length > limits.MAX_CELL_CHARS * 8:
            raise long_cell_error()

    def _start(self, name: str, attributes: str) -> None:
        if name == "table":
            if len(self.open) >= MAX_NESTED_TABLES:
                raise nested_tables_error()
            self.budget.add_sheet()
            number = len(self.finished) + 1
            rows = SpanningRows(
                _("Table %(number)s") % {"number": number},
                budget=self.budget,
                max_rows=self.max_rows,
            )
            self.open.append(_Table(rows, len(self.finished)))
            self.finished.append((rows, []))
            return
        if not self.open:
            return
        table = self.open[-1]
        if name == "tr":
            self._close_cell(table)
            table.rows.start_row()
            table.in_row = True
        elif name in ("td", "th"):
            self._close_cell(table)
            if not table.in_row:
                table.rows.start_row()
                table.in_row = True
            table.cell = []
            table.cell_length = 0
            table.attributes = _attributes(attributes) if attributes.strip() else {}
        elif name in _LINE_BREAKS and table.cell is not None:
            table.cell.append("\n")

    def _empty_cells(self, count: int) -> None:
        table = self.open[-1]
        self._close_cell(table)
        if not table.in_row:
            table.rows.start_row()
            table.in_row = True
        table.rows.add_empty_cells(count)

    def _end(self, name: str) -> None:
        if not self.open:
            return
        table = self.open[-1]
        if name == "table":
            self._close_table()
        elif name in ("td", "th"):
            self._close_cell(table)
        elif name == "tr":
            self._close_cell(table)
            table.in_row = False
        elif name in _LINE_BREAKS and table.cell is not None:
            table.cell.append("\n")

    def _close_table(self) -> None:
        table = self.open.pop()
        self._close_cell(table)
        self.finished[table.index] = (table.rows, table.rows.finish())

    def _close_cell(self, table: _Table) -> None:
        if table.cell is None:
            return
        text = _cell_text("".join(table.cell)) if table.cell else ""
        attributes = table.attributes
        table.cell = None
        if len(text) > limits.MAX_CELL_CHARS:
            raise long_cell_error()
        if not attributes:
            table.rows.add_cell(text or None)
            return
        table.rows.add_cell(
            _cell_value(text, attributes),
            across=_span(attributes.get("colspan"), most=1000) - 1,
            down=_rows_down(attributes.get("rowspan"), self.max_rows),
        )


def _attributes(text: str) -> dict[str, str]:
    found = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if value is None:
            value = match.group(4) if match.group(4) is not None else ""
        found.setdefault(match.group(1).lower(), html.unescape(value))
    return found


def _span(value: str | None, *, most: int) -> int:
    """A colspan as browsers read it: its leading digits, 1 when there are none."""
    digits = re.match(r"\s*(\d{1,9})", value or "")
    return min(max(int(digits.group(1)), 1), most) if digits else 1


def _rows_down(value: str | None, max_rows: int) -> int:
    """How many rows below a cell's rowspan covers; 0 covers the rest of the table."""
    digits = re.match(r"\s*(\d{1,9})", value or "")
    if not digits:
        return 0
    span = int(digits.group(1))
    return max_rows if span == 0 else min(span, 65534) - 1


def _cell_text(raw: str) -> str:
    text = html.unescape(raw) if "&" in raw else raw
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _plain_value(raw: str) -> str | None:
    if "&" in raw or "\n" in raw:
        return _cell_text(raw) or None
    return _SPACES.sub(" ", raw).strip() or None


def _cell_value(text: str, attributes: dict[str, str]) -> object:
    if not text:
        return None
    if _TEXT_FORMAT.search(attributes.get("style", "")) or "x:str" in attributes:
        return text
    if "x:num" in attributes:
        number = attributes["x:num"] or text.replace(",", "")
        try:
            value = float(number)
        except ValueError:
            return text
        if value == value and abs(value) != float("inf"):
            return cell_value(float(f"{value:.15g}"))
    return text


def nested_tables_error() -> SpreadsheetError:
    return SpreadsheetError(
        "nested_tables",
        _(
            "The tables of this web page are nested more than %(limit)s deep, which no "
            "roster is. Export the roster as Excel from the system again, or copy the table "
            "into Excel or WPS, save it as an Excel Workbook (.xlsx) and upload that file."
        )
        % {"limit": MAX_NESTED_TABLES},
    )
