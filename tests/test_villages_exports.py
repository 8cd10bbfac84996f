"""Household export from the admin, and spreadsheets that never evaluate a cell."""

import codecs
import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from common.exports import formula_safe, formula_unsafe, write_xlsx, write_xlsx_sheets
from tests.factories import make_household, make_village, unique_resident_id
from villages.models import Household, Township
from villages.resources import HouseholdResource

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("admin:villages_household_export")
XLSX, CSV = "0", "1"
HEADERS = [
    "村（社区）",
    "乡镇（街道）",
    "户主姓名",
    "户主身份证号",
    "联系电话",
    "家庭人口",
    "户类型",
    "住址",
]
FORMULAS = ['=HYPERLINK("http://x","y")', "==1+1", "+1+2", "-2+3", "@SUM(A1)"]


def export(client: Client, file_format: str, query: str = "") -> bytes:
    """Open the export page, then post its form with every column ticked, as the admin does."""
    page = client.get(EXPORT_URL + query)
    form = page.context["form"]
    data = {"resource": "0", "format": file_format}
    data |= {name: "on" for name, field in form.fields.items() if hasattr(field, "resource_name")}
    response = client.post(EXPORT_URL + query, data)
    assert response.status_code == 200, response.context and response.context["form"].errors
    return response.content


def read_xlsx(content: bytes) -> list[list[openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows()]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_household_export_masks_resident_ids_and_phones(superuser_client: Client) -> None:
    rows = read_xlsx(export(superuser_client, XLSX))
    assert [cell.value for cell in rows[0]] == HEADERS
    exported = sorted((row[2].value, row[3].value, row[4].value or "") for row in rows[1:])
    expected = sorted(
        (
            household.head_name,
            f"{household.id_number[:4]}**********{household.id_number[-4:]}",
            f"{household.phone[:3]}****{household.phone[-4:]}" if household.phone else "",
        )
        for household in Household.objects.all()
    )
    assert exported == expected
    every_value = {str(cell.value) for row in rows for cell in row}
    assert not every_value & set(Household.objects.values_list("id_number", flat=True))
    assert not every_value & set(
        Household.objects.exclude(phone="").values_list("phone", flat=True)
    )


def test_household_export_writes_chinese_labels_and_numbers(superuser_client: Client) -> None:
    village = make_village()
    make_household(
        village=village, head_name="导出户", members=4, category=Household.Category.MONITORED
    )
    rows = read_xlsx(export(superuser_client, XLSX, f"?township={village.township_id}"))
    assert [cell.value for cell in rows[1]] == [
        village.name,
        village.township.name,
        "导出户",
        rows[1][3].value,
        "138****8000",
        4,
        "监测户",
        None,
    ]
    assert rows[1][5].data_type == "n"


def test_the_resource_reveals_ids_and_phones_only_when_asked() -> None:
    household = make_household(phone="13912345678")
    masked = HouseholdResource().export(Household.objects.filter(pk=household.pk))
    revealed = HouseholdResource(reveal_personal_data=True).export(
        Household.objects.filter(pk=household.pk)
    )
    assert masked[0][3:5] == (household.masked_id_number, "139****5678")
    assert revealed[0][3:5] == (household.id_number, "13912345678")


def test_xlsx_export_keeps_formula_like_text_as_text(superuser_client: Client) -> None:
    village = make_village()
    for address in FORMULAS:
        make_household(village=village, head_name=f"户{address}", address=address)
    rows = read_xlsx(export(superuser_client, XLSX, f"?township={village.township_id}"))
    cells = {row[7].value: row[7] for row in rows[1:]}
    assert set(cells) == set(FORMULAS)
    assert all(cell.data_type == "s" for cell in cells.values())
    assert all(cell.quotePrefix for cell in cells.values())
    assert {row[2].value for row in rows[1:]} == {f"户{address}" for address in FORMULAS}


def test_csv_export_guards_formula_like_text_with_a_quote(superuser_client: Client) -> None:
    village = make_village()
    for address in FORMULAS:
        make_household(village=village, head_name="公式户", address=address)
    make_household(village=village, head_name="普通户", address="幸福路1号")
    rows = read_csv(export(superuser_client, CSV, f"?township={village.township_id}"))
    assert rows[0] == HEADERS
    addresses = {row[7] for row in rows[1:]}
    assert addresses == {f"'{address}" for address in FORMULAS} | {"幸福路1号"}


def test_household_export_follows_the_changelist_filters(superuser_client: Client) -> None:
    township = Township.objects.filter(villages__households__isnull=False).first()
    rows = read_xlsx(export(superuser_client, XLSX, f"?township={township.pk}"))
    expected = Household.objects.in_area(township)
    assert len(rows) - 1 == expected.count() > 0
    assert {row[1].value for row in rows[1:]} == {township.name}
    assert {row[2].value for row in rows[1:]} == set(expected.values_list("head_name", flat=True))


def test_household_export_follows_the_search_box(superuser_client: Client) -> None:
    household = make_household(head_name="独一无二户")
    rows = read_xlsx(export(superuser_client, XLSX, "?q=独一无二户"))
    assert [row[2].value for row in rows[1:]] == [household.head_name]


def test_exporting_200_households_takes_a_bounded_number_of_queries(
    superuser_client: Client, django_assert_max_num_queries: object
) -> None:
    village = make_village()
    Household.objects.bulk_create(
        Household(village=village, head_name=f"批量户{i}", id_number=unique_resident_id())
        for i in range(200)
    )
    query = f"?township={village.township_id}"
    page = superuser_client.get(EXPORT_URL + query)
    data = {"resource": "0", "format": XLSX}
    data |= {
        name: "on"
        for name, field in page.context["form"].fields.items()
        if hasattr(field, "resource_name")
    }
    with django_assert_max_num_queries(8):
        response = superuser_client.post(EXPORT_URL + query, data)
    assert len(read_xlsx(response.content)) == 201


def test_the_export_form_offers_the_columns_by_header_and_only_xlsx_and_csv(
    superuser_client: Client,
) -> None:
    page = superuser_client.get(EXPORT_URL)
    fields = page.context["form"].fields.values()
    assert [field.label for field in fields if hasattr(field, "resource_name")] == HEADERS
    assert page.context["form"].fields["format"].choices == [
        ("", "---"),
        ("0", "xlsx"),
        ("1", "csv"),
    ]


def test_write_xlsx_keeps_types_leading_zeros_and_formula_text() -> None:
    content = write_xlsx(
        ["代码", "数量", "备注"],
        [["001234", 3, None], ["=1+1", 2.5, "-减号"], ["37172819800101016X", True, "@x"]],
        sheet_title="核对:结果/2025",
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "核对-结果-2025"
    assert sheet.freeze_panes == "A2"
    values = [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
    assert values == [
        [("代码", "s"), ("数量", "s"), ("备注", "s")],
        [("001234", "s"), (3, "n"), (None, "n")],
        [("=1+1", "s"), (2.5, "n"), ("-减号", "s")],
        [("37172819800101016X", "s"), (True, "b"), ("@x", "s")],
    ]


def test_write_xlsx_reads_back_in_read_only_mode_as_import_does() -> None:
    content = write_xlsx(["a"], [["=SUM(1,2)"]], sheet_title="x")
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    assert [[cell.value for cell in row] for row in sheet.rows] == [["a"], ["=SUM(1,2)"]]


def test_write_xlsx_sheets_writes_one_sheet_per_entry_from_generators() -> None:
    content = write_xlsx_sheets(
        [
            ("一村", ["姓名", "原因"], ([f"户{i}", "缺少身份证号"] for i in range(3))),
            ("一村", ["姓名"], iter([["重名"]])),
        ]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) == 2
    assert workbook.sheetnames[0] == "一村"
    assert workbook.worksheets[0].max_row == 4
    assert workbook.worksheets[1]["A2"].value == "重名"


def test_write_xlsx_replaces_characters_a_workbook_cannot_hold() -> None:
    content = write_xlsx(["a"], [["甲\x07乙"]], sheet_title="x")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "甲\N{REPLACEMENT CHARACTER}乙"


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-3", "'-3"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("'plain", "'plain"),
        ("幸福路", "幸福路"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_formula_safe_guards_only_what_a_spreadsheet_would_evaluate(
    value: object, guarded: object
) -> None:
    assert formula_safe(value) == guarded
    assert formula_unsafe(guarded) == value
