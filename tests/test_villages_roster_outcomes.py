"""What a checked roster says as a whole: nothing to import and why, and a file for
another village than the one chosen."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests import roster_files
from tests.factories import make_household, make_township, make_village, resident_id
from villages.imports import batches
from villages.models import ImportBatch, Village

pytestmark = pytest.mark.django_db

ALL_REJECTED = "没有可导入的内容：全部2行都被拒绝。请按拒绝原因修改后重新上传。"
SOME_REJECTED = (
    "没有需要导入的内容：1行已在系统中且内容相同，其余1行被拒绝。请修改被拒绝的行后重新上传。"
)
ALL_UNCHANGED = "没有需要导入的内容：没有新增或变化的农户。"
HEADER = ["户主姓名", "身份证号码", "家庭人口"]


@pytest.fixture
def village() -> Village:
    return make_village(name="王庄村", township=make_township(name="青堌集镇"))


def page(client: Client, rows: list[list[object]], village: Village, **sheets: object) -> str:
    data = roster_files.xlsx(sheets or {"Sheet1": rows})
    client.post(
        reverse("admin:villages_importbatch_add"),
        {"file": SimpleUploadedFile("花名册.xlsx", data), "village": village.pk},
    )
    batch = ImportBatch.objects.latest("pk")
    return client.get(reverse("admin:villages_importbatch_change", args=[batch.pk])).text


def command(
    tmp_path: Path, capsys: pytest.CaptureFixture, data: bytes, village: Village, *extra: str
) -> str:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(data)
    call_command("import_roster", str(path), "--village", village.code, *extra)
    return capsys.readouterr().out


def all_rejected() -> list[list[object]]:
    return [HEADER, ["王甲", "3.71728E+17", 3], ["=1+1", resident_id(2), 2]]


def some_rejected() -> list[list[object]]:
    return [HEADER, ["王甲", resident_id(1), 3], ["=1+1", resident_id(2), 2]]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(all_rejected, ALL_REJECTED), (some_rejected, SOME_REJECTED)],
    ids=["all-rejected", "unchanged-and-rejected"],
)
def test_the_preview_says_why_there_is_nothing_to_import(
    superuser_client: Client, village: Village, rows: object, expected: str
) -> None:
    make_household(village=village, id_number=resident_id(1), head_name="王甲", members=3)
    text = page(superuser_client, rows(), village)
    assert expected in text
    assert "所有有效行都已在系统中" not in text
    assert "确认导入" not in text


def test_the_preview_of_a_file_already_imported_says_nothing_changed(
    superuser_client: Client, village: Village
) -> None:
    make_household(village=village, id_number=resident_id(1), head_name="王甲", members=3)
    text = page(superuser_client, [HEADER, ["王甲", resident_id(1), 3]], village)
    assert ALL_UNCHANGED in text
    assert "确认导入" not in text


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (all_rejected, ALL_REJECTED),
        (some_rejected, SOME_REJECTED),
        (lambda: [HEADER, ["王甲", resident_id(1), 3]], ALL_UNCHANGED),
    ],
    ids=["all-rejected", "unchanged-and-rejected", "unchanged"],
)
def test_the_command_says_why_there_is_nothing_to_import(
    village: Village,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    rows: object,
    expected: str,
    dry_run: bool,
) -> None:
    make_household(village=village, id_number=resident_id(1), head_name="王甲", members=3)
    data = roster_files.xlsx({"Sheet1": rows()}, formula_text=True)
    output = command(tmp_path, capsys, data, village, *(["--dry-run"] if dry_run else []))
    assert expected in output.splitlines()


TITLE_WARNING = (
    "工作表“Sheet1”的标题“李庄村农户花名册”写的是李庄村，但本文件导入的是王庄村，"
    "请核对文件是否选对。"
)
SHEET_WARNING = "工作表“李庄村”的名称是李庄村，但本文件导入的是王庄村，请核对文件是否选对。"


def titled(title: str) -> list[list[object]]:
    return [[title], ["填报单位：青堌集镇人民政府"], HEADER, ["王甲", resident_id(1), 3]]


@pytest.mark.parametrize(
    ("title", "warned"),
    [
        ("李庄村农户花名册", True),
        ("2026年曹县青堌集镇李庄村农户花名册", True),
        ("王庄村农户花名册", False),
        ("曹县青堌集镇王庄农户花名册", False),
        ("青堌集镇农村低保户花名册", False),
        ("农户花名册", False),
    ],
)
def test_a_title_naming_another_village_is_a_warning_not_a_refusal(
    village: Village, title: str, warned: bool
) -> None:
    data = roster_files.xlsx({"Sheet1": titled(title)})
    batch = batches.check_batch(
        batches.create_batch(data=data, file_name="花名册.xlsx", scope=village)
    )
    assert batch.created == 1
    expected = [TITLE_WARNING.replace("李庄村农户花名册", title)] if warned else []
    assert batch.report["warnings"] == expected


def test_a_sheet_named_after_another_village_is_a_warning(village: Village) -> None:
    data = roster_files.xlsx({"李庄村": [HEADER, ["王甲", resident_id(1), 3]]})
    batch = batches.check_batch(
        batches.create_batch(data=data, file_name="花名册.xlsx", scope=village)
    )
    assert (batch.created, batch.report["warnings"]) == (1, [SHEET_WARNING])


def test_a_township_file_has_no_such_warning(village: Village) -> None:
    rows = [["李庄村农户花名册"], ["村名", *HEADER], ["王庄村", "王甲", resident_id(1), 3]]
    batch = batches.check_batch(
        batches.create_batch(
            data=roster_files.xlsx({"Sheet1": rows}),
            file_name="花名册.xlsx",
            scope=village.township,
        )
    )
    assert (batch.created, batch.report["warnings"]) == (1, [])


def test_the_warning_is_shown_on_the_preview_and_printed_by_the_command(
    superuser_client: Client, village: Village, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    text = page(superuser_client, [], village, 李庄村=titled("李庄村农户花名册"))
    warning = TITLE_WARNING.replace("Sheet1", "李庄村")
    assert SHEET_WARNING in text
    assert warning in text
    assert "确认导入" in text

    data = roster_files.xlsx({"李庄村": titled("李庄村农户花名册")})
    output = command(tmp_path, capsys, data, village, "--dry-run").splitlines()
    assert SHEET_WARNING in output
    assert warning in output
