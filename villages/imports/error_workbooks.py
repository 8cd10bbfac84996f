"""Error workbooks: the rejected rows as they were sent, each with the reason beside it."""

import io
from collections import defaultdict
from typing import Any

import openpyxl
from django.core.files.base import ContentFile

from common import translatable
from common.exports import _sheet_title, write_xlsx_sheets
from common.spreadsheets.reading import read_sheets
from common.translatable import gettext as _
from villages.imports import audit
from villages.imports.framework import (
    BatchImporter,
    Rejected,
    SheetLayout,
    importer_for,
    max_file_bytes,
    message_text,
)
from villages.imports.previews import load_preview, mask_personal
from villages.models import ImportBatch


def error_workbook(
    batch: ImportBatch, *, user: Any, masked: bool, client_address: str | None = None
) -> bytes:
    """The batch's error workbook for ``user``, with its reasons in the active language; each
    one handed out is recorded in the audit trail.

    ``masked``: the columns the importer reads personal numbers from are masked whole; in
    every other cell (the reason, columns the importer ignores) ID and mobile numbers are
    masked.
    """
    importer = importer_for(batch.kind)
    preview = load_preview(batch)
    reasons: dict[tuple[str, int], Any] = {}
    if preview is not None:
        reasons = {
            (_sheet_title(entry["sheet"]), entry["row"]): entry["reason"]
            for entry in preview["rejected"]
        }
    with batch.error_file.open("rb") as handle:
        # The workbook was written by this module, not uploaded: openpyxl reads it directly.
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()))
        # The last two columns are the reason and the original row number.
        header[-2:] = [_("Reason for rejection"), _("Original row")]
        kinds = _personal_columns(importer, header) if masked else {}
        body = []
        for row in rows:
            cells = list(row)
            if len(cells) >= 2 and (sheet.title, cells[-1]) in reasons:
                cells[-2] = translatable.render(reasons[(sheet.title, cells[-1])])
            if masked:
                cells = [mask_personal(value, kinds.get(i, "")) for i, value in enumerate(cells)]
            body.append(cells)
        sheets.append((sheet.title, header, body))
    book.close()
    content = _write_error_sheets(importer, sheets)
    audit.announce_errors(batch, user=user, masked=masked, client_address=client_address)
    return content


def _personal_columns(importer: BatchImporter, header: list[Any]) -> dict[int, str]:
    """Header index → "id_number" or "phone", for the columns of personal numbers."""
    kinds = {}
    for index, cell in enumerate(header):
        found = importer.rank_header(cell)
        if found and found[0] in importer.personal_fields:
            kinds[index] = importer.personal_fields[found[0]]
    return kinds


def _write_error_sheets(importer: BatchImporter, sheets: list[Any]) -> bytes:
    """Error workbooks keep IDs and phones as text, in columns wide enough to read."""
    return write_xlsx_sheets(
        sheets,
        text_columns=lambda header: _personal_columns(importer, list(header)),
        fit_widths=True,
    )


def save_error_workbook(
    batch: ImportBatch, layouts: list[SheetLayout], rejected: list[Rejected]
) -> None:
    """The refused rows as they were, under their own header, with the reason beside them."""
    if not rejected:
        batch.error_file = ""
        return
    raw_rows = _raw_rows(batch, {(r.sheet, r.number) for r in rejected if not r.raw})
    by_sheet: dict[str, list[Rejected]] = defaultdict(list)
    for row in rejected:
        by_sheet[row.sheet].append(row)
    reason, row_number = _("Reason for rejection"), _("Original row")
    sheets = []
    for layout in layouts:
        if layout.name not in by_sheet:
            continue
        rows = sorted(by_sheet[layout.name], key=lambda r: r.number)
        width = len(layout.header)
        sheets.append(
            (
                layout.name,
                [*layout.header, reason, row_number],
                (
                    [
                        *_padded(r.raw or raw_rows.get((r.sheet, r.number), []), width),
                        message_text(r.reason),
                        r.number,
                    ]
                    for r in rows
                ),
            )
        )
    content = _write_error_sheets(importer_for(batch.kind), sheets)
    batch.error_file.save(f"{batch.pk}-errors.xlsx", ContentFile(content), save=False)


def _padded(row: list[Any], width: int) -> list[Any]:
    return [*row[:width], *([None] * (width - len(row)))]


def _raw_rows(batch: ImportBatch, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], list]:
    """Read again the original cells of rows refused after parsing (duplicates, conflicts)."""
    if not wanted:
        return {}
    with batch.file.open("rb") as handle:
        data = handle.read()
    found = {}
    for sheet in read_sheets(data, filename=batch.file_name, max_bytes=max_file_bytes()):
        for number, row in enumerate(sheet.rows, start=1):
            if (sheet.name, number) in wanted:
                found[(sheet.name, number)] = list(row)
    return found
