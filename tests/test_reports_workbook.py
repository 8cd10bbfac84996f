import datetime
import io

import openpyxl
import pytest
from django.utils import timezone, translation

from shuanglian.reports.build import make_report
from shuanglian.reports.periods import Period
from tests.conftest import ScopeWorld
from tests.factories import make_household, make_township, make_visit

TODAY = timezone.localdate()
PERIOD = Period.last_complete("month", TODAY)


@pytest.fixture(autouse=True)
def chinese() -> None:
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def book(scope_world: ScopeWorld) -> openpyxl.Workbook:
    for place in (scope_world.home, scope_world.next_door, scope_world.far):
        for n in range(3):
            household = make_household(village=place.village)
            make_visit(
                household=household,
                cadre=place.cadre,
                visited_on=PERIOD.start + datetime.timedelta(days=n),
            )
    county = scope_world.home.village.township.county
    report = make_report(
        user=scope_world.users["county"],
        area_code=county.code,
        period=PERIOD.code,
        fmt="xlsx",
        today=TODAY,
    )
    assert report.filename == f"东明县_月报_{PERIOD.code}.xlsx"
    assert report.ascii_filename == f"371728000000_monthly_{PERIOD.code}.xlsx"
    assert report.rows == 2
    return openpyxl.load_workbook(io.BytesIO(report.content))


def test_the_form_has_a_title_across_the_table_and_the_unit_and_period(
    book: openpyxl.Workbook,
) -> None:
    sheet = book.worksheets[0]
    assert sheet.title == "月报"
    assert sheet["A1"].value == f"东明县双联双创工作统计月报表（{PERIOD.label}）"
    assert "A1:R1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：东明县"
    info = [c.value for c in sheet[2] if c.value]
    end = PERIOD.end
    assert info[1] == (
        f"统计时间：{PERIOD.start.year}年{PERIOD.start.month}月1日至"
        f"{end.year}年{end.month}月{end.day}日"
    )


def test_the_headers_are_groups_merged_over_their_columns(book: openpyxl.Workbook) -> None:
    sheet = book.worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:A4", "B3:F3", "G3:J3", "K3:M3", "N3:P3", "Q3:R3"} <= merged
    assert [sheet.cell(3, c).value for c in (1, 2, 7, 11, 14, 17)] == [
        "乡镇（街道）",
        "覆盖情况",
        "走访情况",
        "诉求办理",
        "项目资金",
        "评星定级与满意度",
    ]
    assert [c.value for c in sheet[4]][1:7] == [
        "村数",
        "有工作组的村",
        "农户数",
        "已联系农户",
        "覆盖率",
        "走访户次",
    ]


def test_one_row_per_township_then_a_total_that_equals_their_sum(
    book: openpyxl.Workbook,
) -> None:
    sheet = book.worksheets[0]
    assert [sheet.cell(r, 1).value for r in (5, 6, 7)] == ["甲镇", "乙镇", "合计"]
    for column in (2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17):
        assert (
            sheet.cell(7, column).value == sheet.cell(5, column).value + sheet.cell(6, column).value
        ), column
    assert sheet.cell(7, 7).value == 6
    assert sheet.cell(7, 6).value == pytest.approx(sheet.cell(7, 5).value / sheet.cell(7, 4).value)


def test_numbers_are_formatted_as_counts_shares_and_money(book: openpyxl.Workbook) -> None:
    sheet = book.worksheets[0]
    assert sheet["B5"].number_format == "#,##0"
    assert sheet["F5"].number_format == "0.0%"
    assert sheet["O5"].number_format == "#,##0.00"
    assert sheet["J7"].number_format == "0.0%"


def test_it_prints_on_a4_landscape_as_wide_as_the_page_with_the_headers_on_each_page(
    book: openpyxl.Workbook,
) -> None:
    sheet = book.worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.freeze_panes == "B5"
    assert sheet.column_dimensions["A"].width >= 14


def test_the_footer_has_room_for_the_signatures_and_the_date(book: openpyxl.Workbook) -> None:
    sheet = book.worksheets[0]
    texts = [row[0].value for row in sheet.iter_rows(min_row=8) if row[0].value]
    assert texts[0] == (
        f"单位负责人：            填表人：            "
        f"填报日期：{TODAY.year}年{TODAY.month}月{TODAY.day}日"
    )
    assert texts[1].startswith("说明：")


def test_the_rankings_and_the_overdue_needs_have_their_own_sheets(
    book: openpyxl.Workbook,
) -> None:
    assert book.sheetnames == ["月报", "排名", "超期诉求"]
    rankings = book["排名"]
    names = [row[1].value for row in rankings.iter_rows(min_row=3)]
    assert "甲镇" in names and "乙镇" in names
    assert "甲局" in names
    overdue = book["超期诉求"]
    assert overdue["A1"].value == "本期摘要"
    assert overdue["A2"].value.startswith("本期走访农户6户次（6户）")
    assert overdue["A4"].value == "村（社区）"


def test_a_name_a_spreadsheet_would_read_as_a_formula_stays_text(
    scope_world: ScopeWorld,
) -> None:
    county = scope_world.home.village.township.county
    make_township(county=county, name="=HYPERLINK(1)")
    report = make_report(user=None, area_code=county.code, period=PERIOD, fmt="xlsx", today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    cell = sheet["A7"]
    assert cell.value == "=HYPERLINK(1)"
    assert cell.data_type == "s"
    assert cell.quotePrefix
