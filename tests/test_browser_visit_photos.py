"""A cadre on a phone adds a camera photo and the phone's location to a visit: the photo is
shrunk on the phone, the location asked for with consent, and both stored with the visit."""

import io
import re
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import make_assignment, make_cadre, make_household, make_user
from tests.photo_files import EXIF_IFD, GPS_IFD, MODEL, camera_photo
from visits.locations import Position, record_location
from visits.models import Visit, VisitLocation, VisitPhoto
from visits.photos import prepare_visit_photo, store_visit_photos

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"
PASSWORD = "a-long-test-password"
HEZE = {"latitude": 35.233752, "longitude": 115.480656, "accuracy": 18}
TODAY = timezone.localdate()
LOCALES = {"zh": "zh-CN", "en": "en-US"}
TEXT = {
    "zh": {"located": "已获取位置，±18 米。", "recorded": "走访已记录。"},
    "en": {"located": "Location recorded, ±18 m.", "recorded": "Visit recorded."},
}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def camera_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("IMG_0001.jpg", camera_photo(), content_type="image/jpeg")


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_url(re.compile(r"/me/"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_camera_photo_is_shrunk_on_the_phone_and_stored_with_the_location(
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    width: int,
    language: str,
) -> None:
    cadre = make_cadre(name="刘干部", user=make_user("liu", password=PASSWORD))
    household = make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household
    context = browser_context(
        viewport={"width": width, "height": 844 if width < 500 else 900},
        is_mobile=width < 500,
        has_touch=width < 500,
        locale=LOCALES[language],
        permissions=["geolocation"],
        geolocation=HEZE,
    )
    page = context.new_page()
    sign_in(page, live_server.url, "liu")
    page.goto(live_server.url + reverse("visits:log_visit", args=[household.pk]))
    page.fill("textarea[name=summary]", "了解今年小麦收成")

    original = camera_photo(size=(4000, 3000), grain=30)
    assert len(original) > 2_000_000
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": original}],
    )
    expect(page.locator("#photo-list canvas")).to_have_count(1)
    expect(page.locator("#visit-form")).not_to_have_attribute("data-photos-busy", "1")
    # What the offline queue reads: the form's own data holds the shrunk file and its time.
    sent = page.evaluate(
        """() => {
          const data = new FormData(document.getElementById("visit-form"));
          const files = data.getAll("photos");
          return {count: files.length, size: files[0].size, type: files[0].type,
                  times: data.getAll("photo_taken_at")};
        }"""
    )
    assert sent["count"] == 1
    assert sent["size"] < 400 * 1024
    assert sent["type"] == "image/jpeg"
    assert sent["times"] == ["2026:11:30 09:15:00"]

    page.check("input[name=location_consent]")
    expect(page.locator("#location-status")).to_have_text(TEXT[language]["located"])
    no_sideways_scroll(page, width)
    shot(page, f"visit-form-{language}-{width}")

    page.locator("#visit-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/me/households/{household.pk}/$"))
    expect(page.locator(".messages")).to_have_text(TEXT[language]["recorded"])
    thumbnail = page.locator("#visit-history .visit-photos img")
    expect(thumbnail).to_have_count(1)
    # Loaded through the area-checked view: a refused image would have no width.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    no_sideways_scroll(page, width)
    shot(page, f"household-{language}-{width}")

    visit = Visit.objects.get(household=household)
    photo = VisitPhoto.objects.get(visit=visit)
    data = photo.image.open("rb").read()
    assert len(data) < 400 * 1024
    image = Image.open(io.BytesIO(data))
    assert max(image.size) <= 1600
    exif = image.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert MODEL not in exif
    assert not exif.get_ifd(EXIF_IFD)
    assert f"{photo.taken_at:%Y-%m-%d %H:%M}" == "2026-11-30 01:15"  # 09:15 in Heze, in UTC
    location = VisitLocation.objects.get(visit=visit)
    assert (float(location.latitude), float(location.longitude)) == (35.233752, 115.480656)
    assert location.accuracy == 18


def test_a_visit_sent_while_its_photos_are_being_shrunk_waits_for_them(
    live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    cadre = make_cadre(name="刘干部", user=make_user("liu", password=PASSWORD))
    household = make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household
    context = browser_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server.url, "liu")
    page.goto(live_server.url + reverse("visits:log_visit", args=[household.pk]))
    page.fill("textarea[name=summary]", "送去慰问品")
    photos = [
        {"name": f"IMG_{n}.jpg", "mimeType": "image/jpeg", "buffer": camera_photo(grain=30)}
        for n in range(2)
    ]
    page.set_input_files("input[name=photos]", files=photos)
    page.locator("#visit-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/me/households/{household.pk}/$"))
    assert VisitPhoto.objects.filter(visit__household=household).count() == 2
    assert not VisitLocation.objects.exists()


def test_a_refused_location_is_said_plainly_and_the_visit_is_still_saved(
    live_server: Any, browser_context: Callable[..., BrowserContext]
) -> None:
    cadre = make_cadre(name="刘干部", user=make_user("liu", password=PASSWORD))
    household = make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household
    context = browser_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server.url, "liu")
    page.goto(live_server.url + reverse("visits:log_visit", args=[household.pk]))
    page.fill("textarea[name=summary]", "了解近况")
    page.check("input[name=location_consent]")
    expect(page.locator("#location-status")).to_have_text(
        "手机未允许读取位置；走访记录仍可保存，不含位置。"
    )
    page.locator("#visit-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/me/households/{household.pk}/$"))
    assert Visit.objects.filter(household=household).count() == 1
    assert not VisitLocation.objects.exists()


def test_a_visit_with_photos_made_without_a_signal_is_kept_with_them_and_sent_once(
    live_server: Any,
    browser_context: Callable[..., BrowserContext],
    server_quiet: Callable[[], None],
) -> None:
    cadre = make_cadre(name="刘干部", user=make_user("liu", password=PASSWORD))
    household = make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household
    context = browser_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server.url, "liu")
    page.goto(live_server.url + reverse("visits:log_visit", args=[household.pk]))
    page.fill("textarea[name=summary]", "了解近况")
    photo = {"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}
    page.set_input_files("input[name=photos]", files=[photo])
    expect(page.locator("#photo-list canvas")).to_have_count(1)
    context.set_offline(True)
    page.locator("#visit-form [type=submit]").click()
    expect(page.locator("#draft-status")).to_contain_text("已保存在手机上")
    assert not Visit.objects.filter(household=household).exists()
    context.set_offline(False)
    page.goto(live_server.url + reverse("visits:my_households"))
    # Sent by the page or by the worker's background sync, whichever comes first: the record
    # leaves the queue once the server has answered.
    page.wait_for_function("async () => (await OfflineQueue.all(OfflineQueue.QUEUE)).length === 0")
    server_quiet()
    assert Visit.objects.filter(household=household).count() == 1
    assert VisitPhoto.objects.filter(visit__household=household).count() == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_coordinator_sees_the_photo_and_the_location_on_the_visit_admin_page(
    live_server: Any, browser_context: Callable[..., BrowserContext], language: str
) -> None:
    cadre = make_cadre(name="刘干部")
    household = make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household
    visit = Visit.objects.create(
        household=household, cadre=cadre, visited_on=TODAY, summary="走访", outcome="met"
    )
    store_visit_photos(visit=visit, photos=[prepare_visit_photo(camera_upload())])
    record_location(
        visit=visit, position=Position(Decimal("35.233752"), Decimal("115.480656"), accuracy=18)
    )
    make_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    context = browser_context(viewport={"width": 1366, "height": 900}, locale=LOCALES[language])
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").click()
    page.goto(live_server.url + reverse("admin:visits_visit_change", args=[visit.pk]))
    thumbnail = page.locator(".visit-photo img")
    expect(thumbnail).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    expect(page.locator(".field-location_line")).to_contain_text("35.233752, 115.480656 ±18")
    shot(page, f"visit-admin-{language}-1366")
