"""Assignment import (联系户导入): cadre ↔ household lists checked, previewed and written."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import roster_files
from tests.factories import (
    make_assignment,
    make_assignment_batch,
    make_cadre,
    make_county,
    make_household,
    make_staff_user,
    make_township,
    make_unit,
    make_village,
    resident_id,
)
from units import assignment_rows, assignment_writing
from units.models import HouseholdAssignment
from villages.imports import batches
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

ID_A = resident_id(41, born="19650315")
ID_B = resident_id(42, born="19720101")
ID_C = resident_id(43, born="19801231")
ID_D = resident_id(44, born="19580808")
HEADER = ["单位", "干部姓名", "干部手机", "户主姓名", "户主身份证号"]
EXCEL_NUMBER = "身份证号被Excel转成了数字，请设为文本格式后重填"
ADD_URL = reverse("admin:villages_importbatch_add")
ASSIGNMENT_ADD_URL = f"{ADD_URL}?kind=assignments"


@pytest.fixture
def world() -> dict:
    county = make_county(code="371728000000", name="东明县")
    shawo = make_township(county=county, code="371728104000", name="沙沃镇")
    caizhai = make_village(township=shawo, code="371728104202", name="蔡寨村")
    lizhuang = make_village(
        township=make_township(county=county, code="371728105000", name="菜园集镇"),
        code="371728105201",
        name="李庄村",
    )
    organization = make_unit(name="市委组织部")
    commerce = make_unit(name="市商务局")
    return {
        "county": county,
        "township": shawo,
        "caizhai": caizhai,
        "organization": organization,
        "commerce": commerce,
        "zhang": make_cadre(unit=organization, name="张明", phone="13912345678"),
        "li": make_cadre(unit=organization, name="李华", phone="13700001111"),
        "wang": make_cadre(unit=commerce, name="王强", phone="13600002222"),
        "zhao": make_cadre(unit=organization, name="赵刚", phone="13800003333", in_service=False),
        "liu_1": make_cadre(unit=commerce, name="刘洋", phone="13511112222"),
        "liu_2": make_cadre(unit=commerce, name="刘洋", phone="13533334444"),
        "a": make_household(village=caizhai, head_name="蔡大明", id_number=ID_A),
        "b": make_household(village=caizhai, head_name="蔡小红", id_number=ID_B),
        "c": make_household(village=caizhai, head_name="蔡三", id_number=ID_C),
        "d": make_household(village=lizhuang, head_name="李四", id_number=ID_D),
    }


def run(
    data: bytes,
    scope: object = None,
    *,
    name: str = "联系户名单.xlsx",
    reassign: bool = False,
) -> ImportBatch:
    batch = batches.create_batch(
        data=data,
        file_name=name,
        scope=scope,
        kind=ImportBatch.Kind.ASSIGNMENTS,
        reassign_households=reassign,
    )
    return batches.check_batch(batch)


def sheet(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return roster_files.xlsx({"Sheet1": [header, *rows]})


def counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (batch.created, batch.updated, batch.unchanged, batch.rejected, batch.skipped)


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def active_links() -> set[tuple[str, str]]:
    return set(
        HouseholdAssignment.objects.active().values_list("household__head_name", "cadre__name")
    )


def test_a_units_list_with_title_totals_and_signatures_links_every_household(
    world: dict,
) -> None:
    rows = roster_files.unit_assignment_list(
        [
            ["市委组织部", "张明", "科长", "13912345678", "蔡大明", ID_A],
            ["市委组织部", "张明", "科长", "13912345678", "蔡小红", ID_B],
            ["市商务局", "王强", "副局长", None, "蔡三", ID_C],
        ]
    )
    batch = run(roster_files.xlsx({"Sheet1": rows}, merges=["A1:G1"]))
    assert (batch.status, batch.kind, batch.scope_name) == ("previewed", "assignments", "全市")
    assert counts(batch) == (3, 0, 0, 0, 3)
    assert not HouseholdAssignment.objects.exists(), "the preview writes nothing"
    assert batch.report["sheets"] == [{"name": "Sheet1", "header_row": 3, "unknown": ["序号"]}]

    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert batch.status == "done"
    assert active_links() == {("蔡大明", "张明"), ("蔡小红", "张明"), ("蔡三", "王强")}
    assert set(HouseholdAssignment.objects.values_list("started_on", flat=True)) == {
        timezone.localdate()
    }


@pytest.mark.parametrize(
    "header",
    [
        ["单位", "干部姓名", "职务", "干部手机", "户主姓名", "户主身份证号"],
        ["单位名称", "联系干部", "职位", "干部电话", "户主", "户主身份证号码"],
        ["派出单位", "帮扶干部", "职务", "联系电话", "户主姓名", "身份证号码"],
        ["身份证号", "户主", "手机号码", "姓名", "单位", "职务"],
        ["＊单位", "干部姓名（必填）", "职 务", "干部手机", "户主姓名", "户主身份证号（18位）"],
    ],
    ids=["standard", "other-words", "help-team", "any-order", "decorated"],
)
def test_header_variants_in_any_order_are_recognised(world: dict, header: list[str]) -> None:
    by_kind = {
        "unit": "市委组织部",
        "cadre": "李华",
        "position": "科员",
        "phone": "13700001111",
        "head": "蔡大明",
        "id": ID_A,
    }
    kinds = {
        "单位": "unit",
        "单位名称": "unit",
        "派出单位": "unit",
        "＊单位": "unit",
        "干部姓名": "cadre",
        "联系干部": "cadre",
        "帮扶干部": "cadre",
        "姓名": "cadre",
        "干部姓名（必填）": "cadre",
        "职务": "position",
        "职位": "position",
        "职 务": "position",
        "干部手机": "phone",
        "干部电话": "phone",
        "联系电话": "phone",
        "手机号码": "phone",
        "户主姓名": "head",
        "户主": "head",
        "户主身份证号": "id",
        "户主身份证号码": "id",
        "身份证号码": "id",
        "身份证号": "id",
        "户主身份证号（18位）": "id",
    }
    batch = run(sheet([by_kind[kinds[h]] for h in header], header=header))
    assert counts(batch) == (1, 0, 0, 0, 0), batch.report
    assert batch.report["sheets"][0]["unknown"] == []
    batches.confirm_batch(batch)
    assert active_links() == {("蔡大明", "李华")}


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["市委宣传部", "张明", None, "蔡大明", ID_A], "单位", "单位“市委宣传部”不存在。"),
        ([None, "张明", None, "蔡大明", ID_A], "单位", "缺少单位。"),
        (["市委组织部", None, None, "蔡大明", ID_A], "干部姓名", "缺少干部姓名。"),
        (
            ["市委组织部", "孙丽", None, "蔡大明", ID_A],
            "干部姓名",
            "市委组织部没有名为“孙丽”的干部，请先在干部名册中添加。",
        ),
        (
            ["市商务局", "张明", None, "蔡大明", ID_A],
            "干部姓名",
            "市商务局没有名为“张明”的干部，请先在干部名册中添加。",
        ),
        (
            ["市委组织部", "张明", "13900000000", "蔡大明", ID_A],
            "干部手机",
            "干部手机与系统登记不一致：表中为139****0000，系统登记为139****5678。",
        ),
        (
            ["市商务局", "刘洋", None, "蔡大明", ID_A],
            "干部姓名",
            "市商务局有2名干部叫“刘洋”，请填写干部手机以便区分。",
        ),
        (
            ["市商务局", "刘洋", "13599999999", "蔡大明", ID_A],
            "干部手机",
            "市商务局有2名干部叫“刘洋”，但手机号都不是135****9999。",
        ),
        (
            ["市委组织部", "赵刚", None, "蔡大明", ID_A],
            "干部姓名",
            "干部“赵刚”已不在岗，不能联系农户。",
        ),
        (
            ["市委组织部", "张明", None, "钱五", resident_id(45, born="19700101")],
            "户主身份证号",
            "系统中没有该身份证号的农户，请先导入该户所在村的花名册。",
        ),
        (
            ["市委组织部", "张明", None, "蔡大明", 3.71728196503151e17],
            "户主身份证号",
            "身份证号被Excel转成了数字，末几位已丢失（371728196503151000），"
            "请将该列设为文本格式后重新填写身份证号",
        ),
        (["市委组织部", "张明", None, "蔡大明", "3.71728E+17"], "户主身份证号", EXCEL_NUMBER),
        (["市委组织部", "张明", None, "蔡大明", ID_A[:15] + "000"], "户主身份证号", EXCEL_NUMBER),
        (["市委组织部", "张明", None, "蔡大明", None], "户主身份证号", "缺少身份证号。"),
        (
            ["市委组织部", "张明", None, "蔡大鸣", ID_A],
            "户主姓名",
            "户主姓名不符：系统登记为“蔡大明”，表中为“蔡大鸣”。",
        ),
        (
            ["市委组织部", "张明", "12345", "蔡大明", ID_A],
            "干部手机",
            "请填写11位手机号码，或带区号的固定电话号码。（12345）",
        ),
    ],
    ids=[
        "unknown-unit",
        "no-unit",
        "no-cadre",
        "unknown-cadre",
        "cadre-of-another-unit",
        "phone-disagrees",
        "namesakes-without-phone",
        "namesakes-none-with-phone",
        "not-in-service",
        "unknown-household",
        "float-id",
        "scientific-text",
        "trailing-zeros",
        "no-id",
        "head-name-differs",
        "bad-phone",
    ],
)
def test_bad_rows_are_rejected_with_a_reason_the_unit_can_act_on(
    world: dict, cells: list, column: str, reason: str
) -> None:
    batch = run(sheet(cells))
    assert counts(batch) == (0, 0, 0, 1, 0)
    assert rejections(batch) == [(2, column, reason)]
    batches.confirm_batch(batch)
    assert not HouseholdAssignment.objects.exists()


def test_namesakes_are_told_apart_by_phone_or_by_who_still_serves(world: dict) -> None:
    world["liu_1"].in_service = False
    world["liu_1"].save()
    rows = [
        ["市商务局", "刘洋", "13533334444", "蔡大明", ID_A],
        ["市商务局", "刘洋", None, "蔡小红", ID_B],
    ]
    batch = batches.confirm_batch(run(sheet(*rows)))
    assert counts(batch) == (2, 0, 0, 0, 0), batch.report
    assert set(HouseholdAssignment.objects.values_list("cadre", flat=True)) == {world["liu_2"].pk}


def test_a_phone_left_empty_or_a_cadre_without_a_stored_phone_is_no_disagreement(
    world: dict,
) -> None:
    world["li"].phone = ""
    world["li"].save()
    rows = [
        ["市委组织部", "张明", None, None, ID_A],
        ["市委组织部", "李华", "13000000000", None, ID_B],
    ]
    batch = run(sheet(*rows))
    assert counts(batch) == (2, 0, 0, 0, 0), batch.report


def test_the_same_household_twice_rejects_both_rows_naming_each_other(world: dict) -> None:
    rows = [
        ["市委组织部", "张明", None, "蔡大明", ID_A],
        ["市委组织部", "李华", None, "蔡小红", ID_B],
        ["市商务局", "王强", None, "蔡大明", ID_A],
    ]
    batch = run(sheet(*rows))
    assert counts(batch) == (1, 0, 0, 2, 0)
    assert rejections(batch) == [
        (2, "户主身份证号", "同一户在第4行重复出现。"),
        (4, "户主身份证号", "同一户在第2行重复出现。"),
    ]


def test_a_household_outside_the_chosen_area_is_rejected(world: dict) -> None:
    rows = [
        ["市委组织部", "张明", None, "蔡大明", ID_A],
        ["市委组织部", "张明", None, "李四", ID_D],
    ]
    batch = run(sheet(*rows), world["township"])
    assert counts(batch) == (1, 0, 0, 1, 0)
    assert rejections(batch) == [
        (3, "户主身份证号", "该户登记在菜园集镇李庄村，不在本次导入范围（沙沃镇）内。")
    ]
    assert counts(run(sheet(*rows), world["county"])) == (2, 0, 0, 0, 0)
    assert counts(run(sheet(*rows), world["caizhai"])) == (1, 0, 0, 1, 0)


def test_reimporting_the_same_file_changes_nothing_and_says_so(world: dict) -> None:
    data = sheet(["市委组织部", "张明", None, "蔡大明", ID_A])
    first = batches.confirm_batch(run(data))
    again = run(data)
    assert counts(again) == (0, 0, 1, 0, 0)
    assert batches.previous_import(again) == first
    batches.confirm_batch(again)
    assert HouseholdAssignment.objects.count() == 1


def test_a_household_linked_to_another_cadre_is_a_conflict_unless_reassigning(
    world: dict,
) -> None:
    earlier = timezone.localdate() - datetime.timedelta(days=30)
    make_assignment(household=world["a"], cadre=world["wang"], started_on=earlier)
    data = sheet(["市委组织部", "张明", None, "蔡大明", ID_A])

    batch = batches.confirm_batch(run(data))
    assert counts(batch) == (0, 0, 0, 1, 0)
    assert rejections(batch) == [
        (
            2,
            "干部姓名",
            "该户已由王强（市商务局）联系；如需改由表中干部联系，"
            "请勾选“调整已由其他干部联系的农户”。",
        )
    ]
    assert active_links() == {("蔡大明", "王强")}

    moved = run(data, reassign=True)
    assert counts(moved) == (0, 1, 0, 0, 0)
    assert moved.report["changes"] == [
        {
            "sheet": "Sheet1",
            "row": 2,
            "village": world["a"].village_id,
            "head_name": "蔡大明",
            "fields": [
                {"field": "联系干部", "old": "王强（市商务局）", "new": "张明（市委组织部）"}
            ],
        }
    ]
    batches.confirm_batch(moved)
    old, new = HouseholdAssignment.objects.filter(household=world["a"]).order_by("pk")
    today = timezone.localdate()
    assert (old.cadre, old.started_on, old.ended_on, old.end_reason) == (
        world["wang"],
        earlier,
        today,
        "导入调整",
    )
    assert (new.cadre, new.started_on, new.ended_on) == (world["zhang"], today, None)


def test_a_change_made_between_check_and_confirm_is_seen_at_confirm(world: dict) -> None:
    data = sheet(
        ["市委组织部", "张明", None, "蔡大明", ID_A], ["市委组织部", "张明", None, None, ID_B]
    )
    batch = run(data)
    assert counts(batch) == (2, 0, 0, 0, 0)
    make_assignment(household=world["b"], cadre=world["wang"])

    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert counts(batch) == (1, 0, 0, 1, 0)
    assert active_links() == {("蔡大明", "张明"), ("蔡小红", "王强")}


def test_links_ended_by_someone_else_while_writing_fail_the_whole_import(world: dict) -> None:
    current = make_assignment(household=world["a"], cadre=world["wang"])
    stale = assignment_rows.Link(
        row=assignment_rows.AssignmentRow("Sheet1", 2, ID_A, "市委组织部", "张明"),
        household_id=world["a"].pk,
        cadre_id=world["zhang"].pk,
        replaces=current.pk,
    )
    HouseholdAssignment.objects.filter(pk=current.pk).update(ended_on=timezone.localdate())
    with pytest.raises(assignment_writing.AssignmentsChanged) as failure, transaction.atomic():
        assignment_writing.write_links([stale])
    assert str(failure.value) == (
        "导入期间部分农户的联系干部已被他人调整，请重新上传文件，按最新情况检查。"
    )
    assert HouseholdAssignment.objects.count() == 1


def test_the_error_workbook_holds_the_rejected_rows_and_its_fix_adds_exactly_them(
    world: dict,
) -> None:
    rows = [
        ["市委组织部", "张明", None, "蔡大明", ID_A],
        ["市委宣传部", "李华", None, "蔡小红", ID_B],
        ["市委组织部", "张明", None, "蔡三", "3.71728E+17"],
    ]
    batch = batches.confirm_batch(run(sheet(*rows)))
    assert (batch.created, batch.rejected) == (1, 2)

    book = openpyxl.load_workbook(io.BytesIO(batch.error_file.read()))
    table = [list(row) for row in book["Sheet1"].iter_rows(values_only=True)]
    assert table == [
        [*HEADER, "错误原因", "原行号"],
        ["市委宣传部", "李华", None, "蔡小红", ID_B, "单位“市委宣传部”不存在。", 3],
        ["市委组织部", "张明", None, "蔡三", "3.71728E+17", EXCEL_NUMBER, 4],
    ]
    book["Sheet1"]["A2"] = "市委组织部"
    book["Sheet1"]["E3"] = ID_C
    fixed = io.BytesIO()
    book.save(fixed)

    second = run(fixed.getvalue(), name="联系户名单-未导入行.xlsx")
    assert counts(second) == (2, 0, 0, 0, 0)
    assert second.report["sheets"][0]["unknown"] == ["错误原因", "原行号"]
    batches.confirm_batch(second)
    assert active_links() == {("蔡大明", "张明"), ("蔡小红", "李华"), ("蔡三", "张明")}


def test_a_fault_in_the_middle_of_writing_leaves_the_database_unchanged(
    world: dict, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    # One cadre takes all 25 rows, for three chunks of writing.
    settings.ASSIGNMENT_MAX_PER_CADRE = 30
    earlier = timezone.localdate() - datetime.timedelta(days=10)
    make_assignment(household=world["a"], cadre=world["wang"], started_on=earlier)
    extra = [make_household(village=world["caizhai"]) for _ in range(25)]
    rows = [["市委组织部", "张明", None, "蔡大明", ID_A]]
    rows += [["市委组织部", "李华", None, None, household.id_number] for household in extra]
    batch = run(sheet(*rows), reassign=True)
    assert counts(batch) == (25, 1, 0, 0, 0)
    monkeypatch.setattr(assignment_writing, "CHUNK_ROWS", 10)

    def fail_after_first_chunk(done: int) -> None:
        if done >= 10:
            raise IntegrityError("disk full")

    with pytest.raises(IntegrityError):
        batches.confirm_batch(batch, progress=fail_after_first_chunk)
    batch.refresh_from_db()
    assert (batch.status, batch.message) == ("failed", "disk full")
    assignment = HouseholdAssignment.objects.get()
    assert (assignment.cadre, assignment.ended_on, assignment.end_reason) == (
        world["wang"],
        None,
        "",
    )


def test_an_assignment_batch_may_cover_the_city_but_a_roster_may_not(world: dict) -> None:
    city_wide = ImportBatch(kind=ImportBatch.Kind.ASSIGNMENTS, file_name="a.xlsx", sha256="0")
    city_wide.validate_constraints()
    roster = ImportBatch(kind=ImportBatch.Kind.ROSTER, file_name="r.xlsx", sha256="0")
    with pytest.raises(ValidationError) as refused:
        roster.validate_constraints()
    assert refused.value.messages == [
        "请选择一个村、一个乡镇或一个县区；只有联系户导入可以不选范围（全市）。"
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        roster.save()
    with pytest.raises(ValueError, match="needs a village"):
        batches.create_batch(data=b"x", file_name="r.csv", scope=None)


def test_the_command_checks_imports_reassigns_and_fails_on_a_refused_file(
    world: dict, tmp_path: object, capsys: pytest.CaptureFixture
) -> None:
    good = tmp_path / "联系户.xlsx"
    good.write_bytes(sheet(["市委组织部", "张明", None, "蔡大明", ID_A]))
    call_command("import_assignments", str(good), "--dry-run")
    assert not HouseholdAssignment.objects.exists()
    call_command("import_assignments", str(good), "--county", world["county"].code)
    assert active_links() == {("蔡大明", "张明")}
    call_command("import_assignments", str(good))
    output = capsys.readouterr().out
    assert "试运行：未写入任何数据。" in output
    assert "导入完成：新建联系1户，调整0户。" in output
    assert "无需导入：没有新建或调整的联系户。" in output

    other = tmp_path / "调整.csv"
    other.write_bytes(roster_files.csv_bytes([HEADER, ["市商务局", "王强", None, None, ID_A]]))
    call_command("import_assignments", str(other))
    assert active_links() == {("蔡大明", "张明")}
    assert "该户已由张明（市委组织部）联系" in capsys.readouterr().out
    call_command("import_assignments", str(other), "--reassign")
    assert active_links() == {("蔡大明", "王强")}
    assert "导入完成：新建联系0户，调整1户。" in capsys.readouterr().out

    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"<html><body>not excel</body></html>")
    with pytest.raises(CommandError, match="不是"):
        call_command("import_assignments", str(bad))
    with pytest.raises(CommandError, match="000000000000"):
        call_command("import_assignments", str(good), "--village", "000000000000")


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def linked_world(demo: None) -> dict:
    unit = make_unit(name="测试联系单位")
    village = make_village()
    return {
        "unit": unit,
        "cadre": make_cadre(unit=unit, name="周平", phone="13911110000"),
        "other": make_cadre(unit=unit, name="吴敏", phone="13922220000"),
        "households": [
            make_household(village=village, head_name=name, id_number=resident_id(n))
            for n, name in ((51, "周家甲"), (52, "周家乙"), (53, "周家丙"))
        ],
    }


def upload(client: Client, data: bytes, **fields: object) -> ImportBatch:
    file = SimpleUploadedFile("联系户名单.xlsx", data)
    response = client.post(ASSIGNMENT_ADD_URL, {"file": file, **fields})
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get()
    assert response.url == reverse("admin:villages_importbatch_change", args=[batch.pk])
    return batch


def test_the_assignment_list_has_an_import_button(superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:units_householdassignment_changelist"))
    assert f'href="{ADD_URL}?kind=assignments"' in response.text
    assert "导入联系户" in response.text


def test_the_upload_page_asks_for_the_reassign_option_and_no_area(
    superuser_client: Client,
) -> None:
    response = superuser_client.get(ASSIGNMENT_ADD_URL)
    assert response.status_code == 200
    assert "导入联系户" in response.text
    assert 'name="reassign_households"' in response.text
    assert "调整已由其他干部联系的农户" in response.text
    assert 'name="move_households"' not in response.text
    assert superuser_client.get(f"{ADD_URL}?kind=nothing").status_code == 404


def test_upload_previews_then_confirm_writes_once(
    superuser_client: Client, linked_world: dict
) -> None:
    first, second, third = linked_world["households"]
    make_assignment(household=second, cadre=linked_world["other"])
    data = sheet(
        ["测试联系单位", "周平", "13911110000", first.head_name, first.id_number],
        ["测试联系单位", "周平", "13911110000", second.head_name, second.id_number],
        ["测试联系单位", "周平", "13911110000", "别人", third.id_number],
    )
    batch = upload(superuser_client, data, reassign_households="on")
    assert (batch.kind, batch.scope, batch.reassign_households) == ("assignments", None, True)
    assert counts(batch) == (1, 1, 0, 1, 0)

    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "联系户导入：联系户名单.xlsx" in page.text
    assert "<strong>全市</strong>" in page.text
    assert "<th>调整</th>" in page.text
    assert "确认后将为1户新建联系干部，调整1户的联系干部。被拒绝的行不会导入。" in page.text
    assert "户主姓名不符：系统登记为“周家丙”，表中为“别人”。" in page.text
    assert "确认导入" in page.text
    assert "继续导入联系户" in page.text
    changes = superuser_client.get(
        reverse("admin:villages_importbatch_change", args=[batch.pk]), {"tab": "updated"}
    )
    assert "调整联系干部的农户" in changes.text

    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert superuser_client.post(confirm).status_code == 302
    again = superuser_client.post(confirm, follow=True)
    assert "此次导入已确认" in again.text
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.updated) == ("done", 1, 1)
    assert set(
        HouseholdAssignment.objects.active()
        .filter(household__in=linked_world["households"])
        .values_list("household", "cadre")
    ) == {(first.pk, linked_world["cadre"].pk), (second.pk, linked_world["cadre"].pk)}

    download = superuser_client.get(reverse("admin:villages_importbatch_errors", args=[batch.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    header, *rows = book.active.iter_rows(values_only=True)
    assert header[-2:] == ("错误原因", "原行号")
    assert [row[3] for row in rows] == ["别人"]


def test_the_upload_takes_at_most_one_area(superuser_client: Client, linked_world: dict) -> None:
    village = linked_world["households"][0].village
    file = SimpleUploadedFile("联系户名单.xlsx", sheet(["测试联系单位", "周平", None, None, ID_A]))
    response = superuser_client.post(
        ASSIGNMENT_ADD_URL, {"file": file, "village": village.pk, "township": village.township_id}
    )
    assert response.status_code == 200
    assert "村、乡镇、县区最多选择一项；全市名单则都不选。" in response.text
    assert not ImportBatch.objects.exists()


def test_a_large_assignment_file_is_checked_and_imported_in_the_background(
    superuser_client: Client,
    linked_world: dict,
    settings: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    settings.ROSTER_BACKGROUND_BYTES = 0
    household = linked_world["households"][0]
    data = sheet(["测试联系单位", "吴敏", None, None, household.id_number])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = upload(superuser_client, data)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("previewed", 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == "done"
    assert HouseholdAssignment.objects.active().get(household=household).cadre.name == "吴敏"


def test_the_import_list_shows_the_kind_and_filters_by_it(superuser_client: Client) -> None:
    assignments = make_assignment_batch()
    roster = batches.check_batch(
        batches.create_batch(
            data=f"户主姓名,身份证号码\n王建国,{resident_id(61)}".encode(),
            file_name="花名册.csv",
            scope=make_village(),
        )
    )
    url = reverse("admin:villages_importbatch_changelist")
    page = superuser_client.get(url)
    assert "联系户" in page.text and "农户花名册" in page.text
    assert "导入记录" in page.text
    listed = superuser_client.get(url, {"kind__exact": "assignments"})
    assert list(listed.context["cl"].result_list) == [assignments]
    listed = superuser_client.get(url, {"kind__exact": "roster"})
    assert list(listed.context["cl"].result_list) == [roster]


def test_import_pages_cost_the_same_queries_with_many_batches(
    superuser_client: Client, django_assert_max_num_queries: object
) -> None:
    make_assignment_batch()
    list_url = reverse("admin:villages_importbatch_changelist")
    page_url = reverse("admin:villages_importbatch_change", args=[ImportBatch.objects.get().pk])
    assignments_url = reverse("admin:units_householdassignment_changelist")
    costs = {}
    for url in (list_url, page_url, assignments_url):
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            assert superuser_client.get(url).status_code == 200
        costs[url] = len(queries)
    for _ in range(15):
        make_assignment_batch(scope=make_village())
    for url, cost in costs.items():
        with django_assert_max_num_queries(cost):
            assert superuser_client.get(url).status_code == 200
    assert costs[list_url] <= 16


def test_importing_assignments_needs_the_permission_to_assign(
    superuser_client: Client, linked_world: dict
) -> None:
    batch = make_assignment_batch()
    clerk = make_staff_user(
        "roster_clerk",
        "villages.add_importbatch",
        "villages.view_importbatch",
        "units.view_householdassignment",
    )
    client = Client()
    client.force_login(clerk)
    assert client.get(ASSIGNMENT_ADD_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 200
    listing = client.get(reverse("admin:units_householdassignment_changelist"))
    assert listing.status_code == 200
    assert "导入联系户" not in listing.text
    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert client.post(confirm).status_code == 403
    batch.refresh_from_db()
    assert batch.status == "previewed"
