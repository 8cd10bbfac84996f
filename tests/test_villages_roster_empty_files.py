"""Workbooks that hold no roster: refused with a reason, by the command and in admin alike."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests import roster_files
from tests.factories import make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

EMPTY = "文件中没有数据：工作表“Sheet1”是空的。请确认选择的是已填好的文件，再重新上传。"
NO_HEADER = (
    "在工作表“Sheet1”中找不到表头：前20行中没有一行同时写有“户主姓名”、“身份证号”这几列的"
    "列名。请在数据上方加一行列名，再重新上传。"
)
NO_SHEET = (
    "工作簿中没有可读取的工作表：隐藏的工作表和填表说明不读取。请把数据放在可见的工作表中，"
    "再重新上传。"
)
NO_ROWS = "工作表“Sheet1”只有表头，下面没有数据。请确认选择的是已填好的文件，再重新上传。"
HEADER = ["户主姓名", "身份证号码"]

WORKBOOKS = {
    "empty-sheet": (roster_files.xlsx({"Sheet1": []}), EMPTY),
    "blank-cells": (roster_files.xlsx({"Sheet1": [[None, " "], ["\u3000"]]}), EMPTY),
    "two-empty-sheets": (
        roster_files.xlsx({"Sheet1": [], "Sheet2": []}),
        EMPTY.replace("“Sheet1”", "“Sheet1”、“Sheet2”"),
    ),
    "no-header": (
        roster_files.xlsx({"Sheet1": [["王建国", resident_id(1)], ["李秀英", resident_id(2)]]}),
        NO_HEADER,
    ),
    "other-table": (
        roster_files.xlsx({"Sheet1": [["单位", "金额"], ["沙沃镇", 300]], "Sheet2": []}),
        NO_HEADER,
    ),
    "only-hidden": (
        roster_files.xlsx(
            {"填表说明": [["请填写"]], "旧表": [HEADER, ["王建国", resident_id(1)]]},
            hidden=["旧表"],
        ),
        NO_SHEET,
    ),
    "header-only": (roster_files.xlsx({"Sheet1": [["花名册"], HEADER]}), NO_ROWS),
    "header-and-footer": (
        roster_files.xlsx({"Sheet1": [HEADER, [None, None], ["合计", None], ["填表人：王会计"]]}),
        NO_ROWS,
    ),
}


@pytest.fixture
def village() -> Village:
    return make_village(name="蔡寨村")


@pytest.mark.parametrize(("data", "reason"), WORKBOOKS.values(), ids=WORKBOOKS.keys())
def test_a_workbook_without_a_roster_is_refused_with_its_reason(
    village: Village, data: bytes, reason: str
) -> None:
    batch = batches.create_batch(data=data, file_name="花名册.xlsx", scope=village)
    batch = batches.check_batch(batch)
    assert (batch.status, batch.message) == (ImportBatch.Status.REFUSED, reason)
    assert not batches.claim_for_import(batch)


def test_an_empty_csv_file_is_refused_too(village: Village) -> None:
    batch = batches.create_batch(data=b"\r\n,,\r\n", file_name="花名册.csv", scope=village)
    batch = batches.check_batch(batch)
    assert (batch.status, batch.message) == (
        ImportBatch.Status.REFUSED,
        EMPTY.replace("Sheet1", "花名册"),
    )


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize(("data", "reason"), WORKBOOKS.values(), ids=WORKBOOKS.keys())
def test_the_command_fails_on_a_workbook_without_a_roster(
    village: Village, tmp_path: Path, data: bytes, reason: str, dry_run: bool
) -> None:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(data)
    arguments = [str(path), "--village", village.code, *(["--dry-run"] if dry_run else [])]
    with pytest.raises(CommandError) as failure:
        call_command("import_roster", *arguments)
    assert str(failure.value) == reason
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [("empty-sheet", EMPTY), ("no-header", NO_HEADER), ("only-hidden", NO_SHEET)],
)
def test_the_admin_upload_refuses_it_on_the_form_and_leaves_no_batch(
    superuser_client: Client, village: Village, name: str, reason: str
) -> None:
    data, _reason = WORKBOOKS[name]
    response = superuser_client.post(
        reverse("admin:villages_importbatch_add"),
        {"file": SimpleUploadedFile("花名册.xlsx", data), "village": village.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [reason]
    assert not ImportBatch.objects.exists()


def test_a_header_only_upload_in_admin_is_refused_and_cannot_be_confirmed(
    superuser_client: Client, village: Village
) -> None:
    data, reason = WORKBOOKS["header-only"]
    response = superuser_client.post(
        reverse("admin:villages_importbatch_add"),
        {"file": SimpleUploadedFile("花名册.xlsx", data), "village": village.pk},
        follow=True,
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.message) == (ImportBatch.Status.REFUSED, reason)
    assert reason in response.text
    assert "确认导入" not in response.text
    superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REFUSED


def test_a_large_file_without_a_roster_is_refused_by_the_worker(
    superuser_client: Client,
    village: Village,
    settings: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    settings.ROSTER_BACKGROUND_BYTES = 10
    data, reason = WORKBOOKS["no-header"]
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            reverse("admin:villages_importbatch_add"),
            {"file": SimpleUploadedFile("花名册.xlsx", data), "village": village.pk},
        )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.message) == (ImportBatch.Status.REFUSED, reason)


def test_an_assignment_list_without_its_header_names_its_own_columns() -> None:
    data = roster_files.xlsx({"Sheet1": [["王建国", resident_id(1)]]})
    batch = batches.create_batch(
        data=data, file_name="联系户.xlsx", scope=None, kind=ImportBatch.Kind.ASSIGNMENTS
    )
    batch = batches.check_batch(batch)
    assert (batch.status, batch.message) == (
        ImportBatch.Status.REFUSED,
        "在工作表“Sheet1”中找不到表头：前20行中没有一行同时写有“单位”、“干部姓名”、“户主身份证号”"
        "这几列的列名。请在数据上方加一行列名，再重新上传。",
    )
