"""Admin import and export of the reference data: counties, townships, villages, units, cadres."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from common.exports import write_xlsx
from tests.factories import make_cadre, make_staff_user, make_unit
from units.models import Cadre, Unit
from villages.models import County, Township, Village
from villages.resources import VillageResource

pytestmark = pytest.mark.django_db

XLSX, CSV = "0", "1"
NOTHING = {"new": 0, "update": 0, "delete": 0, "skip": 0, "error": 0, "invalid": 0}


def admin_url(model: type[Model], view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def xlsx(headers: list[str], rows: list[list[object]]) -> bytes:
    return write_xlsx(headers, rows, sheet_title="导入")


def csv_file(headers: list[str], rows: list[list[object]]) -> bytes:
    dataset = tablib.Dataset(*rows, headers=headers)
    return dataset.export("csv").encode("utf-8-sig")


def upload(
    client: Client, model: type[Model], content: bytes, file_format: str = XLSX
) -> HttpResponse:
    """The first step of an admin import: the file is checked and previewed, not written."""
    name = "data.xlsx" if file_format == XLSX else "data.csv"
    return client.post(
        admin_url(model, "import"),
        {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client: Client, model: type[Model], preview: HttpResponse) -> HttpResponse:
    """The second step: the coordinator confirms the previewed file."""
    return client.post(admin_url(model, "process_import"), preview.context["confirm_form"].initial)


def export(client: Client, model: type[Model], file_format: str) -> bytes:
    page = client.get(admin_url(model, "export"))
    data = {"resource": "0", "format": file_format}
    data |= {
        name: "on"
        for name, field in page.context["form"].fields.items()
        if hasattr(field, "resource_name")
    }
    response = client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    return response.content


def test_counties_import_through_a_preview_then_the_confirmation(
    superuser_client: Client,
) -> None:
    content = xlsx(
        ["区划代码", "名称", "市"],
        [["371799000000", "新区", "371700000000"], ["371702000000", "牡丹新区", "371700000000"]],
    )
    preview = upload(superuser_client, County, content)
    assert preview.status_code == 200
    assert preview.context["result"].totals == NOTHING | {"new": 1, "update": 1}
    assert "新增" in preview.text and "更新" in preview.text and "确认导入" in preview.text
    assert not County.objects.filter(code="371799000000").exists()

    response = confirm(superuser_client, County, preview)
    assert response.status_code == 302
    assert County.objects.get(code="371799000000").name == "新区"
    assert County.objects.get(code="371702000000").name == "牡丹新区"
    assert County.objects.get(code="371799000000").city.code == "371700000000"


def test_townships_and_villages_import_under_parents_named_by_code(
    superuser_client: Client,
) -> None:
    townships = xlsx(["区划代码", "名称", "县区"], [["371728199000", "新镇", "371728000000"]])
    preview = upload(superuser_client, Township, townships)
    assert preview.context["result"].totals == NOTHING | {"new": 1}
    confirm(superuser_client, Township, preview)
    township = Township.objects.get(code="371728199000")
    assert (township.name, township.county.code) == ("新镇", "371728000000")

    villages = xlsx(
        ["区划代码", "名称", "乡镇（街道）", "类型"],
        [
            ["371728199201", "新村", "371728199000", "村"],
            ["371728199001", "新社区", "371728199000", "community"],
            # Excel turns a typed code into a number; a missing kind is a village.
            [371728199202, "后新村", 371728199000.0, ""],
        ],
    )
    preview = upload(superuser_client, Village, villages)
    assert preview.context["result"].totals == NOTHING | {"new": 3}
    confirm(superuser_client, Village, preview)
    assert sorted(
        Village.objects.filter(township=township).values_list("code", "name", "kind")
    ) == [
        ("371728199001", "新社区", "community"),
        ("371728199201", "新村", "village"),
        ("371728199202", "后新村", "village"),
    ]


def test_a_village_coded_outside_its_township_is_refused_in_the_preview(
    superuser_client: Client,
) -> None:
    before = Village.objects.count()
    content = xlsx(
        ["区划代码", "名称", "乡镇（街道）", "类型"],
        [
            ["371728109298", "好村", "371728109000", "村"],
            ["371725105299", "错码村", "371728109000", "村"],
        ],
    )
    preview = upload(superuser_client, Village, content)
    result = preview.context["result"]
    assert result.totals == NOTHING | {"new": 1, "invalid": 1}
    [invalid] = result.invalid_rows
    message = "区划代码应以上级“沙窝镇”的代码 371728109 开头，请核对。"
    assert (invalid.number, invalid.error_dict) == (2, {"区划代码": [message]})
    assert message in preview.text
    assert "confirm_form" not in preview.context
    assert Village.objects.count() == before


def test_an_unknown_parent_code_is_refused_in_the_preview(superuser_client: Client) -> None:
    content = xlsx(["区划代码", "名称", "县区"], [["371799001000", "无主镇", "371799000000"]])
    preview = upload(superuser_client, Township, content)
    [invalid] = preview.context["result"].invalid_rows
    [message] = invalid.error_dict["县区"]
    assert "371799000000" in message
    assert "confirm_form" not in preview.context
    assert not Township.objects.filter(code="371799001000").exists()


def test_one_invalid_row_writes_nothing_even_without_the_preview() -> None:
    before = Village.objects.count()
    dataset = tablib.Dataset(
        ["371728109297", "好村", "371728109000", "村"],
        ["371725105299", "错码村", "371728109000", "村"],
        headers=["区划代码", "名称", "乡镇（街道）", "类型"],
    )
    result = VillageResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert Village.objects.count() == before


def test_an_unknown_kind_is_refused_with_the_model_message(superuser_client: Client) -> None:
    content = xlsx(
        ["名称", "类型", "层级", "县区", "乡镇（街道）"], [["新单位", "外星单位", "市直", "", ""]]
    )
    preview = upload(superuser_client, Unit, content)
    [invalid] = preview.context["result"].invalid_rows
    assert invalid.error_dict == {"类型": ["值 '外星单位' 不是有效选项。"]}


def test_unit_kind_and_level_are_read_as_label_or_value(superuser_client: Client) -> None:
    content = xlsx(
        ["名称", "类型", "层级", "县区", "乡镇（街道）"],
        [
            ["新单位甲", "党政机关", "市直", "", ""],
            ["新单位乙", "people_org", "county", "371728000000", ""],
            ["新单位丙", "企事业单位", "乡镇", "", "371728109000"],
        ],
    )
    preview = upload(superuser_client, Unit, content)
    assert preview.context["result"].totals == NOTHING | {"new": 3}, preview.context[
        "result"
    ].invalid_rows
    confirm(superuser_client, Unit, preview)
    assert sorted(
        Unit.objects.filter(name__startswith="新单位").values_list(
            "name", "kind", "level", "county__code", "township__code"
        )
    ) == [
        ("新单位丙", "enterprise", "township", "371728000000", "371728109000"),
        ("新单位乙", "people_org", "county", "371728000000", None),
        ("新单位甲", "party_gov", "city", None, None),
    ]


def test_cadre_phones_are_normalized_and_bad_ones_refused(superuser_client: Client) -> None:
    good = csv_file(
        ["单位", "姓名", "职务", "联系电话", "党员", "在职"],
        [["市委组织部", "新干部", "科员", "+86 139-0013-9000", "是", "否"]],
    )
    preview = upload(superuser_client, Cadre, good, CSV)
    assert preview.context["result"].totals == NOTHING | {"new": 1}
    confirm(superuser_client, Cadre, preview)
    cadre = Cadre.objects.get(name="新干部")
    assert (cadre.unit.name, cadre.phone, cadre.is_party_member, cadre.in_service) == (
        "市委组织部",
        "13900139000",
        True,
        False,
    )

    bad = csv_file(
        ["单位", "姓名", "职务", "联系电话", "党员", "在职"],
        [["市委组织部", "错号干部", "科员", "12345", "是", "是"]],
    )
    preview = upload(superuser_client, Cadre, bad, CSV)
    [invalid] = preview.context["result"].invalid_rows
    assert invalid.error_dict == {"联系电话": ["请填写11位手机号码，或带区号的固定电话号码。"]}
    assert not Cadre.objects.filter(name="错号干部").exists()


def unit_rows() -> list[tuple]:
    return sorted(Unit.objects.values_list("name", "kind", "level", "county_id", "township_id"))


def cadre_rows() -> list[tuple]:
    return sorted(
        Cadre.objects.values_list(
            "pk", "unit_id", "name", "position", "phone", "is_party_member", "in_service"
        )
    )


@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
def test_exported_units_reimport_without_a_change(
    superuser_client: Client, file_format: str
) -> None:
    county = County.objects.get(code="371728000000")
    township = Township.objects.get(code="371728109000")
    make_unit(name="-县直单位", kind=Unit.Kind.STATIONED, level=Unit.Level.COUNTY, county=county)
    make_unit(name="=镇直单位", level=Unit.Level.TOWNSHIP, county=county, township=township)
    before = unit_rows()

    content = export(superuser_client, Unit, file_format)
    preview = upload(superuser_client, Unit, content, file_format)
    assert preview.context["result"].totals == NOTHING | {"skip": len(before)}
    response = confirm(superuser_client, Unit, preview)
    assert response.status_code == 302
    assert unit_rows() == before


@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
def test_exported_cadres_reimport_without_a_change(
    superuser_client: Client, file_format: str
) -> None:
    unit = Unit.objects.get(name="市委组织部")
    make_cadre(unit=unit, name="无电话干部", phone="", position="=组长", is_party_member=False)
    make_cadre(unit=unit, name="座机干部", phone="05305551234", in_service=False)
    before = cadre_rows()

    content = export(superuser_client, Cadre, file_format)
    preview = upload(superuser_client, Cadre, content, file_format)
    assert preview.context["result"].totals == NOTHING | {"skip": len(before)}
    confirm(superuser_client, Cadre, preview)
    assert cadre_rows() == before


def test_the_cadre_export_writes_units_by_name_and_yes_or_no(superuser_client: Client) -> None:
    unit = Unit.objects.get(name="团市委")
    make_cadre(unit=unit, name="导出干部", phone="13700137000", is_party_member=False)
    content = export(superuser_client, Cadre, CSV).decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0] == "单位,姓名,职务,联系电话,党员,在职"
    assert "团市委,导出干部,科员,13700137000,否,是" in lines


def test_the_reference_exports_write_parents_by_code(superuser_client: Client) -> None:
    content = export(superuser_client, Village, CSV).decode("utf-8-sig").splitlines()
    assert content[0] == "区划代码,名称,乡镇（街道）,类型"
    assert "371728109201,王寨村,371728109000,村" in content


def test_who_may_only_view_counties_can_export_them_but_not_import(client: Client) -> None:
    user = make_staff_user("county-viewer", "villages.view_county")
    client.force_login(user)
    changelist = client.get(admin_url(County, "changelist"))
    assert changelist.context["has_import_permission"] is False
    assert changelist.context["has_export_permission"] is True
    assert client.get(admin_url(County, "import")).status_code == 403
    assert client.get(admin_url(County, "export")).status_code == 200
