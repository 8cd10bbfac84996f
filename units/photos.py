"""Cadre photos: accept only real images and store them as small, clean JPEGs."""

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Far above any phone camera, far below what it takes to exhaust memory when decoded.
MAX_PHOTO_PIXELS = 50_000_000
# A 3:4 portrait, the shape of the photo frames on the notice board.
PHOTO_BOX = (600, 800)
JPEG_QUALITY = 85
# Only formats people send photos in; the others (EPS runs Ghostscript, for one) are
# never even tried. JPEG includes the multi-picture JPEGs some phones take.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")


def _pixel_limit() -> int:
    """Ours, or Pillow's decompression-bomb limit if that has been set lower."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return min(MAX_PHOTO_PIXELS, pillow_limit) if pillow_limit else MAX_PHOTO_PIXELS


def _not_a_photo() -> ValidationError:
    return ValidationError(
        _("This file is not a photo: upload a JPEG, PNG, WebP, GIF or BMP image."),
        code="not_an_image",
    )


def _on_white(image: Image.Image) -> Image.Image:
    """RGB, with transparent parts white rather than black, as they would print."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def checked_image(
    upload: UploadedFile, *, max_bytes: int = MAX_PHOTO_BYTES
) -> tuple[Image.Image, Image.Exif]:
    """Check an uploaded photo and return it upright, in RGB, with the EXIF data it carried
    (for the caller to pick from; the returned image holds none)."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The photo must not be larger than %(max_mb)s MB.")
            % {"max_mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        # Opening reads only the header, so the size is known before any pixel is decoded.
        image = Image.open(upload, formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise ValidationError(
            _("The image has too many pixels; use a photo of at most %(max_mp)s megapixels.")
            % {"max_mp": _pixel_limit() // 1_000_000},
            code="too_many_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise _not_a_photo() from None
    with image:
        if image.width * image.height > _pixel_limit():
            raise ValidationError(
                _("The image has too many pixels; use a photo of at most %(max_mp)s megapixels.")
                % {"max_mp": _pixel_limit() // 1_000_000},
                code="too_many_pixels",
            )
        try:
            image.load()
            exif = image.getexif()
            upright = ImageOps.exif_transpose(image)
        except Exception:
            # Malformed pixel or EXIF data surfaces as many different exception types.
            raise ValidationError(
                _("The image is damaged or incomplete; save it again and upload it."),
                code="damaged",
            ) from None
        return _on_white(upright), exif


def jpeg_file(photo: Image.Image, *, quality: int = JPEG_QUALITY) -> ContentFile:
    """The image as a JPEG under a random name, with no metadata."""
    output = io.BytesIO()
    # Saved without exif or icc_profile arguments: no GPS position, camera or date leaves.
    photo.save(output, format="JPEG", quality=quality, optimize=True)
    # A random name: the file name should not reveal whose photo it is.
    return ContentFile(output.getvalue(), name=f"{secrets.token_hex(8)}.jpg")


def prepare_photo(upload: UploadedFile, *, box: tuple[int, int] = PHOTO_BOX) -> ContentFile:
    """Check an uploaded photo and return it upright, as an RGB JPEG within ``box`` (600×800),
    with no metadata."""
    photo, _exif = checked_image(upload)
    photo.thumbnail(box, Image.Resampling.LANCZOS)
    return jpeg_file(photo)
