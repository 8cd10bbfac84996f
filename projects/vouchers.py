"""Disbursement vouchers (拨付凭证): a real PDF, or a photo or scan of the paper voucher."""

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from units.photos import prepare_photo

MAX_VOUCHER_BYTES = 10 * 1024 * 1024
# A scan must stay readable: far larger than a notice-board photo.
SCAN_BOX = (2400, 2400)
MAX_PDF_PAGES = 50


def _not_a_voucher() -> ValidationError:
    return ValidationError(
        gettext("The voucher must be a PDF file or a photo (JPEG, PNG, WebP, GIF or BMP)."),
        code="not_a_voucher",
    )


def prepare_voucher(upload: UploadedFile) -> ContentFile:
    """Check an uploaded voucher: a PDF that opens, with pages, unencrypted; or an image,
    stored as the cadre photos are (upright JPEG, no metadata), at a readable size."""
    if upload.size is not None and upload.size > MAX_VOUCHER_BYTES:
        raise ValidationError(
            gettext("The voucher must not be larger than %(max_mb)s MB.")
            % {"max_mb": MAX_VOUCHER_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" in head:
        return _checked_pdf(upload)
    try:
        return prepare_photo(upload, box=SCAN_BOX)
    except ValidationError as error:
        if error.code == "not_an_image":
            raise _not_a_voucher() from None
        raise


def _checked_pdf(upload: UploadedFile) -> ContentFile:
    data = upload.read(MAX_VOUCHER_BYTES + 1)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise ValidationError(
                gettext("The PDF is password-protected; upload it without a password."),
                code="encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise ValidationError(
            gettext("The PDF is damaged or incomplete; save it again and upload it."),
            code="damaged",
        ) from None
    if pages < 1:
        raise ValidationError(gettext("The PDF has no pages."), code="no_pages")
    if pages > MAX_PDF_PAGES:
        raise ValidationError(
            gettext("A voucher has at most %(pages)s pages.") % {"pages": MAX_PDF_PAGES},
            code="too_many_pages",
        )
    # A random name, as for photos: the file name should not say whose money it was.
    return ContentFile(data, name=f"{secrets.token_hex(8)}.pdf")
