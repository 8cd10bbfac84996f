"""A township's other names: the launch report's 沙沃镇 finds 沙窝镇 in searches and imports."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import roster_files
from tests.factories import make_county, make_township, make_village, resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch, TownshipAlias

pytestmark = pytest.mark.django_db


@pytest.fixture
def shawo() -> dict:
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728109000", name="沙窝镇")
    TownshipAlias.objects.create(township=township, name="沙沃镇")
    other = make_township(county=county, code="371728105000", name="菜园集镇")
    return {
        "county": county,
        "township": township,
        "wangzhai": make_village(township=township, code="371728109201", name="王寨村"),
        "other": make_village(township=other, code="371728105201", name="王寨村"),
    }


def run(rows: list[list[object]], scope: object) -> ImportBatch:
    data = roster_files.xlsx({"Sheet1": rows})
    return batches.check_batch(
        batches.create_batch(data=data, file_name="花名册.xlsx", scope=scope)
    )


def test_the_admin_township_search_finds_the_report_spelling(
    shawo: dict, admin_client: Client
) -> None:
    response = admin_client.get(reverse("admin:villages_township_changelist"), {"q": "沙沃镇"})
    assert [t.name for t in response.context["cl"].result_list] == ["沙窝镇"]


def test_the_admin_village_search_finds_villages_of_the_report_spelling(
    shawo: dict, admin_client: Client
) -> None:
    response = admin_client.get(reverse("admin:villages_village_changelist"), {"q": "沙沃镇"})
    assert [v.code for v in response.context["cl"].result_list] == ["371728109201"]


def test_a_county_roster_with_the_report_spelling_in_the_township_column_imports(
    shawo: dict,
) -> None:
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        ["沙沃镇", "王寨村", "王乙", resident_id(1)],
    ]
    batch = run(rows, shawo["county"])
    assert batch.report["rejected"] == []
    batches.confirm_batch(batch)
    assert Household.objects.get().village == shawo["wangzhai"]


def test_a_village_cell_starting_with_the_report_spelling_is_found(shawo: dict) -> None:
    rows = [["村名", "户主姓名", "身份证号码"], ["沙沃镇王寨村", "王乙", resident_id(2)]]
    batch = run(rows, shawo["county"])
    assert batch.report["rejected"] == []
    batches.confirm_batch(batch)
    assert Household.objects.get().village == shawo["wangzhai"]


def test_without_the_other_name_the_report_spelling_is_refused(shawo: dict) -> None:
    TownshipAlias.objects.all().delete()
    rows = [
        ["乡镇", "村名", "户主姓名", "身份证号码"],
        ["沙沃镇", "王寨村", "王乙", resident_id(3)],
    ]
    batch = run(rows, shawo["county"])
    assert [r["reason"] for r in batch.report["rejected"]] == [
        "东明县没有名为“沙沃镇”的乡镇（街道）。"
    ]
