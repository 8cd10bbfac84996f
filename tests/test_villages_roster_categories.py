"""Household categories in rosters: every name used over the years maps to one category."""

import pytest

from tests import roster_files
from tests.factories import make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

Category = Household.Category
ACCEPTED = "一般户、脱贫户、监测户、低保户、特困（五保）户"


@pytest.fixture
def village() -> Village:
    return make_village(name="蔡寨村")


def check(village: Village, rows: list[list[object]]) -> ImportBatch:
    batch = batches.create_batch(
        data=roster_files.xlsx({"Sheet1": rows}), file_name="花名册.xlsx", scope=village
    )
    return batches.check_batch(batch)


@pytest.mark.parametrize(
    ("written", "category"),
    [
        ("一般户", Category.GENERAL),
        ("一般", Category.GENERAL),
        ("普通", Category.GENERAL),
        ("普通户", Category.GENERAL),
        ("非贫困户", Category.GENERAL),
        ("贫困", Category.LIFTED),
        ("贫困户", Category.LIFTED),
        ("建档立卡", Category.LIFTED),
        ("建档立卡户", Category.LIFTED),
        ("建档立卡贫困户", Category.LIFTED),
        ("脱贫", Category.LIFTED),
        ("脱贫户", Category.LIFTED),
        ("已脱贫户", Category.LIFTED),
        ("低保", Category.SUBSISTENCE),
        ("低保户", Category.SUBSISTENCE),
        ("农村低保户", Category.SUBSISTENCE),
        ("五保", Category.DESTITUTE),
        ("五保户", Category.DESTITUTE),
        ("特困", Category.DESTITUTE),
        ("特困户", Category.DESTITUTE),
        ("特困供养", Category.DESTITUTE),
        ("特困供养户", Category.DESTITUTE),
        ("特困（五保）户", Category.DESTITUTE),
        ("监测", Category.MONITORED),
        ("监测户", Category.MONITORED),
        ("监测对象", Category.MONITORED),
        ("防返贫监测", Category.MONITORED),
        ("防返贫监测户", Category.MONITORED),
        ("边缘户", Category.MONITORED),
        ("边缘易致贫户", Category.MONITORED),
        (" 低 保 户 ", Category.SUBSISTENCE),
    ],
)
def test_every_name_of_a_category_maps_to_it(village: Village, written: str, category: str) -> None:
    rows = [["户主姓名", "身份证号码", "类别"], ["蔡甲", resident_id(1), written]]
    batch = check(village, rows)
    assert (batch.created, batch.rejected) == (1, 0), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert Household.objects.get().category == category


@pytest.mark.parametrize("written", ["富裕户", "贫困边缘", "低保户、五保户", "户", "3"])
def test_what_cannot_be_mapped_is_refused_naming_the_accepted_values(
    village: Village, written: str
) -> None:
    rows = [["户主姓名", "身份证号码", "户类型"], ["蔡甲", resident_id(1), written]]
    batch = check(village, rows)
    shown = written.replace(" ", "")
    assert [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]] == [
        (2, "户类型", f"户类型“{shown}”无法识别，应为：{ACCEPTED}。")
    ]


def test_a_poor_household_column_takes_yes_no_or_the_category_itself(village: Village) -> None:
    rows = [
        ["户主姓名", "身份证号码", "是否贫困户"],
        ["蔡甲", resident_id(1), "是"],
        ["蔡乙", resident_id(2), "否"],
        ["蔡丙", resident_id(3), "低保户"],
        ["蔡丁", resident_id(4), "也许"],
    ]
    batch = check(village, rows)
    assert [(r["row"], r["reason"]) for r in batch.report["rejected"]] == [
        (5, "“是否贫困户”一列请填写“是”或“否”。")
    ]
    batches.confirm_batch(batch)
    assert dict(Household.objects.values_list("head_name", "category")) == {
        "蔡甲": Category.LIFTED,
        "蔡乙": Category.GENERAL,
        "蔡丙": Category.SUBSISTENCE,
    }
