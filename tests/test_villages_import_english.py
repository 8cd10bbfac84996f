"""Import reasons and changed-field names in the reader's language, not the uploader's."""

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests import roster_files
from tests.conftest import ScopeWorld
from tests.factories import make_household, resident_id, unique_resident_id
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

TWICE = unique_resident_id()
OUTSIDE = resident_id(31, born="19700101", region="110105")


def client_for(user: Any, language: str) -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def batch(scope_world: ScopeWorld) -> ImportBatch:
    """Uploaded in Chinese: a row for no village, an ID twice, a renamed head, a far ID."""
    home = scope_world.home
    renamed = make_household(village=home.village, head_name="改名前")
    rows = [
        ["户主姓名", "身份证号码", "村", "户类型"],
        ["错村户", unique_resident_id(), "无此村", ""],
        ["重复甲", TWICE, "甲村", ""],
        ["重复乙", TWICE, "甲村", ""],
        ["改名后", renamed.id_number, "甲村", "低保户"],
        ["外地户", OUTSIDE, "甲村", ""],
    ]
    response = client_for(scope_world.users["township"], "zh-hans").post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("甲镇.csv", roster_files.csv_bytes(rows)),
            "township": home.village.township.pk,
        },
    )
    assert response.status_code == 302, response.text
    return ImportBatch.objects.get(created_by=scope_world.users["township"])


def page(user: Any, batch: ImportBatch, language: str, **query: Any) -> str:
    url = reverse("admin:villages_importbatch_change", args=[batch.pk])
    return client_for(user, language).get(url, query).text


def test_an_english_reader_gets_the_rejection_reasons_in_english(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    text = page(scope_world.users["township"], batch, "en")
    assert (
        "<td>village or community</td><td>There is no village called 无此村 in 甲镇.</td>" in text
    )
    assert "The same resident ID number appears again at row 4." in text
    assert "The same resident ID number appears again at row 3." in text
    assert "region code 110105 is outside the city" in text
    chinese = page(scope_world.users["township"], batch, "zh-hans")
    assert "<td>村（社区）</td><td>甲镇没有名为“无此村”的村（社区）。</td>" in chinese
    assert "身份证号与第4行重复。" in chinese


def test_an_english_reader_gets_the_changed_fields_in_english(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    text = page(scope_world.users["township"], batch, "en", tab="updated")
    assert 'head of household: <span class="old">改名前</span>' in text
    assert "household category: " in text
    chinese = page(scope_world.users["township"], batch, "zh-hans", tab="updated")
    assert '户主姓名: <span class="old">改名前</span> → <span class="new">改名后</span>' in chinese


def test_the_error_workbook_is_written_in_the_readers_language(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    def download(language: str) -> list[tuple]:
        client = client_for(scope_world.users["township"], language)
        response = client.get(reverse("admin:villages_importbatch_errors", args=[batch.pk]))
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return list(book.active.iter_rows(values_only=True))

    header, first, *_rest = download("en")
    assert header[-2:] == ("Reason for rejection", "Original row")
    assert first[-2:] == ("There is no village called 无此村 in 甲镇.", 2)
    header, first, *_rest = download("zh-hans")
    assert header[-2:] == ("错误原因", "原行号")
    assert first[-2] == "甲镇没有名为“无此村”的村（社区）。"


def test_the_command_prints_reasons_in_the_active_language(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = tmp_path / "甲镇.csv"
    path.write_bytes(
        roster_files.csv_bytes([["户主姓名", "身份证号码", "村"], ["错村户", TWICE, "无此村"]])
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_roster",
            str(path),
            "--township",
            scope_world.home.village.township.code,
            "--dry-run",
            stdout=out,
        )
    assert "village or community: There is no village called 无此村 in 甲镇." in out.getvalue()


def test_a_batch_checked_before_reasons_were_kept_translatable_still_shows_them(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(preview_file="")
    text = page(scope_world.users["township"], batch, "en")
    # As it was stored: in the language it was checked in.
    assert "甲镇没有名为“无此村”的村（社区）。" in text


def test_a_refused_file_gives_its_reason_in_the_readers_language(
    scope_world: ScopeWorld,
) -> None:
    user = scope_world.users["township"]
    response = client_for(user, "zh-hans").post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("花名册.xls", b"<html><body><table></table></body></html>"),
            "village": scope_world.home.village.pk,
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=user)
    assert batch.status == ImportBatch.Status.REFUSED
    assert "This file is a web page with no table of data in it" in page(user, batch, "en")
    assert "此文件是网页，其中没有数据表格" in page(user, batch, "zh-hans")
