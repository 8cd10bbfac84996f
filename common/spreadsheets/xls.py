"""Checking an .xls file (Excel 97-2003) before the reader opens it.

Just enough of the compound file (OLE2) and BIFF formats to refuse encrypted and macro
workbooks, and to find how far the cells reach before the reader allocates for them.
"""

import struct

from common.spreadsheets import limits
from common.spreadsheets.errors import (
    corrupt_error,
    macro_error,
    not_spreadsheet_error,
    password_error,
    too_many_sheets_error,
    too_much_text_error,
)
from common.spreadsheets.grid import Budget, check_extent
from common.spreadsheets.sheets import Sheet, read_workbook

# OLE2 (compound file) sector ids with a special meaning.
_END_OF_CHAIN = 0xFFFFFFFE
_LAST_REGULAR_SECTOR = 0xFFFFFFFA
_OLE2_ENCRYPTED_XLSX = (
    "EncryptionInfo".encode("utf-16-le"),
    "EncryptedPackage".encode("utf-16-le"),
)
# BIFF records that hold a cell value: FORMULA, RSTRING, LABELSST, NUMBER, LABEL, BOOLERR,
# RK, MULRK. Blank cells (BLANK, MULBLANK) are left out: the reader ignores them.
_BIFF_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00BD})
_BIFF_MULRK = 0x00BD
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_BOF = 0x0809
_BIFF_SST = 0x00FC
_BIFF_MACRO_SHEET_TYPES = frozenset({1, 6})  # Excel 4.0 macro sheet, VBA module


def read_xls(data: bytes, *, max_rows: int) -> list[Sheet]:
    """The worksheets of an .xls file that passes the checks."""
    if all(name in data for name in _OLE2_ENCRYPTED_XLSX):
        # A password-protected .xlsx is an OLE2 file holding the encrypted zip.
        raise password_error()
    try:
        names, workbook_stream = _ole2_workbook_stream(data)
    except Exception as error:
        raise corrupt_error() from error
    if any(name.startswith("_vba_project") for name in names):
        raise macro_error()
    if workbook_stream is None:
        # Another Office 97 file, such as a Word .doc.
        raise not_spreadsheet_error()
    sheets = _check_biff(workbook_stream, max_rows=max_rows)
    return read_workbook(data, max_rows=max_rows, sheet_parts=sheets)


def _ole2_workbook_stream(data: bytes) -> tuple[set[str], bytes | None]:
    """The lower-cased names of an OLE2 file's entries, and its Workbook stream if any.

    Just enough of the compound file format to find the cells before the reader allocates
    for them. Raises on any inconsistency; the caller treats that as a damaged file.
    """
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_sector_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector_size not in (512, 4096) or mini_sector_size != 64:
        raise ValueError("unexpected sector size")
    first_directory_sector, _unused, mini_cutoff, first_mini_fat_sector = struct.unpack_from(
        "<IIII", data, 0x30
    )
    first_difat_sector, difat_sectors = struct.unpack_from("<II", data, 0x44)
    sector_count = (len(data) - sector_size) // sector_size
    per_sector = sector_size // 4

    def sector(sector_id: int) -> bytes:
        if sector_id >= sector_count:
            raise ValueError("sector outside the file")
        start = (sector_id + 1) * sector_size
        return data[start : start + sector_size]

    def chain(start: int, table: tuple[int, ...]) -> list[int]:
        sector_ids: list[int] = []
        while start != _END_OF_CHAIN:
            if start >= len(table) or len(sector_ids) > len(table):
                raise ValueError("broken sector chain")
            sector_ids.append(start)
            start = table[start]
        return sector_ids

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    if difat_sectors > sector_count:
        raise ValueError("too many DIFAT sectors")
    for _index in range(difat_sectors):
        entries = struct.unpack(f"<{per_sector}I", sector(first_difat_sector))
        fat_sectors.extend(entries[:-1])
        first_difat_sector = entries[-1]
    fat_bytes = b"".join(sector(s) for s in fat_sectors if s < _LAST_REGULAR_SECTOR)
    fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)

    directory = b"".join(sector(s) for s in chain(first_directory_sector, fat))
    entries: dict[str, tuple[int, int]] = {}
    root: tuple[int, int] | None = None
    for offset in range(0, len(directory) - 127, 128):
        name_length, entry_type = struct.unpack_from("<HB", directory, offset + 64)
        start, size = struct.unpack_from("<II", directory, offset + 116)
        name = directory[offset : offset + max(name_length - 2, 0)].decode("utf-16-le", "replace")
        if entry_type == 5:
            root = (start, size)
        elif entry_type in (1, 2):
            entries.setdefault(name.lower(), (start, size))

    stream_entry = entries.get("workbook") or entries.get("book")
    if stream_entry is None:
        return set(entries), None
    start, size = stream_entry
    if size >= mini_cutoff:
        stream = b"".join(sector(s) for s in chain(start, fat))
    else:
        if root is None:
            raise ValueError("no root entry")
        mini_stream = b"".join(sector(s) for s in chain(root[0], fat))
        mini_fat_bytes = b"".join(sector(s) for s in chain(first_mini_fat_sector, fat))
        mini_fat = struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes)
        stream = b"".join(
            mini_stream[s * mini_sector_size : (s + 1) * mini_sector_size]
            for s in chain(start, mini_fat)
        )
    if len(stream) < size:
        raise ValueError("stream shorter than its entry says")
    return set(entries), stream[:size]


def _check_biff(stream: bytes, *, max_rows: int) -> int:
    """Refuse encrypted and macro workbooks, and cells or texts beyond the limits, in a BIFF
    stream; returns the number of worksheets.

    Each sheet is a substream starting with a BOF record; its grid reaches its farthest cell.
    """
    budget = Budget()
    farthest_row = farthest_column = -1
    substreams: set[int] = set()
    sheet_offsets: list[int] = []

    def close_substream() -> None:
        check_extent(farthest_row + 1, farthest_column + 1, max_rows=max_rows)
        budget.add(farthest_row + 1, farthest_column + 1)

    position = 0
    end = len(stream) - 4
    while position <= end:
        record, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        if record == _BIFF_BOF:
            close_substream()
            farthest_row = farthest_column = -1
            substreams.add(position)
        position = body + length
        if record in _BIFF_CELL_RECORDS and length >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            if record == _BIFF_MULRK and length >= 6:
                (column,) = struct.unpack_from("<H", stream, body + length - 2)
            farthest_row = max(farthest_row, row)
            farthest_column = max(farthest_column, column)
        elif record == _BIFF_FILEPASS:
            raise password_error()
        elif record == _BIFF_BOUNDSHEET and length >= 6:
            if stream[body + 5] in _BIFF_MACRO_SHEET_TYPES:
                raise macro_error()
            sheet_offsets.append(struct.unpack_from("<I", stream, body)[0])
            if len(sheet_offsets) > limits.MAX_SHEETS:
                raise too_many_sheets_error(len(sheet_offsets))
        elif record == _BIFF_SST and length >= 8:
            (unique,) = struct.unpack_from("<I", stream, body + 4)
            if unique > limits.MAX_SHARED_STRINGS:
                raise too_much_text_error()
    close_substream()
    # The reader finds each sheet where its BOUNDSHEET record says; two sheets at one place,
    # or a sheet elsewhere than at the start of a substream, would be read beyond the checks.
    if len(set(sheet_offsets)) < len(sheet_offsets) or not substreams.issuperset(sheet_offsets):
        raise corrupt_error()
    return len(sheet_offsets)
