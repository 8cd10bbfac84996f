"""Roster import in admin: upload, preview, confirm once, download the rejected rows."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests import roster_files
from tests.factories import make_import_batch, make_staff_user, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

ID_A = resident_id(21, born="19670707")
ID_B = resident_id(22, born="19710202")
ADD_URL = reverse("admin:villages_importbatch_add")


@pytest.fixture
def caizhai(demo: None) -> Village:
    return Village.objects.get(name="蔡寨村")


def roster(*households: list[object]) -> SimpleUploadedFile:
    rows = roster_files.clerk_roster(list(households))
    return SimpleUploadedFile("蔡寨村花名册.xlsx", roster_files.xlsx({"Sheet1": rows}))


def upload(client: Client, file: SimpleUploadedFile, **scope: int) -> ImportBatch:
    response = client.post(ADD_URL, {"file": file, **scope})
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get()
    assert response.url == reverse("admin:villages_importbatch_change", args=[batch.pk])
    return batch


def test_the_household_list_has_an_import_button(superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:villages_household_changelist"))
    assert f'href="{ADD_URL}"' in response.text
    assert "导入花名册" in response.text


def test_upload_previews_then_confirm_writes_once(
    superuser_client: Client, caizhai: Village
) -> None:
    before = Household.objects.count()
    file = roster(
        ["蔡大明", ID_A, "13800138000", 3, "监测户", "蔡寨村1号"],
        ["蔡二", "3.71728E+17", "", 2, "", ""],
        ["蔡三", ID_B, "", "4人", "一般户", ""],
    )
    batch = upload(superuser_client, file, village=caizhai.pk)
    assert (batch.status, batch.created, batch.rejected) == ("previewed", 2, 1)
    assert Household.objects.count() == before

    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "已检查，待确认" in page.text
    assert "身份证号被Excel转成了数字" in page.text
    assert "确认导入" in page.text

    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert superuser_client.post(confirm).status_code == 302
    again = superuser_client.post(confirm, follow=True)
    assert "此次导入已确认" in again.text
    assert Household.objects.count() == before + 2
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.created_by.username) == ("done", 2, "admin")

    download = superuser_client.get(reverse("admin:villages_importbatch_errors", args=[batch.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    header, *rows = book.active.iter_rows(values_only=True)
    assert header[-2:] == ("错误原因", "原行号")
    assert [row[1] for row in rows] == ["蔡二"]


def test_confirm_needs_a_post(superuser_client: Client, caizhai: Village) -> None:
    batch = upload(superuser_client, roster(["蔡大明", ID_A, "", 3, "", ""]), village=caizhai.pk)
    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert superuser_client.get(confirm).status_code == 405
    batch.refresh_from_db()
    assert batch.status == "previewed"


@pytest.mark.parametrize("scope", [{}, "both"], ids=["no-scope", "village-and-township"])
def test_the_upload_needs_exactly_one_area(
    superuser_client: Client, caizhai: Village, scope: object
) -> None:
    if scope == "both":
        scope = {"village": caizhai.pk, "township": caizhai.township_id}
    response = superuser_client.post(
        ADD_URL, {"file": roster(["蔡大明", ID_A, "", 3, "", ""]), **scope}
    )
    assert response.status_code == 200
    assert "请在村、乡镇、县区中只选择一项作为导入范围。" in response.text
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(
    superuser_client: Client, caizhai: Village
) -> None:
    file = SimpleUploadedFile("花名册.docx", b"PK\x03\x04 a word document")
    response = superuser_client.post(ADD_URL, {"file": file, "village": caizhai.pk})
    assert "请上传Excel（.xlsx、.xls）或CSV文件；“花名册.docx”不是这类文件。" in response.text
    assert not ImportBatch.objects.exists()


def test_a_broken_file_gets_a_chinese_reason_and_no_confirm_button(
    superuser_client: Client, caizhai: Village
) -> None:
    file = SimpleUploadedFile("花名册.xls", b"<html><body><table></table></body></html>")
    batch = upload(superuser_client, file, village=caizhai.pk)
    assert batch.status == "refused"
    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "另存为" in page.text
    assert "确认导入" not in page.text


def test_a_large_file_is_checked_and_imported_in_the_background_with_progress(
    superuser_client: Client,
    caizhai: Village,
    settings: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    settings.ROSTER_BACKGROUND_BYTES = 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = upload(
            superuser_client, roster(["蔡大明", ID_A, "", 3, "", ""]), village=caizhai.pk
        )
    # The web request only queued the work; the worker (run at once in tests) checked it.
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("previewed", 1)

    progress = reverse("admin:villages_importbatch_progress", args=[batch.pk])
    assert superuser_client.get(progress).json()["finished"] is True

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == "done"
    assert superuser_client.get(progress).json() == {
        "status": "done",
        "status_label": "已导入",
        "rows_done": batch.rows_done,
        "rows_total": batch.rows_total,
        "finished": True,
    }


def test_a_viewer_without_the_add_permission_cannot_confirm(
    superuser_client: Client, caizhai: Village
) -> None:
    batch = upload(superuser_client, roster(["蔡大明", ID_A, "", 3, "", ""]), village=caizhai.pk)
    viewer = make_staff_user("viewer", "villages.view_importbatch")
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200
    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert client.post(confirm).status_code == 403
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_the_page_of_a_running_import_says_it_writes_all_or_nothing(
    superuser_client: Client, caizhai: Village
) -> None:
    batch = make_import_batch(village=caizhai)
    assert batches.claim_for_import(batch)
    assert not batches.claim_for_import(batch), "a second confirm must not start again"
    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "导入中" in page.text
    assert "所有行在一个事务中写入" in page.text
    assert "<progress></progress>" in page.text


def test_the_batch_page_names_who_uploaded_and_confirmed_by_their_name(
    superuser_client: Client, caizhai: Village
) -> None:
    batch = upload(superuser_client, roster(["蔡大明", ID_A, "", 3, "", ""]), village=caizhai.pk)
    uploader = batch.created_by
    uploader.first_name, uploader.last_name = "明", "周"
    uploader.save()
    superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))

    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    line = page.text.split("上传人")[1].split("</p>")[0]
    assert line.count(uploader.get_full_name()) == 2, line
    assert uploader.username not in line
