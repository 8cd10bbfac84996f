"""Error workbooks: full numbers for the uploader and the full-data right, masked otherwise,
and every download in the audit trail."""

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests import roster_files
from tests.conftest import ScopeWorld
from tests.factories import client_for, make_coordinator, unique_resident_id
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

BAD_ID = unique_resident_id()
PHONE = "13912345678"
OTHER_MOBILE = "13687654321"


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


FLOAT_ID = 3.71728199001011e17  # what Excel keeps of 371728199001011234: 15 digits
# An old 15-digit ID typed as a number: every digit survives (the row is refused for its village).
WHOLE_ID = 371728650315123


def test_the_error_workbook_keeps_ids_and_phones_as_text_in_readable_columns(
    scope_world: ScopeWorld,
) -> None:
    rows = [
        ["户主姓名", "身份证号码", "村", "联系电话"],
        ["数字户", FLOAT_ID, "甲村", 13912345678],
        ["整数户", WHOLE_ID, "无此村", None],
        ["错村户", BAD_ID, "无此村", PHONE],
    ]
    data = roster_files.xlsx({"Sheet1": rows})
    client = client_for(scope_world.users["township"])
    response = client.post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("甲镇.xlsx", data),
            "township": scope_world.home.village.township.pk,
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=scope_world.users["township"])
    assert batch.rejected == 3

    download = client.get(reverse("admin:villages_importbatch_errors", args=[batch.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = book.active
    header, floated, whole, village = (list(row) for row in sheet.iter_rows())
    # The digits that survived, as text; the reason says the others were lost.
    assert floated[1].value == "371728199001011000"
    assert floated[4].value == (
        "身份证号被Excel转成了数字，末几位已丢失（371728199001011000），"
        "请将该列设为文本格式后重新填写身份证号"
    )
    assert whole[1].value == "371728650315123"
    assert floated[3].value == "13912345678"
    assert village[1].value == BAD_ID
    for row in (floated, whole, village):
        assert (row[1].number_format, row[1].data_type) == ("@", "s")
        assert row[3].number_format == "@"
    assert row[3].data_type == "s"
    # Header bold and frozen; columns wide enough for an 18-digit ID and for the reason.
    assert all(cell.font.bold for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 20
    assert sheet.column_dimensions["D"].width >= 13
    assert sheet.column_dimensions["E"].width >= 40
