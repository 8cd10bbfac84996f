"""Error workbooks: full numbers for the uploader and the full-data right, masked otherwise,
and every download in the audit trail."""

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_coordinator, unique_resident_id
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

BAD_ID = unique_resident_id()
PHONE = "13912345678"
OTHER_MOBILE = "13687654321"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def batch(scope_world: ScopeWorld) -> ImportBatch:
    """A township coordinator's roster for their township with one rejected row."""
    rows = [
        ["户主姓名", "身份证号码", "村", "联系电话", "备注"],
        ["甲新户", unique_resident_id(), "甲村", "", ""],
        # Rejected: no such village. Its ID, phone and a mobile in a note go back to the clerk.
        ["错村户", BAD_ID, "无此村", PHONE, f"儿子电话{OTHER_MOBILE}"],
    ]
    data = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    client = client_for(scope_world.users["township"])
    response = client.post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("甲镇花名册.csv", data),
            "township": scope_world.home.village.township.pk,
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=scope_world.users["township"])
    assert (batch.created, batch.rejected) == (1, 1)
    return batch


def download(user: Any, batch: ImportBatch) -> list[tuple]:
    response = client_for(user).get(reverse("admin:villages_importbatch_errors", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def cells(rows: list[tuple]) -> set[str]:
    return {str(value) for row in rows for value in row if value is not None}


def test_the_uploader_without_the_full_data_right_gets_the_rows_in_full(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    header, row = download(scope_world.users["township"], batch)
    assert header[-2:] == ("错误原因", "原行号")
    assert (row[1], row[3]) == (BAD_ID, PHONE)
    assert f"儿子电话{OTHER_MOBILE}" in row


def test_a_county_coordinator_without_the_right_gets_ids_and_phones_masked(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    header, row = download(scope_world.users["county"], batch)
    assert header[:5] == ("户主姓名", "身份证号码", "村", "联系电话", "备注")
    assert row[0] == "错村户"
    assert row[1] == f"{BAD_ID[:4]}**********{BAD_ID[-4:]}"
    assert row[3] == "139****5678"
    assert row[4] == "儿子电话136****4321"
    values = cells([header, row])
    assert not {BAD_ID, PHONE} & values
    assert not any(OTHER_MOBILE in value for value in values)


def test_a_coordinator_with_the_full_data_right_gets_the_rows_in_full(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    full = make_coordinator(
        "county-full",
        "county",
        county=scope_world.home.village.township.county,
        full_personal_data=True,
    )
    _header, row = download(full, batch)
    assert (row[1], row[3]) == (BAD_ID, PHONE)


def test_a_coordinator_outside_the_batch_cannot_download_it(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    url = reverse("admin:villages_importbatch_errors", args=[batch.pk])
    for role in ("other_township", "liaison", "other_liaison"):
        assert client_for(scope_world.users[role]).get(url).status_code == 404, role
    assert not AuditEvent.objects.filter(action="import_errors").exists()


def test_every_download_is_recorded_with_who_and_whether_it_was_masked(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    download(scope_world.users["township"], batch)
    download(scope_world.users["county"], batch)
    events = AuditEvent.objects.filter(action="import_errors").order_by("pk")
    assert [(e.username, e.details["masked"], e.details["batch"]) for e in events] == [
        ("township", False, batch.pk),
        ("county", True, batch.pk),
    ]
    assert all(e.details["file_name"] == "甲镇花名册.csv" for e in events)
