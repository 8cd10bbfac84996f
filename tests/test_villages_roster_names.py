"""Names and addresses in rosters: formula text and what is no name are refused, never cut."""

import pytest

from tests import roster_files
from tests.factories import make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

FORMULA = "户主姓名“{}”是电子表格公式，不是姓名；请填写户主本人的姓名。"
NOT_A_NAME = "户主姓名“{}”不是姓名：姓名应由汉字或字母组成，少数民族姓名各部分之间用间隔号“·”分隔。"


@pytest.fixture
def village() -> Village:
    return make_village(name="蔡寨村")


def check(village: Village, rows: list[list[object]], name: str = "花名册.xlsx") -> ImportBatch:
    data = (
        roster_files.csv_bytes(rows)
        if name.endswith(".csv")
        else roster_files.xlsx({"Sheet1": rows}, formula_text=True)
    )
    return batches.check_batch(batches.create_batch(data=data, file_name=name, scope=village))


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("=1+1", FORMULA.format("=1+1")),
        ('=WEBSERVICE("http://x")', FORMULA.format('=WEBSERVICE("http://x")')),
        ('=HYPERLINK("http://x","王五")', FORMULA.format('=HYPERLINK("http://x","王五")')),
        ("@SUM(A1)", FORMULA.format("@SUM(A1)")),
        ("+cmd", FORMULA.format("+cmd")),
        ("-2+3", FORMULA.format("-2+3")),
        ("＝1＋1", FORMULA.format("=1+1")),
        ("12345", NOT_A_NAME.format("12345")),
        (12345, NOT_A_NAME.format("12345")),
        ("？？", NOT_A_NAME.format("??")),
        ("——", NOT_A_NAME.format("——")),
        ("王小明、李红", NOT_A_NAME.format("王小明、李红")),
        ("王小明2", NOT_A_NAME.format("王小明2")),
        ("王" * 51, "户主姓名超过50个字，请核对。"),
    ],
    ids=[
        "sum",
        "webservice",
        "hyperlink",
        "at-sum",
        "plus-cmd",
        "minus",
        "full-width",
        "digits",
        "number",
        "question-marks",
        "dashes",
        "two-names",
        "name-and-digit",
        "too-long",
    ],
)
def test_a_head_name_that_is_no_name_is_refused_with_its_reason(
    village: Village, written: object, reason: str
) -> None:
    batch = check(village, [["户主姓名", "身份证号码"], [written, resident_id(1)]])
    assert rejections(batch) == [(2, "户主姓名", reason)]
    assert batch.created == 0


def test_formula_text_is_refused_the_same_from_a_csv_file(village: Village) -> None:
    rows = [["户主姓名", "身份证号码"], ['=WEBSERVICE("http://x")', resident_id(1)]]
    batch = check(village, rows, name="花名册.csv")
    assert rejections(batch) == [(2, "户主姓名", FORMULA.format('=WEBSERVICE("http://x")'))]
    batches.confirm_batch(batch)
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("王建国", "王建国"),
        ("王建国（户主）", "王建国"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提.艾力", "买买提.艾力"),
        ("John Smith", "JohnSmith"),
        ("𠮷小明", "𠮷小明"),
        ("李〇华", "李〇华"),
    ],
)
def test_real_names_are_kept_whole(village: Village, written: str, stored: str) -> None:
    batch = check(village, [["户主姓名", "身份证号码"], [written, resident_id(1)]])
    assert (batch.created, batch.rejected) == (1, 0), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert Household.objects.get().head_name == stored


@pytest.mark.parametrize("address", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|' /C calc'!A0"])
def test_an_address_that_is_formula_text_is_refused(village: Village, address: str) -> None:
    rows = [["户主姓名", "身份证号码", "家庭住址"], ["王建国", resident_id(1), address]]
    batch = check(village, rows)
    assert rejections(batch) == [(2, "住址", f"住址“{address}”是电子表格公式，请填写住址本身。")]


@pytest.mark.parametrize("address", ["-", "--", "幸福路-3号", "蔡寨村1号", "+"])
def test_an_ordinary_address_or_a_dash_for_none_is_kept(village: Village, address: str) -> None:
    rows = [["户主姓名", "身份证号码", "家庭住址"], ["王建国", resident_id(1), address]]
    batch = check(village, rows)
    assert (batch.created, batch.rejected) == (1, 0)
