"""XML Spreadsheet 2003: the ``<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">``
documents that Java systems' 导出Excel write under an .xls name.

Read with expat as defusedxml configures it: a document type declaration, an entity
declaration or an external reference is refused when the parser meets it, before anything is
expanded (billion laughs, external entities). Streaming, with no tree: each cell is placed in
its sheet's grid as it ends, and elements nested deeper than a spreadsheet's are refused.
Values are taken as Excel takes them: a Number keeps
15 significant digits, so a resident ID exported as a number arrives with its last digits
already lost, and the importer asks for it as text, as it does for a workbook.
"""

import datetime
from xml.parsers import expat

from common.spreadsheets import limits, markup
from common.spreadsheets.errors import corrupt_error, long_cell_error, unsafe_xml_error
from common.spreadsheets.grid import Budget
from common.spreadsheets.sheets import Sheet, capped, cell_value, printable
from common.spreadsheets.spans import SpanningRows

_SS = "urn:schemas-microsoft-com:office:spreadsheet "
_EXCEL = "urn:schemas-microsoft-com:office:excel "
_WORKSHEET, _ROW, _CELL, _DATA = (_SS + name for name in ("Worksheet", "Row", "Cell", "Data"))
_VISIBLE = _EXCEL + "Visible"
_COMMENT = _SS + "Comment"
# Deeper than any spreadsheet's elements (Workbook, Worksheet, Table, Row, Cell, Data and the
# rich text inside it), far below what would exhaust memory.
MAX_DEPTH = 64
_HIDDEN = ("SheetHidden", "SheetVeryHidden")


class _Unsafe(Exception):
    pass


def _refuse(*_arguments: object) -> None:
    raise _Unsafe


def read_xml2003(data: bytes, *, max_rows: int) -> list[Sheet]:
    """The worksheets of an XML Spreadsheet 2003 document, read and checked in full."""
    text = markup.decode(data)
    reader = _Reader(max_rows=max_rows)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.characters
    parser.buffer_text = True
    try:
        # Given text, expat reads it as UTF-8 whatever its declaration says.
        parser.Parse(text, True)
    except _Unsafe as error:
        raise unsafe_xml_error() from error
    except expat.ExpatError as error:
        raise corrupt_error() from error
    return reader.sheets


class _Reader:
    def __init__(self, *, max_rows: int) -> None:
        self.max_rows = max_rows
        self.budget = Budget()
        self.sheets: list[Sheet] = []
        self.sheet: SpanningRows | None = None
        self.hidden = False
        self.depth = 0
        self.cell: dict[str, str] | None = None
        self.data: dict[str, str] | None = None
        self.text: list[str] | None = None
        self.length = 0
        self.in_comment = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise corrupt_error()
        if name == _CELL:
            self.cell = attributes
            self.data = None
        elif name == _COMMENT:
            self.in_comment = True
        elif name == _DATA and self.cell is not None and not self.in_comment:
            self.data = attributes
            self.text = []
            self.length = 0
        elif name == _ROW:
            if self.sheet is not None:
                self.sheet.start_row(_number(attributes, "Index"))
        elif name == _VISIBLE:
            self.text = []
            self.length = 0
        elif name == _WORKSHEET:
            self.budget.add_sheet()
            title = _attribute(attributes, "Name") or f"Sheet{len(self.sheets) + 1}"
            self.sheet = SpanningRows(printable(title), budget=self.budget, max_rows=self.max_rows)
            self.hidden = False

    def characters(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)
            self.length += len(text)
            if self.length > limits.MAX_CELL_CHARS:
                raise long_cell_error()

    def end(self, name: str) -> None:
        self.depth -= 1
        if name == _COMMENT:
            self.in_comment = False
        elif name == _DATA and not self.in_comment:
            # Rich text (<Data><Font>…</Font></Data>) is read as its text.
            if self.cell is not None and self.text is not None:
                self.cell = {**self.cell, "": "".join(self.text)}
            self.text = None
        elif name == _CELL:
            cell, self.cell = self.cell, None
            if self.sheet is None or cell is None:
                return
            if not cell:
                self.sheet.add_cell(None)  # An empty cell, as exports pad rows with.
                return
            self.sheet.add_cell(
                _value(cell.get(""), self.data),
                column=_number(cell, "Index"),
                across=_number(cell, "MergeAcross") or 0,
                down=_number(cell, "MergeDown") or 0,
            )
            self.data = None
        elif name == _VISIBLE:
            self.hidden = "".join(self.text or ()).strip() in _HIDDEN
            self.text = None
        elif name == _WORKSHEET and self.sheet is not None:
            sheet, self.sheet = self.sheet, None
            rows = sheet.finish()
            self.sheets.append(
                Sheet(
                    name=sheet.name,
                    hidden=self.hidden,
                    rows=capped(iter(rows), sheet.name, max_rows=self.max_rows),
                )
            )


def _attribute(attributes: dict[str, str], name: str) -> str | None:
    # Excel writes ss:Index; some templates leave the prefix off.
    return attributes.get(_SS + name, attributes.get(name))


def _number(attributes: dict[str, str], name: str) -> int | None:
    value = _attribute(attributes, name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError as error:
        raise corrupt_error() from error
    if number < 0:
        raise corrupt_error()
    return number


def _value(text: str | None, data: dict[str, str] | None) -> object:
    if text is None or data is None:
        return None
    kind = _attribute(data, "Type")
    if kind == "Number":
        return _number_value(text)
    if kind == "DateTime":
        try:
            return datetime.datetime.fromisoformat(text.strip())
        except ValueError:
            return text or None
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "Error":
        return None
    return text or None


def _number_value(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text or None
    if number != number or number in (float("inf"), float("-inf")):
        return text
    # Excel keeps 15 significant digits of a number.
    return cell_value(float(f"{number:.15g}"))
