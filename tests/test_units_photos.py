"""Cadre photos: only real images are kept, upright, small and without metadata."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import make_cadre, make_staff_user
from units.models import Cadre
from units.photos import prepare_photo

NOT_A_PHOTO = "该文件不是照片，请上传 JPEG、PNG、WebP、GIF 或 BMP 格式的图片。"
TOO_MANY_PIXELS = "图片像素过多，请使用不超过 50 百万像素的照片。"


def image_file(
    size: tuple[int, int],
    *,
    format: str = "JPEG",
    mode: str = "RGB",
    color: object = "navy",
    exif: Image.Exif | None = None,
    name: str = "photo.jpg",
) -> SimpleUploadedFile:
    image = Image.new(mode, size, color)
    output = io.BytesIO()
    image.save(output, format=format, **({"exif": exif} if exif is not None else {}))
    return SimpleUploadedFile(name, output.getvalue(), content_type=f"image/{format.lower()}")


def opened(content: object) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """A tiny PNG file whose header claims the given dimensions: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    ihdr = struct.pack(">I", len(header)) + b"IHDR" + header
    ihdr += struct.pack(">I", zlib.crc32(b"IHDR" + header))
    idat_data = zlib.compress(b"\x00" * 16)
    idat = struct.pack(">I", len(idat_data)) + b"IDAT" + idat_data
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + idat_data))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return SimpleUploadedFile("bomb.png", b"\x89PNG\r\n\x1a\n" + ihdr + idat + iend)


def refusal(upload: SimpleUploadedFile) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        prepare_photo(upload)
    return caught.value.messages


def test_a_large_jpeg_is_accepted_and_shrunk_to_fit_the_frame() -> None:
    photo = opened(prepare_photo(image_file((1800, 1200))))
    assert photo.format == "JPEG"
    assert photo.mode == "RGB"
    assert photo.size == (600, 400)


def test_a_tall_png_fits_within_600_by_800() -> None:
    photo = opened(prepare_photo(image_file((900, 2400), format="PNG", name="photo.png")))
    assert photo.format == "JPEG"
    assert photo.size == (300, 800)


def test_a_small_photo_is_not_enlarged() -> None:
    photo = opened(prepare_photo(image_file((120, 160))))
    assert photo.size == (120, 160)


def test_transparent_parts_of_a_png_come_out_white_not_black() -> None:
    upload = image_file((200, 200), format="PNG", mode="RGBA", color=(0, 0, 0, 0))
    photo = opened(prepare_photo(upload))
    assert photo.getpixel((100, 100)) >= (250, 250, 250)


def test_a_photo_taken_with_the_phone_on_its_side_comes_out_upright() -> None:
    # As a phone stores it: landscape pixels, red on the left, and EXIF orientation 6,
    # "rotate 90° clockwise to view".
    image = Image.new("RGB", (400, 200), "blue")
    image.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    photo = opened(prepare_photo(SimpleUploadedFile("side.jpg", output.getvalue())))
    assert photo.size == (200, 400)
    top, bottom = photo.getpixel((100, 50)), photo.getpixel((100, 350))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_camera_and_location_metadata_are_removed() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0132] = "2024:05:01 10:00:00"
    photo = opened(prepare_photo(image_file((800, 600), exif=exif)))
    assert not photo.getexif()
    assert "exif" not in photo.info
    assert "icc_profile" not in photo.info


def test_a_text_file_named_jpg_is_refused() -> None:
    upload = SimpleUploadedFile("photo.jpg", "王建国 13800138000\n".encode(), "image/jpeg")
    assert refusal(upload) == [NOT_A_PHOTO]


def test_a_pdf_is_refused_whatever_its_name() -> None:
    upload = SimpleUploadedFile(
        "photo.png", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    )
    assert refusal(upload) == [NOT_A_PHOTO]


def test_a_file_over_5_mb_is_refused_before_it_is_opened() -> None:
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024))
    assert refusal(upload) == ["照片不能大于 5 MB。"]


def test_an_image_with_more_than_50_megapixels_is_refused() -> None:
    assert refusal(png_claiming(10_000, 6_000)) == [TOO_MANY_PIXELS]


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    assert refusal(png_claiming(60_000, 60_000)) == [TOO_MANY_PIXELS]


def test_a_truncated_photo_is_refused_as_damaged() -> None:
    whole = image_file((800, 600)).read()
    upload = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2])
    assert refusal(upload) == ["图片已损坏或不完整，请重新保存后上传。"]


def cadre_change_data(client: Client, cadre: Cadre) -> dict[str, object]:
    """The cadre's change form as the browser would post it back unchanged."""
    page = client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    data: dict[str, object] = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if name == "photo" or value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


@pytest.fixture
def cadre(db: None) -> Cadre:
    return make_cadre(name="张建华", position="副科长")


def test_coordinator_uploads_a_photo_on_the_cadre_page(
    superuser_client: Client, cadre: Cadre
) -> None:
    data = cadre_change_data(superuser_client, cadre)
    data["photo"] = image_file((1600, 2000), name="张建华.jpg")
    response = superuser_client.post(reverse("admin:units_cadre_change", args=[cadre.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    cadre.refresh_from_db()
    assert cadre.photo.name.startswith("cadres/")
    assert cadre.photo.name.endswith(".jpg")
    assert "张建华" not in cadre.photo.name
    stored = Path(settings.MEDIA_ROOT) / cadre.photo.name
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (600, 750)

    page = superuser_client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    photo_url = reverse("units:cadre_photo", args=[cadre.pk])
    assert f'<img src="{photo_url}?v={cadre.photo.name}"' in page.text
    served = superuser_client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == stored.read_bytes()


def test_the_cadre_page_refuses_a_text_file_named_jpg(
    superuser_client: Client, cadre: Cadre
) -> None:
    data = cadre_change_data(superuser_client, cadre)
    data["photo"] = SimpleUploadedFile("photo.jpg", b"not a picture at all", "image/jpeg")
    response = superuser_client.post(reverse("admin:units_cadre_change", args=[cadre.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"] == [NOT_A_PHOTO]
    cadre.refresh_from_db()
    assert not cadre.photo


def test_clearing_the_photo_on_the_cadre_page_removes_it(
    superuser_client: Client, cadre: Cadre
) -> None:
    cadre.photo = prepare_photo(image_file((300, 400)))
    cadre.save()
    data = cadre_change_data(superuser_client, cadre)
    data["photo-clear"] = "on"
    response = superuser_client.post(reverse("admin:units_cadre_change", args=[cadre.pk]), data)
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.photo


@pytest.mark.django_db
def test_a_photo_is_shown_only_to_staff_who_may_see_cadres_or_work_groups(
    client: Client, cadre: Cadre
) -> None:
    cadre.photo = prepare_photo(image_file((300, 400)))
    cadre.save()
    url = reverse("units:cadre_photo", args=[cadre.pk])

    assert client.get(url).status_code == 302
    client.force_login(make_staff_user("no-permissions"))
    assert client.get(url).status_code == 403
    client.force_login(make_staff_user("board-viewer", "units.view_workgroup"))
    assert client.get(url).status_code == 200
    client.force_login(make_staff_user("cadre-viewer", "units.view_cadre"))
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_cadre_without_a_photo_has_no_photo_to_serve(client: Client, cadre: Cadre) -> None:
    client.force_login(make_staff_user("cadre-viewer", "units.view_cadre"))
    assert client.get(reverse("units:cadre_photo", args=[cadre.pk])).status_code == 404
