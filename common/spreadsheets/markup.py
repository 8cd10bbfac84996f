"""Excel files that are text: what many systems' 导出Excel hands the clerk under an .xls name.

Two kinds are rosters, and Excel and WPS open both: an XML Spreadsheet 2003 document
(``xml2003``) and an HTML page holding a ``<table>`` (``html_tables``). Anything else written
in markup (a real web page, a login page saved by mistake, another XML document) is refused
naming what it is.
"""

import codecs
import html
import re

from common.spreadsheets.errors import SpreadsheetError
from common.translatable import gettext as _

XML_SPREADSHEET = "xml2003"
HTML_TABLES = "html"

_SPREADSHEET_NAMESPACE = b"urn:schemas-microsoft-com:office:spreadsheet"
_HEAD_BYTES = 4096
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
_TABLE = re.compile(rb"<table[\s>]", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]{0,500}>([^<]{0,200})", re.IGNORECASE)
_PASSWORD_FIELD = re.compile(r"""<input[^>]{0,500}type\s*=\s*["']?password""", re.IGNORECASE)
_PASSWORD_FIELD_BYTES = re.compile(_PASSWORD_FIELD.pattern.encode(), re.IGNORECASE)
_ROOT_ELEMENT = re.compile(r"<([A-Za-z_][\w:.-]{0,60})")


def is_markup(data: bytes) -> bool:
    """True for HTML or XML text: it starts with ``<`` after a byte-order mark and spaces."""
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    return text.lstrip().startswith("<")


def decode(data: bytes) -> str:
    """The text, in the encoding its byte-order mark, XML declaration or ``<meta charset>``
    names; else UTF-8; else GB18030 (GBK's superset), which is what Chinese systems write."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _encoding_error() from error
    head = data[:_HEAD_BYTES]
    declared = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    candidates = ["utf-8", "gb18030"]
    if declared:
        name = _codec(declared.group(1).decode("ascii"))
        if name:
            candidates.insert(0, name)
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _encoding_error()


def _codec(name: str) -> str | None:
    """Python's codec for a declared charset; GBK and GB2312 are read as GB18030, their
    superset, since systems that declare them often write characters beyond them."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in ("gbk", "gb2312", "hz"):
        return "gb18030"
    # A single-byte Western charset declared by a template is never what a Chinese roster
    # holds; UTF-8 and GB18030 are tried instead.
    if codec in ("cp1252", "latin-1", "iso8859-1", "ascii"):
        return None
    return codec


def kind(data: bytes) -> str:
    """Which markup this is: ``XML_SPREADSHEET`` or ``HTML_TABLES``; refused otherwise."""
    head = data[:_HEAD_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Written in UTF-16: looked at as text, not bytes.
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
        whole = data.decode("utf-16", errors="ignore").encode("utf-8")
    else:
        whole = data
    if _SPREADSHEET_NAMESPACE in head and b"Workbook" in head:
        return XML_SPREADSHEET
    # A login page may be laid out with tables; it is still a login page.
    if _TABLE.search(whole) and not _PASSWORD_FIELD_BYTES.search(whole):
        return HTML_TABLES
    raise not_a_roster_error(data)


def not_a_roster_error(data: bytes) -> SpreadsheetError:
    """Names what a markup file without a roster is: a login page, a web page, XML."""
    try:
        text = decode(data[: 64 * 1024])
    except SpreadsheetError:
        text = ""
    title_match = _TITLE.search(text)
    title = " ".join(html.unescape(title_match.group(1)).split()) if title_match else ""
    if _PASSWORD_FIELD.search(text):
        return SpreadsheetError(
            "login_page",
            _(
                "This file is a saved login page%(title)s, not a roster: the system asked for "
                "a password instead of exporting. Sign in to the system, export the roster "
                "again and upload the new file."
            )
            % {"title": _title_part(title)},
        )
    root = _ROOT_ELEMENT.search(text.lstrip().lstrip("\ufeff").split("?>", 1)[-1])
    if (
        root
        and root.group(1).lower() not in ("html", "head", "body", "!doctype")
        and (text.lstrip().startswith("<?xml"))
    ):
        return SpreadsheetError(
            "xml_document",
            _(
                "This file is an XML document (<%(root)s>), not a spreadsheet. Export the "
                "roster as Excel from the system, or open the file in Excel or WPS, save it "
                "as an Excel Workbook (.xlsx) and upload that file."
            )
            % {"root": root.group(1)[:60]},
        )
    return SpreadsheetError(
        "web_page",
        _(
            "This file is a web page%(title)s with no table of data in it, not a roster. Export "
            "the roster as Excel from the system again, or copy the table into Excel or WPS, "
            "save it as an Excel Workbook (.xlsx) and upload that file."
        )
        % {"title": _title_part(title)},
    )


def _title_part(title: str) -> str:
    return _(" (“%(title)s”)") % {"title": title[:60]} if title else ""


def _encoding_error() -> SpreadsheetError:
    return SpreadsheetError(
        "encoding",
        _(
            "The file is not in a text encoding that can be read (UTF-8 or GBK). Open it in "
            "Excel or WPS, save it as an Excel Workbook (.xlsx) and upload that file."
        ),
    )
