"""Control characters in a cell are refused at check time, naming the row and the column.

A NUL byte used to pass the preview and then fail the confirm with a database error.
"""

import re

import pytest

from tests import roster_files
from tests.factories import (
    make_cadre,
    make_county,
    make_household,
    make_township,
    make_unit,
    make_village,
    resident_id,
)
from units.models import HouseholdAssignment
from villages.imports import batches
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

ID_A = resident_id(21, born="19650315")
ID_B = resident_id(22, born="19720101")
ID_C = resident_id(23, born="19801231")
ID_D = resident_id(24, born="19580808")
ID_E = resident_id(25, born="19600101")


def reason(code: str) -> str:
    return f"此单元格含有无法保存的不可见控制字符（{code}）。请删除该字符，或重新输入单元格内容。"


@pytest.fixture
def village() -> object:
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728104000", name="沙沃镇")
    return make_village(township=township, code="371728104202", name="蔡寨村")


def xlsx(rows: list[list[object]]) -> bytes:
    """A workbook as Excel stores control characters: escaped as _xHHHH_ in the XML."""
    escaped = [
        [
            re.sub("[\x00-\x1f\x7f]", lambda m: f"_x{ord(m.group()):04X}_", cell)
            if isinstance(cell, str)
            else cell
            for cell in row
        ]
        for row in rows
    ]
    return roster_files.xlsx({"Sheet1": escaped})


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_control_characters_in_a_roster_reject_the_row_naming_its_column_and_confirm_succeeds(
    village: object, suffix: str
) -> None:
    header = ["户主姓名", "身份证号码", "联系电话", "家庭住址", "备注\x01", None]
    rows = [
        header,
        ["蔡大\x00明", ID_A, "13800138000", "蔡寨村1号", None, None],
        ["蔡小红", ID_B, "13800138001", "蔡寨村\x072号", None, None],
        ["蔡三", ID_C, "13800138002", "蔡寨村3号", "\x1b[31m", None],
        ["蔡四", ID_D, "13800138003", "蔡寨村4号", None, "\x7f"],
        ["蔡五", ID_E, "13800138004", "蔡寨村\t5号\n东头", None, None],
    ]
    data = roster_files.csv_bytes(rows) if suffix == "csv" else xlsx(rows)
    batch = batches.create_batch(data=data, file_name=f"花名册.{suffix}", scope=village)

    batch = batches.check_batch(batch)

    assert batch.status == ImportBatch.Status.PREVIEWED
    assert rejections(batch) == [
        (2, "户主姓名", reason("U+0000")),
        (3, "住址", reason("U+0007")),
        (4, "备注", reason("U+001B")),
        (5, "第F列", reason("U+007F")),
    ]
    assert batch.report["sheets"][0]["unknown"] == ["备注"]
    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert list(Household.objects.values_list("head_name", "address")) == [
        ("蔡五", "蔡寨村 5号 东头")
    ]


def test_control_characters_in_an_assignment_list_reject_the_row_and_confirm_succeeds(
    village: object,
) -> None:
    unit = make_unit(name="市委组织部")
    make_cadre(unit=unit, name="张明", phone="13912345678")
    make_household(village=village, head_name="蔡大明", id_number=ID_A)
    make_household(village=village, head_name="蔡小红", id_number=ID_B)
    data = xlsx(
        [
            ["单位", "干部姓名", "干部手机", "户主姓名", "户主身份证号"],
            ["市委组织部", "张\x00明", "13912345678", "蔡大明", ID_A],
            ["市委组织部", "张明", "13912345678", "蔡小红", ID_B],
        ]
    )
    batch = batches.create_batch(
        data=data, file_name="联系户.xlsx", scope=None, kind=ImportBatch.Kind.ASSIGNMENTS
    )

    batch = batches.check_batch(batch)

    assert rejections(batch) == [(2, "干部姓名", reason("U+0000"))]
    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert list(HouseholdAssignment.objects.values_list("household__head_name", "cadre__name")) == [
        ("蔡小红", "张明")
    ]
