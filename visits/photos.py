"""Visit photos (入户照片): checked like cadre photos, stored without metadata but the time."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from PIL import Image

from units.photos import checked_image, jpeg_file
from visits.models import Visit, VisitPhoto

# Phones shrink photos before sending them; a phone without scripts sends the original.
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# The long edge the phone shrinks to; the server keeps the same.
LONG_EDGE = 1600
# About what the phone aims at; the server steps the quality down until the photo fits.
TARGET_BYTES = 350 * 1024
QUALITIES = (82, 72, 62, 52)
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = datetime.timedelta(minutes=10)
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
TIME_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class PreparedPhoto:
    file: ContentFile
    taken_at: datetime.datetime | None


def max_photos() -> int:
    return settings.VISIT_PHOTOS_MAX


def parse_taken_at(text: str, offset: str = "") -> datetime.datetime | None:
    """A camera's time ("2026:11:30 09:15:00", or ISO), in the campaign's time zone unless an
    offset ("+08:00") is given; None when it is not a time."""
    text = (text or "").strip().rstrip("\x00").strip()
    # The phone sends the camera's offset after the time when the camera wrote one.
    offset = offset or text[19:]
    for pattern in TIME_FORMATS:
        try:
            moment = datetime.datetime.strptime(text[:19], pattern)  # noqa: DTZ007
        except ValueError:
            continue
        offset = (offset or "").strip().rstrip("\x00")
        if len(offset) == 6 and offset[0] in "+-":
            try:
                hours, minutes = int(offset[1:3]), int(offset[4:6])
            except ValueError:
                hours = minutes = 0
            else:
                sign = -1 if offset[0] == "-" else 1
                zone = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
                return moment.replace(tzinfo=zone)
        return timezone.make_aware(moment)
    return None


def _camera_time(exif: Image.Exif) -> datetime.datetime | None:
    try:
        details = exif.get_ifd(EXIF_IFD)
    except Exception:  # a malformed EXIF block carries no usable time
        return None
    original = details.get(DATE_TIME_ORIGINAL)
    if not isinstance(original, str):
        return None
    offset = details.get(OFFSET_TIME_ORIGINAL)
    return parse_taken_at(original, offset if isinstance(offset, str) else "")


def prepare_visit_photo(upload: UploadedFile, *, client_time: str = "") -> PreparedPhoto:
    """Check an uploaded visit photo; return it upright as a JPEG of about 300 KB, with only the
    time it was taken kept (the camera's, else the phone's reading of it, else none)."""
    image, exif = checked_image(upload, max_bytes=MAX_UPLOAD_BYTES)
    taken_at = _camera_time(exif) or parse_taken_at(client_time)
    if taken_at is not None and taken_at > timezone.now() + CLOCK_SLACK:
        raise ValidationError(
            gettext("A photo was taken in the future: check the time on the phone."),
            code="future_photo",
        )
    image.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    for quality in QUALITIES:
        stored = jpeg_file(image, quality=quality)
        if stored.size <= TARGET_BYTES:
            break
    return PreparedPhoto(file=stored, taken_at=taken_at)


def prepare_visit_photos(
    uploads: Sequence[UploadedFile], *, client_times: Sequence[str] = ()
) -> list[PreparedPhoto]:
    """Check the photos of one visit (at most ``VISIT_PHOTOS_MAX``), each with the time the
    phone read from it, in the same order."""
    if len(uploads) > max_photos():
        raise ValidationError(
            gettext("A visit has at most %(count)s photos.") % {"count": max_photos()},
            code="too_many_photos",
        )
    prepared = []
    for number, upload in enumerate(uploads, start=1):
        client_time = client_times[number - 1] if number <= len(client_times) else ""
        try:
            prepared.append(prepare_visit_photo(upload, client_time=client_time))
        except ValidationError as error:
            raise ValidationError(
                gettext("Photo %(number)s: %(reason)s")
                % {"number": number, "reason": " ".join(error.messages)},
                code=error.code,
            ) from None
    return prepared


def store_visit_photos(*, visit: Visit, photos: Sequence[PreparedPhoto]) -> list[VisitPhoto]:
    """Save checked photos with their visit (called inside the visit's transaction)."""
    stored: list[VisitPhoto] = []
    try:
        for prepared in photos:
            photo = VisitPhoto(visit=visit, taken_at=prepared.taken_at)
            photo.image.save(prepared.file.name, prepared.file, save=False)
            stored.append(photo)
            photo.save()
    except Exception:
        # The rows roll back with the visit; the files written so far must not stay behind.
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return stored


def photo_response(photo: VisitPhoto) -> FileResponse:
    """The stored JPEG, kept out of shared caches and never sniffed as anything else."""
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=3600)
    return response
