"""Photos as phone cameras write them: JPEGs with EXIF data, GPS position and camera included."""

import io

from PIL import Image

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


def camera_photo(
    *,
    size: tuple[int, int] = (800, 600),
    taken: str | None = "2026:11:30 09:15:00",
    offset: str | None = None,
    latitude: tuple[float, float, float] = (35.0, 14.0, 30.5),
    longitude: tuple[float, float, float] = (115.0, 28.0, 10.25),
    model: str = "Huawei Mate 60",
    orientation: int = 1,
    quality: int = 92,
    grain: int = 0,
) -> bytes:
    """A JPEG of a smooth scene (with ``grain``, as large as a camera's), with EXIF data: the
    time it was taken, the camera and where it stood."""
    width, height = size
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)
    )
    if grain:
        # Sensor grain: what makes a real camera's photo several megabytes.
        noise = Image.effect_noise((width, height), grain).convert("RGB")
        image = Image.blend(image, noise, 0.25)
    exif = Image.Exif()
    exif[MAKE] = "HUAWEI"
    exif[MODEL] = model
    exif[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    if taken is not None:
        details[DATE_TIME_ORIGINAL] = taken
    if offset is not None:
        details[OFFSET_TIME_ORIGINAL] = offset
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", latitude
    gps[3], gps[4] = "E", longitude
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()
