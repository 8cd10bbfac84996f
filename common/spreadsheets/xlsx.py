"""Checking an .xlsx file before the reader opens it: its zip, its XML parts, its sheets."""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO

from common.spreadsheets import limits
from common.spreadsheets.errors import (
    SpreadsheetError,
    corrupt_error,
    macro_error,
    not_spreadsheet_error,
    too_much_text_error,
    unsafe_xml_error,
    zip_bomb_error,
)
from common.spreadsheets.grid import Budget, check_extent
from common.spreadsheets.sheets import Sheet, read_workbook
from common.spreadsheets.xlsx_scan import (
    check_text_lengths,
    follow_cell_positions,
    parse_reference,
    scan_cell_references,
)

_HEAD_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_WORKSHEET_ROOT = re.compile(rb"<(?:[\w.-]+:)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHARED_STRINGS_ROOT = re.compile(rb"<(?:[\w.-]+:)?sst[\s>]")
_PREFIXED_SHARED_STRING = re.compile(rb"<[\w.-]+:si[\s/>]")


def read_xlsx(data: bytes, *, max_rows: int) -> list[Sheet]:
    """The worksheets of an .xlsx file that passes the checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:
        raise corrupt_error() from error
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names:
            raise not_spreadsheet_error()
        _check_zip_sizes(members)
        if "xl/vbaProject.bin" in names or any(
            name.startswith("xl/macrosheets/") for name in names
        ):
            raise macro_error()
        if "[Content_Types].xml" in names:
            content_types = _read_member_head(archive, archive.getinfo("[Content_Types].xml"))
            if b"macroenabled" in content_types.lower():
                raise macro_error()
        budget = Budget()
        for member in members:
            _check_xlsx_part(archive, member, max_rows=max_rows, budget=budget)
    return read_workbook(data, max_rows=max_rows, sheet_parts=budget.sheets)


def _check_zip_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise zip_bomb_error()
    if sum(member.file_size for member in members) > limits.MAX_UNCOMPRESSED:
        raise zip_bomb_error()
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.RATIO_CHECKED_ABOVE and ratio > limits.MAX_COMPRESSION_RATIO:
            raise zip_bomb_error()


def _read_member_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(member) as stream:
            return stream.read(_HEAD_BYTES)
    except Exception as error:
        raise corrupt_error() from error


def _check_xlsx_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, max_rows: int, budget: Budget
) -> None:
    """Refuse DTDs in any XML part, worksheets beyond the limits and oversized texts."""
    try:
        with archive.open(member) as stream:
            head, utf16 = _xml_head(stream)
            is_worksheet = _WORKSHEET_ROOT.search(head) is not None
            if not (is_worksheet or member.filename.lower().endswith((".xml", ".rels"))):
                return
            if _DTD.search(head):
                raise unsafe_xml_error()
            if len(head) >= _HEAD_BYTES // 2 and not _FIRST_ELEMENT.search(head):
                # A prolog this long only serves to push a DTD past the part looked at.
                raise unsafe_xml_error()
            if _SHARED_STRINGS_ROOT.search(head):
                _check_shared_strings(member, _chunks(head, stream, utf16=utf16))
                return
            if not is_worksheet:
                return
            budget.add_sheet()
            dimension = _DIMENSION.search(head)
            if dimension:
                last_cell = dimension.group(1).rsplit(b":", 1)[-1]
                check_extent(*parse_reference(last_cell), max_rows=max_rows)
            # The reader ignores <dimension>: the cells themselves decide how much it
            # allocates, so they are checked even when the declared dimension is small.
            rows, columns, implicit = scan_cell_references(
                _chunks(head, stream, utf16=utf16), max_rows, budget
            )
        if implicit:
            with archive.open(member) as stream:
                head, utf16 = _xml_head(stream)
                followed_rows, followed_columns = follow_cell_positions(
                    _chunks(head, stream, utf16=utf16), max_rows, budget
                )
            rows, columns = max(rows, followed_rows), max(columns, followed_columns)
        budget.add(rows, columns)
    except SpreadsheetError:
        raise
    except Exception as error:
        raise corrupt_error() from error


def _check_shared_strings(member: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
    """The reader loads every distinct text at once: bound their number and size."""
    if member.file_size > limits.MAX_SHARED_STRINGS_BYTES:
        raise too_much_text_error()
    count = 0
    for chunk in chunks:
        # Counting is much faster than the regex; prefixed tags are rare.
        count += chunk.count(b"<si>") + chunk.count(b"<si ") + chunk.count(b"<si/")
        if b":si" in chunk:
            count += len(_PREFIXED_SHARED_STRING.findall(chunk))
        if count > limits.MAX_SHARED_STRINGS:
            raise too_much_text_error()
        check_text_lengths(chunk)


def _xml_head(stream: IO[bytes]) -> tuple[bytes, bool]:
    """The first bytes of an XML part, and whether it is UTF-16."""
    head = stream.read(_HEAD_BYTES)
    # UTF-16 XML: dropping the zero bytes leaves the markup searchable as ASCII.
    utf16 = b"\0" in head[:4]
    return (head.replace(b"\0", b""), True) if utf16 else (head, False)


def _chunks(head: bytes, stream: IO[bytes], *, utf16: bool) -> Iterator[bytes]:
    """The rest of an XML part in pieces that end at a ">", so no tag is cut in two."""
    carry = head
    read = len(head)
    while chunk := stream.read(_CHUNK_BYTES):
        # zipfile already stops at the member's declared size, which _check_zip_sizes bounds;
        # this keeps the bound visible here.
        read += len(chunk)
        if read > limits.MAX_UNCOMPRESSED:
            raise zip_bomb_error()
        if utf16:
            chunk = chunk.replace(b"\0", b"")
        carry += chunk
        cut = carry.rfind(b">") + 1
        if cut:
            yield carry[:cut]
            carry = carry[cut:]
    yield carry
