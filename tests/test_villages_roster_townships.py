"""County and township rosters: villages of the same name told apart by their township."""

import pytest

from tests import roster_files
from tests.factories import make_county, make_township, make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

AMBIGUOUS = (
    "曹县有2个名为“王庄村”的村（社区），分别在青堌集镇、普连集镇；请增加“乡镇”列并填写乡镇，"
    "或在村名前写上乡镇（如“青堌集镇王庄村”）。"
)


@pytest.fixture
def area() -> dict:
    county = make_county(code="371721000000", name="曹县")
    qinggu = make_township(county=county, code="371721104000", name="青堌集镇")
    pulian = make_township(county=county, code="371721105000", name="普连集镇")
    return {
        "county": county,
        "qinggu": qinggu,
        "pulian": pulian,
        "wang_q": make_village(township=qinggu, code="371721104201", name="王庄村"),
        "li_q": make_village(township=qinggu, code="371721104202", name="李庄村"),
        "wang_p": make_village(township=pulian, code="371721105201", name="王庄村"),
    }


def check(rows: list[list[object]], scope: object) -> ImportBatch:
    batch = batches.create_batch(
        data=roster_files.xlsx({"Sheet1": rows}), file_name="花名册.xlsx", scope=scope
    )
    return batches.check_batch(batch)


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def stored() -> set[tuple[str, str, str]]:
    return set(
        Household.objects.values_list("head_name", "village__township__name", "village__name")
    )


@pytest.mark.parametrize(
    "header", ["乡镇", "乡镇（街道）", "镇街", "所属乡镇", "镇（街道）", "乡镇街道", "所在乡镇"]
)
def test_a_county_roster_with_a_township_column_tells_same_named_villages_apart(
    area: dict, header: str
) -> None:
    rows = [
        ["序号", header, "村名", "户主姓名", "身份证号码"],
        [1, "青堌集镇", "王庄村", "王甲", resident_id(1)],
        [2, "普连集镇", "王庄村", "王乙", resident_id(2)],
        [3, "青堌集", "王庄", "王丙", resident_id(3)],
        [4, None, "李庄村", "李丁", resident_id(4)],
    ]
    batch = check(rows, area["county"])
    assert (batch.created, batch.rejected) == (4, 0), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert stored() == {
        ("王甲", "青堌集镇", "王庄村"),
        ("王乙", "普连集镇", "王庄村"),
        ("王丙", "青堌集镇", "王庄村"),
        ("李丁", "青堌集镇", "李庄村"),
    }


@pytest.mark.parametrize(
    ("written", "township"),
    [
        ("青堌集镇王庄村", "青堌集镇"),
        ("普连集镇王庄村", "普连集镇"),
        ("普连集镇 王庄村", "普连集镇"),
        ("青堌集镇-王庄村", "青堌集镇"),
        ("青堌集镇／王庄", "青堌集镇"),
        ("普连集王庄村", "普连集镇"),
        ("曹县普连集镇王庄村", "普连集镇"),
    ],
)
def test_a_village_cell_holding_township_and_village_together_is_read(
    area: dict, written: str, township: str
) -> None:
    rows = [["村（社区）", "户主姓名", "身份证号码"], [written, "王甲", resident_id(1)]]
    batch = check(rows, area["county"])
    assert (batch.created, batch.rejected) == (1, 0), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert stored() == {("王甲", township, "王庄村")}


def test_a_combined_township_and_village_column_is_recognised(area: dict) -> None:
    rows = [["乡镇村", "户主姓名", "身份证号码"], ["普连集镇王庄村", "王甲", resident_id(1)]]
    batch = check(rows, area["county"])
    assert (batch.created, batch.rejected) == (1, 0), batch.report["rejected"]


def test_only_a_row_without_a_township_for_a_shared_name_is_rejected_naming_the_townships(
    area: dict,
) -> None:
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        [None, "王庄村", "王甲", resident_id(1)],
        ["普连集镇", "王庄村", "王乙", resident_id(2)],
        [None, "李庄村", "李丙", resident_id(3)],
    ]
    batch = check(rows, area["county"])
    assert rejections(batch) == [(2, "村（社区）", AMBIGUOUS)]
    assert batch.created == 2


def test_a_county_roster_without_a_township_column_still_rejects_an_ambiguous_name(
    area: dict,
) -> None:
    rows = [["村名", "户主姓名", "身份证号码"], ["王庄", "王甲", resident_id(1)]]
    batch = check(rows, area["county"])
    assert rejections(batch) == [(2, "村（社区）", AMBIGUOUS.replace("“王庄村”的", "“王庄”的"))]


def test_an_unknown_township_or_a_village_not_in_it_is_rejected(area: dict) -> None:
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        ["古营集镇", "王庄村", "王甲", resident_id(1)],
        ["普连集镇", "李庄村", "李乙", resident_id(2)],
    ]
    batch = check(rows, area["county"])
    assert rejections(batch) == [
        (2, "乡镇（街道）", "曹县没有名为“古营集镇”的乡镇（街道）。"),
        (3, "村（社区）", "普连集镇没有名为“李庄村”的村（社区）。"),
    ]


def test_a_township_roster_refuses_rows_of_another_township(area: dict) -> None:
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        ["青堌集镇", "王庄村", "王甲", resident_id(1)],
        ["普连集镇", "王庄村", "王乙", resident_id(2)],
    ]
    batch = check(rows, area["qinggu"])
    assert rejections(batch) == [
        (3, "乡镇（街道）", "此行属于“普连集镇”，但本文件导入的是青堌集镇。")
    ]
    batches.confirm_batch(batch)
    assert stored() == {("王甲", "青堌集镇", "王庄村")}


def test_a_village_roster_refuses_a_row_of_the_same_named_village_elsewhere(area: dict) -> None:
    rows = [
        ["乡镇", "户主姓名", "身份证号码"],
        ["青堌集镇", "王甲", resident_id(1)],
        ["普连集镇", "王乙", resident_id(2)],
    ]
    batch = check(rows, area["wang_q"])
    assert rejections(batch) == [
        (3, "乡镇（街道）", "此行属于“普连集镇”，但本文件导入的是王庄村。")
    ]


def test_one_sheet_per_village_named_with_its_township(area: dict) -> None:
    header = ["户主姓名", "身份证号码"]
    data = roster_files.xlsx(
        {
            "青堌集镇王庄村": [header, ["王甲", resident_id(1)]],
            "普连集镇王庄村": [header, ["王乙", resident_id(2)]],
        }
    )
    batch = batches.check_batch(
        batches.create_batch(data=data, file_name="曹县.xlsx", scope=area["county"])
    )
    assert (batch.created, batch.rejected) == (2, 0), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert stored() == {("王甲", "青堌集镇", "王庄村"), ("王乙", "普连集镇", "王庄村")}


def test_a_village_or_township_named_like_the_county_is_still_found(area: dict) -> None:
    caoxian = make_township(county=area["county"], code="371721106000", name="曹县镇")
    make_village(township=caoxian, code="371721106201", name="曹县村")
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        [None, "曹县村", "曹甲", resident_id(1)],
        ["曹县镇", "曹县村", "曹乙", resident_id(2)],
        ["曹县曹县镇", "曹县村", "曹丙", resident_id(3)],
    ]
    batch = check(rows, area["county"])
    assert (batch.created, batch.rejected) == (3, 0), batch.report["rejected"]
