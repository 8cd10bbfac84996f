import io
import logging
import re

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from devdata.demo import CADRE_PASSWORD, SUPERUSER
from shuanglian.log_filters import MaskedAdminEmailHandler, MaskPersonalNumbers
from shuanglian.models import AuditEvent, Role, UserScope
from tests.factories import make_household, make_user
from tests.test_villages_exports import XLSX, export, read_xlsx
from units.models import Cadre, Unit
from villages.models import County, Household, Township
from villages.validators import mask_personal_numbers, mask_resident_id

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
FULL_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
REVEAL_BUTTON = "显示完整身份证号"


def make_coordinator(
    username: str = "coordinator",
    *,
    full_personal_data: bool = False,
    role: str = Role.CITY,
    **area: object,
) -> Client:
    """A coordinator (by default of the city) who may view every admin list, signed in."""
    user = make_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    UserScope.objects.create(user=user, role=role, full_personal_data=full_personal_data, **area)
    client = Client()
    client.force_login(user)
    return client


def household_url(household: Household, view: str = "change") -> str:
    return reverse(f"admin:villages_household_{view}", args=[household.pk])


def assert_no_personal_numbers(text: str, where: str) -> None:
    assert not FULL_ID.search(text), f"a full resident ID in {where}"
    assert not FULL_MOBILE.search(text), f"a full mobile number in {where}"


# --- Masking ---------------------------------------------------------------------------------


def test_a_masked_id_keeps_only_the_first_and_last_four_characters() -> None:
    assert mask_resident_id("37172819900101123X") == "3717**********123X"


def test_free_text_has_every_id_and_mobile_number_masked() -> None:
    text = "户主 37172819900101123X 电话 13800138000，座机 053012345678"
    assert (
        mask_personal_numbers(text) == "户主 3717**********123X 电话 138****8000，座机 053012345678"
    )


def test_household_and_cadre_names_carry_no_id_or_phone_numbers(demo: None) -> None:
    household = Household.objects.exclude(phone="").select_related("village").first()
    cadre = Cadre.objects.select_related("unit").first()
    assert household.id_number not in str(household)
    assert household.phone not in str(household)
    assert cadre.phone not in str(cadre)


def test_household_change_page_masks_the_id_and_phone_without_full_personal_data(
    demo: None,
) -> None:
    client = make_coordinator()
    household = Household.objects.exclude(phone="").first()
    text = client.get(household_url(household)).text
    assert household.masked_id_number in text
    assert household.id_number not in text
    assert household.phone not in text
    assert REVEAL_BUTTON not in text


def test_household_change_page_offers_the_reveal_button_with_full_personal_data(
    demo: None,
) -> None:
    client = make_coordinator(full_personal_data=True)
    household = Household.objects.exclude(phone="").first()
    text = client.get(household_url(household)).text
    assert REVEAL_BUTTON in text
    assert household.id_number not in text
    assert household.phone in text


def test_revealing_a_full_id_shows_it_once_and_is_recorded(demo: None) -> None:
    client = make_coordinator(full_personal_data=True)
    household = make_household()
    response = client.post(household_url(household, "reveal"))
    assert response.status_code == 200
    assert household.id_number in response.text
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal")
    assert (event.username, event.result, event.object_type, event.object_id) == (
        "coordinator",
        "success",
        "villages.household",
        str(household.pk),
    )
    assert household.id_number not in client.get(household_url(household)).text


def test_revealing_needs_full_personal_data_and_the_refusal_is_recorded(demo: None) -> None:
    client = make_coordinator()
    household = make_household()
    response = client.post(household_url(household, "reveal"))
    assert response.status_code == 403
    assert household.id_number not in response.text
    event = AuditEvent.objects.get(action="reveal")
    assert (event.result, event.object_id) == ("refused", str(household.pk))


def test_revealing_is_a_post_only(demo: None) -> None:
    client = make_coordinator(full_personal_data=True)
    household = make_household()
    assert client.get(household_url(household, "reveal")).status_code == 405
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_household_export_is_masked_for_a_coordinator_without_full_data(demo: None) -> None:
    client = make_coordinator()
    rows = read_xlsx(export(client, XLSX))
    assert len(rows) == Household.objects.count() + 1
    for row in rows[1:]:
        assert_no_personal_numbers(" ".join(str(cell.value or "") for cell in row), "export")


def test_cadre_list_masks_phones(demo: None) -> None:
    client = make_coordinator()
    text = client.get(reverse("admin:units_cadre_changelist")).text
    cadre = Cadre.objects.order_by("name").first()
    assert cadre.masked_phone in text
    assert_no_personal_numbers(text, "the cadre list")


# --- Caching ---------------------------------------------------------------------------------


def test_signed_in_pages_are_never_stored_by_browsers_or_proxies(demo: None) -> None:
    client = make_coordinator()
    household = Household.objects.first()
    for url in (
        reverse("admin:villages_household_changelist"),
        household_url(household),
        reverse("gap_list", args=["households"]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


# --- Logs and error e-mails ------------------------------------------------------------------


def test_log_lines_have_ids_and_mobile_numbers_masked(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord(
        "villages",
        logging.WARNING,
        __file__,
        1,
        "row %s: %s",
        ("37172819900101123X", 13800138000),
        None,
    )
    assert MaskPersonalNumbers().filter(record)
    assert record.getMessage() == "row 3717**********123X: 138****8000"


def test_the_console_handler_masks_what_is_logged(capsys: pytest.CaptureFixture) -> None:
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    assert any(isinstance(f, MaskPersonalNumbers) for f in handler.filters)


def test_tracebacks_in_logs_are_masked() -> None:
    try:
        raise ValueError("bad ID 37172819900101123X")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    MaskPersonalNumbers().filter(record)
    assert "37172819900101123X" not in record.exc_text
    assert "3717**********123X" in record.exc_text


def test_error_emails_carry_no_id_or_mobile_numbers(settings: object) -> None:
    settings.ADMINS = [("Ops", "ops@example.com")]
    handler = MaskedAdminEmailHandler(include_html=True)
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "failed for %s", ("13800138000",), None
    )
    handler.emit(record)
    message = mail.outbox[-1]
    assert "13800138000" not in message.subject + message.body
    assert "138****8000" in message.subject


# --- A crawl of every page as a coordinator without full personal data ------------------------


def _admin_urls() -> list[str]:
    urls = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        obj = model_admin.get_queryset(_crawl_request()).order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))
    return urls


def _crawl_request() -> object:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserScope.objects.get(user__username="coordinator").user
    return request


def _cadre_urls(cadre: Cadre) -> list[str]:
    household = Household.objects.filter(assignments__cadre=cadre).first()
    village = cadre.work_groups.first().village if hasattr(cadre, "work_groups") else None
    urls = [
        reverse("visits:my_households"),
        reverse("visits:my_needs"),
        reverse("visits:household", args=[household.pk]),
        reverse("visits:log_visit", args=[household.pk]),
        reverse("units:my_villages"),
    ]
    if village is not None:
        urls.append(reverse("units:village_survey", args=[village.pk]))
    return urls


def _gap_exports() -> list[str]:
    from shuanglian.figures.coverage import GAPS

    return [f"{reverse('gap_list', args=[slug])}?format=xlsx" for slug in GAPS] + [
        reverse("gap_list", args=[slug]) for slug in GAPS
    ]


def _text_of(response: object) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            " ".join(str(value) for value in row if value is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8-sig", errors="replace")


ROLES_WITHOUT_FULL_DATA = {
    "city": {},
    "county": {"county": lambda: County.objects.get(code="371728000000")},
    "township": {"township": lambda: Township.objects.get(name="沙窝镇")},
    "liaison": {"unit": lambda: Unit.objects.get(name="市委组织部")},
    "auditor": {},
}


@pytest.mark.parametrize("role", ROLES_WITHOUT_FULL_DATA)
def test_no_page_shows_a_full_id_or_mobile_number_to_a_coordinator_without_full_data(
    demo: None, role: str
) -> None:
    area = {name: get() for name, get in ROLES_WITHOUT_FULL_DATA[role].items()}
    client = make_coordinator(role=role, **area)
    crawled = 0
    for url in [*_admin_urls(), reverse("dashboard"), *_gap_exports()]:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        if response.status_code == 200:
            assert_no_personal_numbers(_text_of(response), url)
            crawled += 1
    # The auditor reads the audit trail only; the others see their area's pages.
    assert crawled > (1 if role == "auditor" else 20)


def test_no_cadre_page_shows_a_full_resident_id(demo: None) -> None:
    # The cadre calls their households: their phones are shown in full here, IDs never.
    cadre = Cadre.objects.get(user__username="cadre1")
    client = Client()
    client.login(username="cadre1", password=CADRE_PASSWORD)
    for url in _cadre_urls(cadre):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert not FULL_ID.search(_text_of(response)), url


def test_the_superuser_is_treated_as_having_full_personal_data(demo: None) -> None:
    client = Client()
    client.login(username=SUPERUSER.username, password=SUPERUSER.password)
    household = Household.objects.first()
    assert REVEAL_BUTTON in client.get(household_url(household)).text
