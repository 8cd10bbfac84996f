"""Visit photos (入户照片): checked and re-encoded on the server with only the time kept, stored
once per visit, shown only through views that check who may see the household."""

import datetime
import io
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from shuanglian.models import Role, UserScope
from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_township,
    make_user,
    make_village,
    make_visit_intervals,
)
from tests.photo_files import DATE_TIME_ORIGINAL, EXIF_IFD, GPS_IFD, MODEL, camera_photo
from units.models import Cadre
from villages.models import Household
from visits.models import Visit, VisitPhoto
from visits.photos import prepare_visit_photo, store_visit_photos

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CHINA = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals()
    return make_cadre(name="刘干部", user=make_user("liu"))


@pytest.fixture
def household(cadre: Cadre) -> Household:
    return make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household


@pytest.fixture
def cadre_client(cadre: Cadre) -> Client:
    client = Client()
    client.force_login(cadre.user)
    return client


def jpeg(name: str = "IMG_0001.jpg", **options: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, camera_photo(**options), content_type="image/jpeg")


def visit_data(**overrides: object) -> dict[str, object]:
    data = {
        "client_key": str(uuid.uuid4()),
        "visited_on": f"{TODAY:%Y-%m-%d}",
        "method": "home",
        "outcome": "met",
        "summary": "了解今年小麦收成",
        "satisfaction": "satisfied",
        "needs-TOTAL_FORMS": "0",
        "needs-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def post(client: Client, household: Household, **overrides: object) -> Any:
    return client.post(reverse("visits:log_visit", args=[household.pk]), visit_data(**overrides))


def photo_errors(response: Any) -> list[str]:
    return response.context["form"].errors.get("photos", [])


def coordinator(username: str, **scope: Any) -> Client:
    user = make_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    UserScope.objects.create(user=user, **scope)
    client = Client()
    client.force_login(user)
    return client


def stored_photo(household: Household, cadre: Cadre, **options: Any) -> VisitPhoto:
    visit = Visit.objects.create(
        household=household, cadre=cadre, visited_on=TODAY, summary="走访", outcome="met"
    )
    prepared = prepare_visit_photo(jpeg(**options))
    return store_visit_photos(visit=visit, photos=[prepared])[0]


# --- the upload --------------------------------------------------------------------------


def test_a_camera_photo_is_stored_small_upright_without_gps_or_camera_but_with_its_time(
    cadre_client: Client, household: Household
) -> None:
    upload = jpeg(size=(4000, 3000), grain=30)
    assert upload.size > 2_000_000
    response = post(cadre_client, household, photos=[upload])
    assert response.status_code == 302, photo_errors(response)
    photo = VisitPhoto.objects.get(visit__household=household)
    data = photo.image.open("rb").read()
    assert len(data) < 400 * 1024
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert max(image.size) == 1600
    exif = image.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert MODEL not in exif
    assert DATE_TIME_ORIGINAL not in exif.get_ifd(EXIF_IFD)
    assert "icc_profile" not in image.info
    assert b"Huawei" not in data
    assert photo.taken_at == datetime.datetime(2026, 11, 30, 9, 15, tzinfo=CHINA)
    assert not photo.image.name.startswith("visits/IMG")


def test_a_photo_turned_by_its_camera_is_stored_upright(
    cadre_client: Client, household: Household
) -> None:
    # Orientation 6: the sensor's landscape picture is shown turned a quarter clockwise.
    post(cadre_client, household, photos=[jpeg(size=(800, 600), orientation=6)])
    image = Image.open(VisitPhoto.objects.get().image.open("rb"))
    assert image.size == (600, 800)


def test_the_camera_offset_is_kept_with_the_time(
    cadre_client: Client, household: Household
) -> None:
    post(cadre_client, household, photos=[jpeg(taken="2026:11:30 09:15:00", offset="+00:00")])
    assert VisitPhoto.objects.get().taken_at == datetime.datetime(
        2026, 11, 30, 9, 15, tzinfo=datetime.UTC
    )


def test_a_photo_shrunk_on_the_phone_takes_the_time_the_phone_read_from_it(
    cadre_client: Client, household: Household
) -> None:
    # The phone's canvas dropped every metadata; the time came beside the file.
    response = post(
        cadre_client,
        household,
        photos=[jpeg("photo-1.jpg", taken=None), jpeg("photo-2.jpg", taken=None)],
        photo_taken_at=["2026:11:29 16:40:05", ""],
    )
    assert response.status_code == 302
    first, second = VisitPhoto.objects.order_by("pk")
    assert first.taken_at == datetime.datetime(2026, 11, 29, 16, 40, 5, tzinfo=CHINA)
    assert second.taken_at is None


def test_a_photo_taken_in_the_future_is_refused(cadre_client: Client, household: Household) -> None:
    later = timezone.localtime() + datetime.timedelta(days=2)
    response = post(cadre_client, household, photos=[jpeg(taken=f"{later:%Y:%m:%d %H:%M:%S}")])
    assert response.status_code == 400
    assert photo_errors(response) == ["第1张照片：照片的拍摄时间晚于现在，请检查手机的时间。"]
    assert not Visit.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(
    cadre_client: Client, household: Household
) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    response = post(cadre_client, household, photos=[jpeg(), fake])
    assert response.status_code == 400
    assert photo_errors(response) == [
        "第2张照片：该文件不是照片，请上传 JPEG、PNG、WebP、GIF 或 BMP 格式的图片。"
    ]
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()


def test_more_photos_than_the_setting_allows_are_refused(
    cadre_client: Client, household: Household, settings: Any
) -> None:
    settings.VISIT_PHOTOS_MAX = 2
    response = post(cadre_client, household, photos=[jpeg(), jpeg(), jpeg()])
    assert response.status_code == 400
    assert photo_errors(response) == ["一次走访最多上传2张照片。"]
    assert not Visit.objects.exists()


def test_the_form_offers_the_camera_for_up_to_four_photos_and_an_unticked_location_box(
    cadre_client: Client, household: Household
) -> None:
    text = cadre_client.get(reverse("visits:log_visit", args=[household.pk])).text
    assert 'enctype="multipart/form-data"' in text
    assert 'accept="image/*"' in text
    assert 'capture="environment"' in text
    assert 'data-max="4"' in text
    photo_input = re.search(r'<input type="file" name="photos"[^>]*>', text)[0]
    assert " multiple" in photo_input
    assert "记录我当前的位置" in text
    assert 'name="location_consent" id="id_location_consent">' in text
    assert "js/visit_photos.js" in text


def test_a_photo_larger_than_the_limit_is_refused_before_it_is_read(
    cadre_client: Client, household: Household
) -> None:
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8" + bytes(16 * 1024 * 1024), "image/jpeg")
    response = post(cadre_client, household, photos=[huge])
    assert response.status_code == 400
    assert photo_errors(response) == ["第1张照片：照片不能大于 15 MB。"]
    assert not Visit.objects.exists()


def test_a_visit_sent_again_with_its_photos_is_stored_once(
    cadre_client: Client, household: Household
) -> None:
    key = str(uuid.uuid4())
    first = post(cadre_client, household, client_key=key, photos=[jpeg(), jpeg()])
    again = post(cadre_client, household, client_key=key, photos=[jpeg(), jpeg()])
    assert (first.status_code, again.status_code) == (302, 302)
    assert Visit.objects.count() == 1
    assert VisitPhoto.objects.count() == 2


# --- who sees them -------------------------------------------------------------------------


def test_the_cadre_sees_the_photos_on_the_household_page_in_constant_queries(
    cadre_client: Client,
    household: Household,
    cadre: Cadre,
    django_assert_max_num_queries: Any,
) -> None:
    photo = stored_photo(household, cadre)
    url = reverse("visits:household", args=[household.pk])
    with django_assert_max_num_queries(12) as few:
        response = cadre_client.get(url)
    for _ in range(5):
        stored_photo(household, cadre)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = cadre_client.get(url)
    photo_url = reverse("visits:household_photo", args=[household.pk, photo.pk])
    assert f'src="{photo_url}"' in response.text
    answer = cadre_client.get(photo_url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "private" in answer["Cache-Control"]
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"


def test_a_cadre_cannot_open_a_photo_of_another_cadres_household(
    cadre_client: Client, household: Household
) -> None:
    other = make_assignment(household=make_household(head_name="李四"))
    photo = stored_photo(other.household, other.cadre)
    url = reverse("visits:household_photo", args=[other.household.pk, photo.pk])
    assert cadre_client.get(url).status_code == 404
    # Nor under the address of a household of their own.
    url = reverse("visits:household_photo", args=[household.pk, photo.pk])
    assert cadre_client.get(url).status_code == 404


def test_the_photos_stay_with_the_household_when_another_cadre_takes_it_over(
    household: Household, cadre: Cadre
) -> None:
    photo = stored_photo(household, cadre)
    household.assignments.update(ended_on=TODAY)
    successor = make_cadre(name="接替干部", user=make_user("next"))
    make_assignment(household=household, cadre=successor)
    client = Client()
    client.force_login(successor.user)
    url = reverse("visits:household_photo", args=[household.pk, photo.pk])
    assert client.get(url).status_code == 200
    client.force_login(cadre.user)
    assert client.get(url).status_code == 404


def test_the_visit_admin_shows_the_photos_to_its_area_and_to_nobody_else(
    household: Household, cadre: Cadre
) -> None:
    photo = stored_photo(household, cadre)
    township = household.village.township
    inside = coordinator("township", role=Role.TOWNSHIP, township=township)
    other_township = make_township(name="别的镇")
    make_village(township=other_township)
    outside = coordinator("other", role=Role.TOWNSHIP, township=other_township)
    url = reverse("admin:visits_visit_photo", args=[photo.visit.pk, photo.pk])
    change = reverse("admin:visits_visit_change", args=[photo.visit.pk])

    page = inside.get(change)
    assert page.status_code == 200
    assert f'src="{url}"' in page.text
    answer = inside.get(url)
    assert answer.status_code == 200
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "private" in answer["Cache-Control"]
    assert outside.get(url).status_code == 404
    assert outside.get(change).status_code == 302  # to the admin index: not found


def test_a_photo_is_not_found_under_another_visits_admin_address(
    household: Household, cadre: Cadre
) -> None:
    photo = stored_photo(household, cadre)
    other = stored_photo(household, cadre)
    client = coordinator("city", role=Role.CITY)
    url = reverse("admin:visits_visit_photo", args=[other.visit.pk, photo.pk])
    assert client.get(url).status_code == 404


def test_media_of_visit_photos_is_not_served_at_a_public_address(
    cadre_client: Client, household: Household, cadre: Cadre
) -> None:
    photo = stored_photo(household, cadre)
    assert cadre_client.get(f"/media/{photo.image.name}").status_code == 404
