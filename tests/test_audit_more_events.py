"""Events that the audit trail also keeps: gap-list downloads and purges."""

import pytest
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_gap_list_download_records_who_which_list_which_area_and_how_many_rows(
    coverage_city: dict, admin_client: Client
) -> None:
    township = coverage_city["t1"]
    url = reverse("gap_list", args=["households"])
    response = admin_client.get(url, {"area": township.code, "format": "xlsx"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert event.username == "admin"
    assert (event.object_type, event.object_id) == ("villages.township", str(township.pk))
    assert event.details == {
        "model": "villages.household",
        "rows": 2,
        "gap_list": "households",
        "area": township.code,
    }


def test_a_gap_list_download_for_the_whole_city_is_recorded_too(
    coverage_city: dict, admin_client: Client
) -> None:
    admin_client.get(reverse("gap_list", args=["villages"]), {"format": "xlsx"})
    event = AuditEvent.objects.get(action="export")
    listed = (event.details["gap_list"], event.details["area"], event.object_id)
    assert listed == ("villages", "", "")
    assert event.details["rows"] == 2


def test_viewing_a_gap_list_on_screen_is_not_recorded_as_a_download(
    coverage_city: dict, admin_client: Client
) -> None:
    assert admin_client.get(reverse("gap_list", args=["villages"])).status_code == 200
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_unknown_gap_list_format_is_not_found_and_not_recorded(
    coverage_city: dict, admin_client: Client
) -> None:
    response = admin_client.get(reverse("gap_list", args=["villages"]), {"format": "pdf"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
