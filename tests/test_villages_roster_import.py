"""Household roster import: every row classified, nothing lost, nothing silently changed."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from tests import roster_files
from tests.factories import make_county, make_household, make_township, make_village, resident_id
from villages.imports import batches, households
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

ID_A = resident_id(11, born="19650315")
ID_B = resident_id(12, born="19720101")
ID_C = resident_id(13, born="19801231")
ID_X = next(
    resident_id(n, born="19590505")
    for n in range(100, 200)
    if resident_id(n, born="19590505").endswith("X")
)


@pytest.fixture
def area() -> dict:
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728104000", name="沙沃镇")
    return {
        "county": county,
        "township": township,
        "caizhai": make_village(township=township, code="371728104202", name="蔡寨村"),
        "wangzhai": make_village(township=township, code="371728104201", name="王寨村"),
        "other": make_village(
            township=make_township(county=county, code="371728105000", name="菜园集镇"),
            code="371728105201",
            name="王寨村",
        ),
    }


def run(
    data: bytes, scope: object, *, name: str = "花名册.xlsx", move: bool = False
) -> ImportBatch:
    batch = batches.create_batch(data=data, file_name=name, scope=scope, move_households=move)
    return batches.check_batch(batch)


def counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (batch.created, batch.updated, batch.unchanged, batch.rejected, batch.skipped)


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def test_a_clerks_roster_with_title_totals_and_signatures_imports_every_household(
    area: dict,
) -> None:
    data = roster_files.xlsx(
        {
            "Sheet1": roster_files.clerk_roster(
                [
                    ["蔡大明", ID_A, "13800138000", "3人", "脱贫户", "蔡寨村1号"],
                    ["蔡小红", ID_B, "0530-7654321", 2, "一般户", "蔡寨村2号"],
                ]
            )
        },
        merges=["A1:G1"],
    )
    batch = run(data, area["caizhai"])
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert counts(batch) == (2, 0, 0, 0, 3)
    assert Household.objects.count() == 0, "the preview writes nothing"

    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    first = Household.objects.get(id_number=ID_A)
    assert (first.village, first.head_name, first.phone, first.members, first.category) == (
        area["caizhai"],
        "蔡大明",
        "13800138000",
        3,
        Household.Category.LIFTED,
    )
    assert Household.objects.get(id_number=ID_B).phone == "05307654321"
    assert batch.report["sheets"] == [{"name": "Sheet1", "header_row": 3, "unknown": ["序号"]}]


def test_full_width_and_non_breaking_spaces_are_blank_or_trimmed(area: dict) -> None:
    rows = [
        ["户主姓名", "身份证号码", "联系电话"],
        ["蔡\u3000四\u00a0", f"\u00a0{ID_B}\u3000", "\u3000"],
        ["\u3000", "\u00a0", " \n"],
    ]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (1, 0, 0, 0, 1)
    batches.confirm_batch(batch)
    assert Household.objects.values_list("head_name", "id_number", "phone").get() == (
        "蔡四",
        ID_B,
        "",
    )


@pytest.mark.parametrize(
    "header",
    [
        ["户主姓名", "身份证号码", "联系电话", "家庭人口", "户类型", "家庭住址"],
        ["户主", "身份证号", "电话", "人口数", "类别", "住址"],
        ["姓名", "公民身份号码", "手机号码", "家庭成员数", "户类型", "住址"],
        ["家庭住址", "手机号码", "户类型", "家庭人口", "公民身份号码", "户主姓名"],
        ["＊户主姓名", "身份证号码（18位）", "联系电话", "家 庭 人 口", "户类型", "家庭住址"],
        ["户主", "证件号码", "联系手机", "家庭人数", "户属性", "现住址"],
    ],
    ids=["standard", "short", "other-words", "any-order", "decorated", "office-forms"],
)
def test_header_variants_in_any_order_are_recognised(area: dict, header: list[str]) -> None:
    by_field = {
        "户主姓名": "蔡大明",
        "户主": "蔡大明",
        "姓名": "蔡大明",
        "＊户主姓名": "蔡大明",
        "身份证号码": ID_A,
        "身份证号": ID_A,
        "公民身份号码": ID_A,
        "身份证号码（18位）": ID_A,
        "证件号码": ID_A,
        "联系手机": "13800138000",
        "家庭人数": 4,
        "户属性": "低保户",
        "现住址": "蔡寨村5号",
        "联系电话": "13800138000",
        "电话": "13800138000",
        "手机号码": "13800138000",
        "家庭人口": 4,
        "人口数": 4,
        "家庭成员数": 4,
        "家 庭 人 口": 4,
        "户类型": "低保户",
        "类别": "低保户",
        "家庭住址": "蔡寨村5号",
        "住址": "蔡寨村5号",
    }
    data = roster_files.xlsx({"Sheet1": [header, [by_field[h] for h in header]]})
    batch = run(data, area["caizhai"])
    assert counts(batch) == (1, 0, 0, 0, 0)
    batches.confirm_batch(batch)
    household = Household.objects.get()
    assert (household.head_name, household.members, household.category, household.address) == (
        "蔡大明",
        4,
        Household.Category.SUBSISTENCE,
        "蔡寨村5号",
    )


def test_values_are_normalized_as_clerks_type_them(area: dict) -> None:
    legacy = "371728650315123"
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID_A)
    rows = [
        ["户主姓名", "身份证号码", "联系电话", "家庭人口", "是否贫困户"],
        [" 蔡 大明\n", full_width, "+86 138-0013-8000", "三", "是"],
        ["蔡二", f"  {ID_X.lower()} ", 13900139000.0, 5.0, "否"],
        ["蔡三", legacy, None, "十二", None],
    ]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (3, 0, 0, 0, 0), batch.report
    batches.confirm_batch(batch)
    stored = {h.head_name: h for h in Household.objects.all()}
    assert (stored["蔡大明"].id_number, stored["蔡大明"].phone, stored["蔡大明"].members) == (
        ID_A,
        "13800138000",
        3,
    )
    assert stored["蔡大明"].category == Household.Category.LIFTED
    assert (stored["蔡二"].id_number, stored["蔡二"].phone, stored["蔡二"].members) == (
        ID_X,
        "13900139000",
        5,
    )
    assert stored["蔡二"].category == Household.Category.GENERAL
    assert stored["蔡三"].id_number == "371728196503151231"[:17] + stored["蔡三"].id_number[17]
    assert stored["蔡三"].id_number.startswith("37172819650315123")
    assert stored["蔡三"].members == 12


EXCEL_NUMBER = "身份证号被Excel转成了数字，请设为文本格式后重填"


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (
            ["蔡甲", 3.71728196503151e17, None, None],
            "身份证号",
            "身份证号被Excel转成了数字，末几位已丢失（371728196503151000），"
            "请将该列设为文本格式后重新填写身份证号",
        ),
        (["蔡甲", "3.71728E+17", None, None], "身份证号", EXCEL_NUMBER),
        (["蔡甲", ID_A[:15] + "000", None, None], "身份证号", EXCEL_NUMBER),
        (
            ["蔡甲", ID_A[:17] + ("1" if ID_A[17] != "1" else "2"), None, None],
            "身份证号",
            "身份证号校验位不正确，请逐位核对。",
        ),
        (
            ["蔡甲", "37172819650231" + "1234", None, None],
            "身份证号",
            "身份证号中的出生日期无效，请核对。",
        ),
        (["蔡甲", None, None, None], "身份证号", "缺少身份证号。"),
        ([None, ID_A, None, None], "户主姓名", "缺少户主姓名。"),
        (
            ["蔡甲", ID_A, "12345", None],
            "联系电话",
            "请填写11位手机号码，或带区号的固定电话号码。（12345）",
        ),
        (["蔡甲", ID_A, None, "很多"], "家庭人口", "家庭人口应为1至30的数字，如3或“3人”。"),
        (["蔡甲", ID_A, None, 0], "家庭人口", "家庭人口应为1至30的数字，如3或“3人”。"),
    ],
    ids=[
        "float-id",
        "scientific-text",
        "trailing-zeros",
        "checksum",
        "feb-31",
        "no-id",
        "no-name",
        "bad-phone",
        "bad-members",
        "zero-members",
    ],
)
def test_bad_rows_are_rejected_with_a_reason_the_clerk_can_act_on(
    area: dict, cells: list, column: str, reason: str
) -> None:
    header = ["户主姓名", "身份证号码", "联系电话", "家庭人口"]
    batch = run(roster_files.xlsx({"Sheet1": [header, cells]}), area["caizhai"])
    assert counts(batch) == (0, 0, 0, 1, 0)
    assert rejections(batch) == [(2, column, reason)]
    assert not Household.objects.exists()


def test_an_unknown_category_names_the_accepted_ones(area: dict) -> None:
    rows = [["户主姓名", "身份证号码", "户类型"], ["蔡甲", ID_A, "富裕户"]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert rejections(batch) == [
        (
            2,
            "户类型",
            "户类型“富裕户”无法识别，应为：一般户、脱贫户、监测户、低保户、特困（五保）户。",
        )
    ]


def test_a_region_code_outside_the_city_is_a_warning_not_a_rejection(area: dict) -> None:
    outside = resident_id(7, region="110105", born="19700101")
    rows = [["户主姓名", "身份证号码"], ["蔡甲", outside]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (1, 0, 0, 0, 0)
    assert batch.report["warnings"] == ["“Sheet1”第2行：身份证号地区码110105不在本市，请核实。"]


def test_the_same_id_twice_rejects_both_rows_naming_each_other(area: dict) -> None:
    rows = [["户主姓名", "身份证号码"], ["蔡甲", ID_A], ["蔡乙", ID_B], ["蔡丙", ID_A]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (1, 0, 0, 2, 0)
    assert rejections(batch) == [
        (2, "身份证号", "身份证号与第4行重复。"),
        (4, "身份证号", "身份证号与第2行重复。"),
    ]


def test_an_id_registered_in_another_village_is_a_conflict_unless_moving(area: dict) -> None:
    make_household(village=area["wangzhai"], id_number=ID_A, head_name="蔡甲")
    rows = [["户主姓名", "身份证号码"], ["蔡甲", ID_A]]
    data = roster_files.xlsx({"Sheet1": rows})

    batch = run(data, area["caizhai"])
    assert rejections(batch) == [
        (2, "身份证号", "该身份证号已登记在沙沃镇王寨村；如确需迁入本村，请勾选“迁移农户”。")
    ]

    moved = run(data, area["caizhai"], move=True)
    assert counts(moved) == (0, 1, 0, 0, 0)
    assert moved.report["changes"][0]["fields"] == [
        {"field": "村（社区）", "old": "王寨村", "new": "蔡寨村"}
    ]
    batches.confirm_batch(moved)
    assert Household.objects.get(id_number=ID_A).village == area["caizhai"]


def test_a_township_file_finds_villages_with_or_without_the_suffix(area: dict) -> None:
    rows = [
        ["所在村", "户主姓名", "身份证号码"],
        ["蔡寨", "蔡甲", ID_A],
        ["王寨村委会", "王乙", ID_B],
        ["沙沃镇蔡寨村", "蔡丙", ID_C],
        ["李庄村", "李丁", ID_X],
    ]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["township"])
    assert counts(batch) == (3, 0, 0, 1, 0)
    assert rejections(batch) == [(5, "村（社区）", "沙沃镇没有名为“李庄村”的村（社区）。")]
    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("village__name", "head_name")) == {
        ("蔡寨村", "蔡甲"),
        ("王寨村", "王乙"),
        ("蔡寨村", "蔡丙"),
    }


def test_a_county_file_refuses_a_village_name_two_townships_share(area: dict) -> None:
    rows = [["村名", "户主姓名", "身份证号码"], ["王寨村", "王乙", ID_B]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["county"])
    assert rejections(batch) == [
        (
            2,
            "村（社区）",
            "东明县有2个名为“王寨村”的村（社区），分别在沙沃镇、菜园集镇；请增加“乡镇”列并填写"
            "乡镇，或在村名前写上乡镇（如“沙沃镇王寨村”）。",
        )
    ]


def test_one_sheet_per_village_with_hidden_and_instruction_sheets_skipped(area: dict) -> None:
    header = ["户主姓名", "身份证号码"]
    data = roster_files.xlsx(
        {
            "填表说明": [["请按村填写，每村一个工作表"]],
            "蔡寨村": [header, ["蔡甲", ID_A]],
            "王寨": [header, ["王乙", ID_B]],
            "旧表": [header, ["旧户", ID_C]],
        },
        hidden=["旧表"],
    )
    batch = run(data, area["township"])
    assert counts(batch) == (2, 0, 0, 0, 0)
    assert batch.report["skipped_sheets"] == ["填表说明", "旧表"]
    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("village__name", "head_name")) == {
        ("蔡寨村", "蔡甲"),
        ("王寨村", "王乙"),
    }


def test_reimporting_the_same_file_changes_nothing_and_says_so(area: dict) -> None:
    data = roster_files.xlsx(
        {"Sheet1": [["户主姓名", "身份证号码", "家庭人口"], ["蔡甲", ID_A, 3]]}
    )
    first = batches.confirm_batch(run(data, area["caizhai"]))
    again = run(data, area["caizhai"])
    assert counts(again) == (0, 0, 1, 0, 0)
    assert batches.previous_import(again) == first


def test_updates_show_each_changed_field_and_blank_cells_change_nothing(area: dict) -> None:
    make_household(
        village=area["caizhai"], id_number=ID_A, head_name="蔡甲", phone="13800138000", members=3
    )
    rows = [["户主姓名", "身份证号码", "联系电话", "家庭人口"], ["蔡甲", ID_A, None, 4]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (0, 1, 0, 0, 0)
    assert batch.report["changes"] == [
        {
            "sheet": "Sheet1",
            "row": 2,
            "village": area["caizhai"].pk,
            "head_name": "蔡甲",
            "fields": [{"field": "家庭人口", "old": "3", "new": "4"}],
        }
    ]
    batches.confirm_batch(batch)
    household = Household.objects.get(id_number=ID_A)
    assert (household.members, household.phone) == (4, "13800138000")


def test_the_error_workbook_holds_the_rejected_rows_and_its_fix_adds_exactly_them(
    area: dict,
) -> None:
    rows = [
        ["户主姓名", "身份证号码", "家庭人口"],
        ["蔡甲", ID_A, 3],
        ["蔡乙", "3.71728E+17", 2],
        ["蔡丙", ID_C, "很多"],
    ]
    batch = batches.confirm_batch(run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"]))
    assert (batch.created, batch.rejected) == (1, 2)

    book = openpyxl.load_workbook(io.BytesIO(batch.error_file.read()))
    sheet = book["Sheet1"]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table == [
        ["户主姓名", "身份证号码", "家庭人口", "错误原因", "原行号"],
        ["蔡乙", "3.71728E+17", 2, EXCEL_NUMBER, 3],
        ["蔡丙", ID_C, "很多", "家庭人口应为1至30的数字，如3或“3人”。", 4],
    ]
    sheet["B2"] = ID_B
    sheet["C3"] = "2人"
    fixed = io.BytesIO()
    book.save(fixed)

    second = run(fixed.getvalue(), area["caizhai"], name="花名册-错误行.xlsx")
    assert counts(second) == (2, 0, 0, 0, 0)
    assert second.report["sheets"][0]["unknown"] == ["错误原因", "原行号"]
    batches.confirm_batch(second)
    assert Household.objects.count() == 3


def test_a_fault_in_the_middle_of_writing_leaves_the_database_unchanged(
    area: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_household(village=area["caizhai"], id_number=ID_X, head_name="蔡老", members=2)
    rows = [["户主姓名", "身份证号码", "家庭人口"], ["蔡老", ID_X, 5]]
    rows += [[f"蔡{chr(0x4E00 + n)}", resident_id(n, born="19900101"), 1] for n in range(300, 340)]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    monkeypatch.setattr(households, "CHUNK_ROWS", 10)

    def fail_after_first_chunk(done: int) -> None:
        if done >= 10:
            raise IntegrityError("disk full")

    with pytest.raises(IntegrityError):
        batches.confirm_batch(batch, progress=fail_after_first_chunk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.message == "disk full"
    assert list(Household.objects.values_list("head_name", "members")) == [("蔡老", 2)]


def test_old_xls_files_from_wps_are_read(area: dict) -> None:
    rows = roster_files.clerk_roster([["蔡大明", ID_A, "13800138000", 3, "监测户", "蔡寨村1号"]])
    batch = run(roster_files.xls(rows), area["caizhai"], name="花名册.xls")
    assert counts(batch) == (1, 0, 0, 0, 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_files_in_utf8_or_gbk_are_read(area: dict, encoding: str) -> None:
    rows = [["户主姓名", "身份证号码", "户类型"], ["蔡大明", ID_A, "特困户"]]
    data = roster_files.csv_bytes(rows, encoding=encoding)
    batch = run(data, area["caizhai"], name="花名册.csv")
    assert counts(batch) == (1, 0, 0, 0, 0)


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_reason(area: dict) -> None:
    batch = run(b"%PDF-1.7 not a roster", area["caizhai"], name="花名册.xlsx")
    assert batch.status == ImportBatch.Status.REFUSED
    assert "xlsx" in batch.message
    assert not Household.objects.exists()


def test_the_command_checks_imports_and_fails_on_a_refused_file(
    area: dict, tmp_path: object, capsys: pytest.CaptureFixture
) -> None:
    good = tmp_path / "蔡寨村.xlsx"
    good.write_bytes(roster_files.xlsx({"Sheet1": [["户主姓名", "身份证号码"], ["蔡甲", ID_A]]}))
    call_command("import_roster", str(good), "--village", area["caizhai"].code, "--dry-run")
    assert not Household.objects.exists()
    call_command("import_roster", str(good), "--village", area["caizhai"].code)
    assert Household.objects.count() == 1
    output = capsys.readouterr().out
    assert "试运行：未写入任何数据。" in output
    assert "导入完成：新增1户，更新0户。" in output

    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"<html><body>not excel</body></html>")
    with pytest.raises(CommandError, match="不是"):
        call_command("import_roster", str(bad), "--village", area["caizhai"].code)


def test_a_register_of_residents_imports_only_the_heads_rows(area: dict) -> None:
    rows = [
        ["户主姓名", "姓名", "与户主关系", "身份证号码", "联系电话"],
        ["蔡大明", "蔡大明", "户主", ID_A, "13800138000"],
        ["蔡大明", "李秀英", "妻子", ID_B, ""],
        ["蔡大明", "蔡小明", "长子", ID_C, ""],
    ]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert counts(batch) == (1, 0, 0, 0, 2)
    batches.confirm_batch(batch)
    assert Household.objects.values_list("head_name", "id_number").get() == ("蔡大明", ID_A)


def test_the_head_of_household_column_wins_over_a_plain_name_column(area: dict) -> None:
    rows = [["姓名", "身份证号码", "户主姓名"], ["李秀英", ID_B, "蔡大明"]]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert batch.report["sheets"][0]["unknown"] == ["姓名"]
    batches.confirm_batch(batch)
    assert Household.objects.get().head_name == "蔡大明"


def test_an_id_typed_with_a_leading_apostrophe_is_read_as_text(area: dict) -> None:
    rows = [["户主姓名", "身份证号码"], ["蔡大明", f"'{ID_A}"], ["蔡二", f"‘{ID_X.lower()}"]]
    batch = run(roster_files.csv_bytes(rows), area["caizhai"], name="花名册.csv")
    assert counts(batch) == (2, 0, 0, 0, 0)


def test_the_first_of_two_phone_numbers_is_kept_and_a_note_after_the_name_dropped(
    area: dict,
) -> None:
    rows = [
        ["户主姓名", "身份证号码", "联系电话"],
        ["蔡大明（户主）", ID_A, "13800138000、13900139000"],
        ["蔡二", ID_B, "0530-1234567/13800138000"],
        ["蔡三", ID_C, "12345、67890"],
    ]
    batch = run(roster_files.xlsx({"Sheet1": rows}), area["caizhai"])
    assert rejections(batch) == [
        (4, "联系电话", "请填写11位手机号码，或带区号的固定电话号码。（12345、67890）")
    ]
    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("head_name", "phone")) == {
        ("蔡大明", "13800138000"),
        ("蔡二", "05301234567"),
    }
