"""Loading a city's geography from the statistical code table: preview, confirm, area."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from devdata.demo import SUPERUSER
from shuanglian.models import AuditEvent
from tests.factories import (
    make_city,
    make_coordinator,
    make_county,
    make_household,
    make_township,
    make_user,
    make_village,
    make_work_group,
)
from tests.roster_files import csv_bytes, xlsx
from villages.geography_load import (
    AUDIT_ACTION,
    GeographyFileError,
    load_geography,
    parse_code_table,
)
from villages.models import County, Township, TownshipAlias, Village

pytestmark = pytest.mark.django_db

HEADER = ["统计用区划代码", "城乡分类代码", "名称"]
# As the Bureau publishes it: the city, a county, two townships and their villages.
TABLE = [
    ["2022年统计用区划代码和城乡划分代码", None, None],
    HEADER,
    ["371700000000", None, "菏泽市"],
    ["371728000000", None, "东明县"],
    ["371728109000", None, "沙窝镇"],
    ["371728109201", "220", "王寨村"],
    ["371728109202", "220", "蔡寨村"],
    ["371728001000", None, "城关街道"],
    ["371728001001", "111", "新华社区"],
    ["371721000000", None, "曹县"],
    ["371721105000", None, "韩集镇"],
    ["371721105201", "210", "郑庄村"],
]


@pytest.fixture
def heze(db: None) -> dict:
    """What the database holds before the load: a misspelt township, a village the table no
    longer lists (with households), one without, and one of a county the table leaves out."""
    city = make_city(code="371700000000", name="菏泽市")
    dongming = make_county(city=city, code="371728000000", name="东明县")
    shawo = make_township(county=dongming, code="371728109000", name="沙沃镇")
    make_village(township=shawo, code="371728109201", name="王寨村")
    lived_in = make_village(township=shawo, code="371728109299", name="旧村")
    make_household(village=lived_in)
    make_village(township=shawo, code="371728109298", name="空村")
    juancheng = make_county(city=city, code="371726000000", name="鄄城县")
    far = make_township(county=juancheng, code="371726101000", name="什集镇")
    make_village(township=far, code="371726101201", name="远村")
    return {"admin": make_user("root", is_staff=True, is_superuser=True)}


def preview(user: object, rows: list[list[object]], *, name: str = "区划.csv", **kw: object):
    data = xlsx({"Sheet1": rows}) if name.endswith(".xlsx") else csv_bytes(rows)
    return load_geography(user=user, rows=parse_code_table(data, filename=name), **kw)


def names(changes: list) -> list[str]:
    return [f"{change.code} {change.name}" for change in changes]


def test_the_preview_lists_new_renamed_and_gone_and_changes_nothing(heze: dict) -> None:
    report = preview(heze["admin"], TABLE)
    assert names(report.new) == [
        "371721000000 曹县",
        "371728001000 城关街道",
        "371721105000 韩集镇",
        "371728109202 蔡寨村",
        "371728001001 新华社区",
        "371721105201 郑庄村",
    ]
    assert [(c.before, c.name) for c in report.renamed] == [("沙沃镇", "沙窝镇")]
    # The table has the city's row: it is the whole city, and 鄄城县, empty, is gone.
    assert names(report.removed) == [
        "371726101201 远村",
        "371728109298 空村",
        "371726101000 什集镇",
        "371726000000 鄄城县",
    ]
    assert [(c.name, c.reason) for c in report.kept] == [("旧村", "有1户居住。")]
    assert report.unchanged == 3  # the city, 东明县 and 王寨村
    assert not report.applied
    assert not Township.objects.filter(name="沙窝镇").exists()
    assert Village.objects.count() == 4


def test_confirm_applies_the_table_and_keeps_what_households_live_in(heze: dict) -> None:
    report = preview(heze["admin"], TABLE, confirm=True)
    assert report.applied
    shawo = Township.objects.get(code="371728109000")
    assert shawo.name == "沙窝镇"
    assert TownshipAlias.objects.get(name="沙沃镇").township == shawo
    assert Village.objects.get(code="371728001001").kind == Village.Kind.COMMUNITY
    assert Village.objects.get(code="371721105201").kind == Village.Kind.VILLAGE
    assert Village.objects.filter(code="371728109299").exists(), "households live there"
    assert not Village.objects.filter(code="371728109298").exists()
    assert not County.objects.filter(code="371726000000").exists()


def test_a_table_without_the_city_row_leaves_the_counties_it_does_not_name(heze: dict) -> None:
    county_table = [row for row in TABLE if not str(row[0]).startswith(("3717000", "371721"))]
    report = preview(heze["admin"], county_table, confirm=True)
    assert names(report.removed) == ["371728109298 空村"]
    assert Village.objects.filter(code="371726101201").exists()


def test_a_table_of_townships_without_their_county_row_keeps_the_county(heze: dict) -> None:
    townships_only = [row for row in TABLE if str(row[0]).startswith("3717281")]
    assert townships_only and all(not str(row[0]).endswith("000000") for row in townships_only)
    report = preview(heze["admin"], [HEADER, *townships_only], confirm=True)
    assert "371728000000 东明县" not in names(report.removed) + names(report.kept)
    assert names(report.removed) == ["371728109298 空村"]
    assert County.objects.filter(code="371728000000", name="东明县").exists()


def test_loading_the_same_table_again_changes_nothing(heze: dict) -> None:
    preview(heze["admin"], TABLE, confirm=True)
    before = sorted(Village.objects.values_list("code", "name", "kind"))
    again = preview(heze["admin"], TABLE, confirm=True)
    assert again.changes == 0
    assert names(again.kept) == ["371728109299 旧村"]
    assert sorted(Village.objects.values_list("code", "name", "kind")) == before


def test_an_xlsx_table_with_codes_as_numbers_loads_like_the_csv(heze: dict) -> None:
    rows = [[int(r[0]) if str(r[0]).isdigit() else r[0], *r[1:]] for r in TABLE]
    report = preview(heze["admin"], rows, name="区划.xlsx", confirm=True)
    assert report.applied and len(report.new) == 6
    assert Township.objects.get(code="371721105000").name == "韩集镇"


def test_a_kind_changed_by_the_class_code_is_updated(heze: dict) -> None:
    rows = [HEADER, ["371728109201", "122", "王寨村"]]
    report = preview(heze["admin"], rows, confirm=True)
    assert names(report.kind_changed) == ["371728109201 王寨村"]
    assert Village.objects.get(code="371728109201").kind == Village.Kind.COMMUNITY


def test_a_gone_village_a_unit_still_links_is_kept(heze: dict) -> None:
    make_work_group(village=Village.objects.get(code="371728109298"))
    report = preview(heze["admin"], TABLE, confirm=True)
    assert [(c.name, c.reason) for c in report.kept] == [
        ("空村", "仍被以下记录使用：工作组。"),
        ("旧村", "有1户居住。"),
    ]
    assert Village.objects.filter(code="371728109298").exists()


def test_a_county_coordinator_changes_only_their_county(heze: dict) -> None:
    dongming = County.objects.get(code="371728000000")
    user = make_coordinator("dongming", "county", county=dongming)
    report = preview(user, TABLE, confirm=True)
    assert report.applied
    # The city's row, 曹县 and its township and village lie outside: reported, left alone.
    assert report.outside == 4
    assert not County.objects.filter(code="371721000000").exists()
    assert Township.objects.get(code="371728109000").name == "沙窝镇"
    assert Village.objects.filter(code="371728001001").exists()


def test_a_table_wholly_outside_the_users_area_is_refused(heze: dict) -> None:
    township = Township.objects.get(code="371726101000")
    user = make_coordinator("shiji", "township", township=township)
    with pytest.raises(GeographyFileError) as error:
        preview(user, TABLE)
    assert error.value.messages == ["表中没有您所辖区域内的区划代码，无法载入。"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["单位", "金额"], ["沙窝镇", 300]],
            "这不是统计用区划代码表：没有一行有12位区划代码和名称。",
        ),
        (
            [HEADER, ["37172810920", "220", "王寨村"]],
            "第2行：代码37172810920有11位，区划代码应为12位。",
        ),
        ([HEADER, ["371628109201", "220", "外村"]], "第2行：代码371628109201不在菏泽市。"),
    ],
)
def test_a_wrong_file_is_refused_with_a_chinese_message(
    heze: dict, rows: list, message: str
) -> None:
    with pytest.raises(GeographyFileError) as error:
        preview(heze["admin"], rows)
    assert error.value.messages == [message]
    assert Village.objects.count() == 4


def test_the_command_previews_then_loads_with_confirm(heze: dict, tmp_path: Path) -> None:
    path = tmp_path / "区划.csv"
    path.write_bytes(csv_bytes(TABLE))
    out = io.StringIO()
    call_command("load_geography", str(path), "--user", "root", stdout=out)
    assert "新增：6" in out.getvalue()
    assert not County.objects.filter(code="371721000000").exists()
    call_command("load_geography", str(path), "--user", "root", "--confirm", stdout=out)
    assert County.objects.filter(code="371721000000").exists()
    with pytest.raises(CommandError, match="第2行：代码37172810920有11位"):
        path.write_bytes(csv_bytes([HEADER, ["37172810920", "220", "王寨村"]]))
        call_command("load_geography", str(path), "--user", "root", stdout=out)


def test_the_admin_page_previews_then_confirms(heze: dict) -> None:
    client = Client()
    client.force_login(heze["admin"])
    changelist = client.get(reverse("admin:villages_county_changelist")).text
    assert 'id="load-geography"' in changelist
    assert reverse("admin:villages_county_import") in changelist, "the import stays"
    url = reverse("admin:villages_county_load_geography")
    upload = SimpleUploadedFile("区划.csv", csv_bytes(TABLE))
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert response.context["report"].renamed[0].name == "沙窝镇"
    assert Township.objects.get(code="371728109000").name == "沙沃镇"
    sha256 = client.session["geography_load"]["sha256"]
    done = client.post(url, {"confirm": "1", "sha256": sha256})
    assert done.status_code == 302
    assert Township.objects.get(code="371728109000").name == "沙窝镇"
    assert client.post(url, {"confirm": "1", "sha256": sha256}).status_code == 302
    assert "geography_load" not in client.session
    [event] = loads_audited()
    assert (event.user, event.ip, event.details["file_name"]) == (
        heze["admin"],
        "127.0.0.1",
        "区划.csv",
    )


def loads_audited() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("pk"))


def test_a_confirmed_load_is_in_the_audit_trail_and_a_preview_is_not(
    heze: dict, tmp_path: Path
) -> None:
    path = tmp_path / "区划.csv"
    path.write_bytes(csv_bytes(TABLE))
    call_command("load_geography", str(path), "--user", "root", stdout=io.StringIO())
    assert loads_audited() == [], "a preview changes nothing"
    call_command("load_geography", str(path), "--user", "root", "--confirm", stdout=io.StringIO())
    [event] = loads_audited()
    assert event.user == heze["admin"]
    assert event.details == {
        "model": "villages.county",
        "rows": 10,
        "file_name": "区划.csv",
        "new": 6,
        "renamed": 1,
        "kind_changed": 0,
        "removed": 4,
        "kept": 1,
        "unchanged": 3,
        "outside": 0,
    }
    assert event.action_label == "从区划代码表载入区划"
    refused = [*TABLE, ["371728200201", "220", "无镇村"]]
    path.write_bytes(csv_bytes(refused))
    with pytest.raises(CommandError):
        call_command(
            "load_geography", str(path), "--user", "root", "--confirm", stdout=io.StringIO()
        )
    assert len(loads_audited()) == 1, "a refused load is not a load"


def test_the_admin_page_shows_why_a_file_is_refused(heze: dict) -> None:
    client = Client()
    client.force_login(heze["admin"])
    upload = SimpleUploadedFile("区划.csv", csv_bytes([HEADER, ["3717281092", "220", "王寨村"]]))
    response = client.post(reverse("admin:villages_county_load_geography"), {"file": upload})
    assert "第2行：代码3717281092有10位，区划代码应为12位。" in response.text


def test_a_coordinator_without_village_permissions_cannot_load(heze: dict) -> None:
    user = make_user("viewer", is_staff=True)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:villages_county_load_geography"))
    assert response.status_code == 403


def test_the_readmes_sample_table_matches_the_demo(demo: None) -> None:
    sample = Path(__file__).resolve().parent.parent / "fixtures" / "dongming-code-table.csv"
    rows = parse_code_table(sample.read_bytes(), filename=sample.name)
    admin = User.objects.get(username=SUPERUSER.username)
    report = load_geography(user=admin, rows=rows, confirm=True)
    assert report.applied
    assert (report.changes, report.unchanged, report.kept) == (0, 17, [])
