"""Lines under a roster's table: signatures, notes and dates are skipped wherever they sit."""

import datetime

import pytest

from tests import roster_files
from tests.factories import make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

HEADER = ["序号", "户主姓名", "身份证号码", "联系电话", "家庭人口", "户类型", "家庭住址"]
ID_A, ID_B, ID_C = resident_id(1), resident_id(2), resident_id(3)
HOUSEHOLDS = [
    [1, "蔡大明", ID_A, "13800138000", 3, "脱贫户", "蔡寨村1号"],
    [2, "蔡小红", ID_B, None, 2, "一般户", "蔡寨村2号"],
]


@pytest.fixture
def village() -> Village:
    return make_village(name="蔡寨村")


def check(village: Village, rows: list[list[object]]) -> ImportBatch:
    batch = batches.create_batch(
        data=roster_files.xlsx({"Sheet1": [HEADER, *rows]}), file_name="花名册.xlsx", scope=village
    )
    return batches.check_batch(batch)


def counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (batch.created, batch.updated, batch.unchanged, batch.rejected, batch.skipped)


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def line(column: int, text: object) -> list[object]:
    cells: list[object] = [None] * len(HEADER)
    cells[column] = text
    return cells


@pytest.mark.parametrize("column", range(len(HEADER)), ids=HEADER)
@pytest.mark.parametrize(
    "text",
    [
        "村支书签字：",
        "填表人：王会计",
        "审核人：张书记",
        "制表：沙沃镇",
        "日期：2026年11月30日",
        "（盖章）",
        "以下空白",
    ],
)
def test_a_signature_line_is_skipped_whichever_column_holds_its_text(
    village: Village, column: int, text: str
) -> None:
    batch = check(village, [*HOUSEHOLDS, line(column, text)])
    assert counts(batch) == (2, 0, 0, 0, 1), batch.report["rejected"]


def test_a_signature_line_spread_over_the_columns_is_skipped(village: Village) -> None:
    signatures = [None, "村支书签字：", "蔡书记", "填表人：", "王会计", "日期：", "2026.11.30"]
    batch = check(village, [*HOUSEHOLDS, signatures])
    assert counts(batch) == (2, 0, 0, 0, 1), batch.report["rejected"]


def test_notes_dates_and_the_signing_body_after_the_last_household_are_skipped(
    village: Village,
) -> None:
    batch = check(
        village,
        [
            *HOUSEHOLDS,
            [None] * 7,
            line(1, "注：本表由村委会填写，一式两份。"),
            line(2, "2026年11月30日"),
            line(3, datetime.datetime(2026, 11, 30)),  # noqa: DTZ001 - a cell's date
            line(1, "蔡寨村民委员会"),
            line(6, "沙沃镇人民政府（章）"),
        ],
    )
    assert counts(batch) == (2, 0, 0, 0, 6), batch.report["rejected"]


def test_a_note_with_households_after_it_is_a_row_of_the_table_and_rejected(
    village: Village,
) -> None:
    batch = check(
        village,
        [*HOUSEHOLDS, line(1, "此户已迁出，见备注"), [3, "蔡三", ID_C, None, 1, None, None]],
    )
    assert counts(batch) == (3, 0, 0, 1, 0)
    assert rejections(batch) == [
        (
            4,
            "户主姓名",
            "户主姓名“此户已迁出,见备注”不是姓名：姓名应由汉字或字母组成，"
            "少数民族姓名各部分之间用间隔号“·”分隔。",
        )
    ]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ([3, "蔡三", None, "13900139000", 2, None, None], "身份证号", "缺少身份证号。"),
        ([3, "蔡三", None, None, None, None, None], "身份证号", "缺少身份证号。"),
        ([3, None, None, "13900139000", None, None, None], "户主姓名", "缺少户主姓名。"),
        ([3, None, None, None, "3人", "低保户", None], "户主姓名", "缺少户主姓名。"),
        (
            [3, "蔡三", "无", None, None, None, None],
            "身份证号",
            "身份证号应为18位：前17位为数字，末位为数字或X，请核对。",
        ),
    ],
    ids=["name-and-phone", "name", "phone", "members-and-category", "no-id-written"],
)
def test_a_last_household_with_cells_missing_is_still_rejected(
    village: Village, cells: list[object], column: str, reason: str
) -> None:
    batch = check(village, [*HOUSEHOLDS, cells])
    assert counts(batch) == (2, 0, 0, 1, 0)
    assert rejections(batch) == [(4, column, reason)]


def test_a_clerks_roster_with_its_footer_in_the_id_column_imports_cleanly(
    village: Village,
) -> None:
    rows = roster_files.clerk_roster(
        [["蔡大明", ID_A, "13800138000", "3人", "脱贫户", "蔡寨村1号"]]
    )
    rows.append([None, None, "村支书签字：", None, None, "日期：", None])
    batch = batches.check_batch(
        batches.create_batch(
            data=roster_files.xlsx({"Sheet1": rows}), file_name="花名册.xlsx", scope=village
        )
    )
    assert counts(batch) == (1, 0, 0, 0, 4), batch.report["rejected"]
    batches.confirm_batch(batch)
    assert Household.objects.get().head_name == "蔡大明"
