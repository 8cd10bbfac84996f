"""Evidence files (佐证材料): photos, PDFs and Office documents, checked before they are kept.

A photo is stored as the cadre photos are (upright JPEG, no metadata, a random name); a PDF
must open, unencrypted, with pages; a Word, Excel or PowerPoint file must be a real one of the
current formats (a zip package of that kind) without macros. Anything else is refused.
"""

import io
import secrets
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from units.photos import prepare_photo

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# A scanned page must stay readable: far larger than a notice-board photo.
SCAN_BOX = (2400, 2400)
MAX_PDF_PAGES = 100
# An Office file unpacks to far more than it weighs, but not to this much.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PACKAGE_ENTRIES = 5000
# The folder an Office package keeps its content in, and the suffix it is stored with.
OFFICE_KINDS = {"word/": ".docx", "xl/": ".xlsx", "ppt/": ".pptx"}
# What a kept file is served as; nothing else is ever stored.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _not_evidence() -> ValidationError:
    return ValidationError(
        gettext(
            "Evidence must be a photo (JPEG, PNG, WebP, GIF or BMP), a PDF, or a Word, Excel or "
            "PowerPoint file (.docx, .xlsx, .pptx)."
        ),
        code="not_evidence",
    )


def _damaged() -> ValidationError:
    return ValidationError(
        gettext("The file is damaged or incomplete; save it again and upload it."),
        code="damaged",
    )


def display_name(upload: UploadedFile) -> str:
    """The name the uploader gave the file, without folders, for lists; never a stored path."""
    name = PurePath(str(upload.name or "").replace("\\", "/")).name.strip()
    return name[:200] or gettext("file")


def prepare_evidence(upload: UploadedFile) -> ContentFile:
    """The checked file to keep, under a random name."""
    if upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            gettext("A file must not be larger than %(max_mb)s MB.")
            % {"max_mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" in head:
        return _checked_pdf(upload.read(MAX_EVIDENCE_BYTES + 1))
    if head.startswith(b"PK\x03\x04"):
        return _checked_office(upload.read(MAX_EVIDENCE_BYTES + 1))
    try:
        return prepare_photo(upload, box=SCAN_BOX)
    except ValidationError as error:
        if error.code == "not_an_image":
            raise _not_evidence() from None
        raise


def _name(suffix: str) -> str:
    # A random name: the file name should not say which village or person it concerns.
    return f"{secrets.token_hex(8)}{suffix}"


def _checked_pdf(data: bytes) -> ContentFile:
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
        raise _damaged() from None
    if pages < 1:
        raise ValidationError(gettext("The PDF has no pages."), code="no_pages")
    if pages > MAX_PDF_PAGES:
        raise ValidationError(
            gettext("A PDF of evidence has at most %(pages)s pages.") % {"pages": MAX_PDF_PAGES},
            code="too_many_pages",
        )
    return ContentFile(data, name=_name(".pdf"))


def _checked_office(data: bytes) -> ContentFile:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
            # Sizes first: a package that unpacks to gigabytes is not read at all.
            if len(entries) > MAX_PACKAGE_ENTRIES or (
                sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES
            ):
                raise _damaged()
            if package.testzip() is not None:
                raise _damaged()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        raise _damaged() from None
    names = [entry.filename for entry in entries]
    if "[Content_Types].xml" not in names:
        raise _not_evidence()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(
            gettext("Files with macros are not accepted; save it without macros and upload it."),
            code="macros",
        )
    for folder, suffix in OFFICE_KINDS.items():
        if any(name.startswith(folder) for name in names):
            return ContentFile(data, name=_name(suffix))
    raise _not_evidence()
