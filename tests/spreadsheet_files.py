"""Builders for spreadsheet uploads in tests: real workbooks and deliberately crafted ones."""

import io
import struct
import zipfile
from collections.abc import Callable

import openpyxl
import xlwt
from openpyxl.workbook.workbook import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def xlsx_bytes(build: Callable[[Workbook], None]) -> bytes:
    """An .xlsx written by openpyxl; ``build`` fills the workbook (its first sheet exists)."""
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(build: Callable[[xlwt.Workbook], None]) -> bytes:
    """An .xls written by xlwt; ``build`` adds the sheets."""
    workbook = xlwt.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def simple_xls() -> bytes:
    return xls_bytes(lambda workbook: workbook.add_sheet("户籍").write(0, 0, "户主"))


def raw_xlsx(
    sheet_data: str = "",
    *,
    dimension: str | None = None,
    sheet_xml: str | None = None,
    workbook_xml: str | None = None,
    workbook_content_type: str = SHEET_CONTENT_TYPE,
    extra_parts: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal one-sheet .xlsx whose XML parts are written by hand.

    ``sheet_data`` goes inside <sheetData>; ``sheet_xml`` replaces the whole sheet part.
    """
    if sheet_xml is None:
        dimension_element = f'<dimension ref="{dimension}"/>' if dimension else ""
        sheet_xml = (
            f'{XML_DECLARATION}<worksheet xmlns="{MAIN}">{dimension_element}'
            f"<sheetData>{sheet_data}</sheetData></worksheet>"
        )
    if workbook_xml is None:
        workbook_xml = (
            f'{XML_DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheets><sheet name="户籍" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
    parts = {
        "[Content_Types].xml": (
            f"{XML_DECLARATION}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_content_type}"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": workbook_xml.encode(),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml.encode(),
        **(extra_parts or {}),
    }
    return zip_bytes(parts)


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def encrypted_xlsx() -> bytes:
    """What Excel saves for a password-protected .xlsx: an OLE2 file, not a zip.

    Only the parts read_sheets looks at: the OLE2 signature and the stream names.
    """
    names = "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    return bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + names + bytes(512)


def xls_with_filepass() -> bytes:
    """An .xls whose globals hold a FILEPASS record, as Excel writes for a password.

    Four 2-byte protection records xlwt writes are swapped for a FILEPASS record (RC4) and
    a filler record of the same total length, so every offset in the file stays right.
    """
    data = simple_xls()
    protection = bytes.fromhex("190002000000120002000000630002000000130002000000")
    filepass = struct.pack("<HHHHH", 0x002F, 6, 1, 0x1234, 0x5678)
    filler = struct.pack("<HH", 0x00EF, 10) + bytes(10)
    assert data.count(protection) == 1
    return data.replace(protection, filepass + filler)


def xls_with_directory_entry(name: str) -> bytes:
    """An .xls with an extra, empty storage named ``name`` in its OLE2 directory."""
    data = bytearray(simple_xls())
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    (first_directory_sector,) = struct.unpack_from("<I", data, 0x30)
    directory = (first_directory_sector + 1) * sector_size
    # xlwt writes Root Entry and Workbook, and leaves entries 2 and 3 unused.
    entry = directory + 2 * 128
    encoded = name.encode("utf-16-le") + b"\0\0"
    data[entry : entry + len(encoded)] = encoded
    struct.pack_into("<HB", data, entry + 64, len(encoded), 1)
    return bytes(data)


def xls_renamed_stream(old: str, new: str) -> bytes:
    """An .xls whose Workbook stream is renamed, as in another Office 97 file (a Word .doc)."""
    data = simple_xls()
    assert len(old) == len(new)
    return data.replace(old.encode("utf-16-le"), new.encode("utf-16-le"))


def xls_with_macro_sheet() -> bytes:
    """An .xls whose sheet is marked as an Excel 4.0 macro sheet in its BOUNDSHEET record."""
    name = b"MacroSheet1"
    data = bytearray(xls_bytes(lambda workbook: workbook.add_sheet(name.decode())))
    # BOUNDSHEET: position (4), visibility (1), sheet type (1), name length (1), flags (1).
    start = data.index(bytes([len(name), 0]) + name)
    data[start - 1] = 1
    return bytes(data)
