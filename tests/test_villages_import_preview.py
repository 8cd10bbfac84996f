"""The import preview lists every row by outcome (new, updated, unchanged, rejected), paged."""

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import roster_files
from tests.conftest import ScopeWorld
from tests.factories import client_for, make_coordinator, make_household, unique_resident_id
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

NEW_IDS = [unique_resident_id() for _ in range(120)]


def name(n: int) -> str:
    """新户〇〇一 …: a head's name holds no digits, so the rows are numbered in Chinese."""
    return "新户" + f"{n:03}".translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


@pytest.fixture
def batch(scope_world: ScopeWorld) -> ImportBatch:
    """The home township's roster: 120 new households, one changed, one as it is, one refused."""
    home = scope_world.home
    changed = make_household(village=home.village, head_name="改名前")
    rows = [
        ["户主姓名", "身份证号码", "村", "联系电话"],
        *[
            [name(n), id_number, "甲村", f"1391234{n:04}"]
            for n, id_number in enumerate(NEW_IDS, start=1)
        ],
        [home.household.head_name, home.household.id_number, "甲村", ""],
        ["改名后", changed.id_number, "甲村", ""],
        ["错村户", unique_resident_id(), "无此村", ""],
    ]
    data = roster_files.csv_bytes(rows)
    response = client_for(scope_world.users["township"]).post(
        reverse("admin:villages_importbatch_add"),
        {"file": SimpleUploadedFile("甲镇.csv", data), "township": home.village.township.pk},
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=scope_world.users["township"])
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (120, 1, 1, 1)
    return batch


def page(user: Any, batch: ImportBatch, **query: Any) -> str:
    url = reverse("admin:villages_importbatch_change", args=[batch.pk])
    response = client_for(user).get(url, query)
    assert response.status_code == 200
    return response.text


def names(text: str) -> list[str]:
    return re.findall(r"<td>(新户[〇一二三四五六七八九]{3})</td>", text)


def test_the_preview_has_a_tab_per_outcome_with_its_count(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    text = page(scope_world.users["township"], batch)
    for name, label in [
        ("created", "新增 (120)"),
        ("updated", "更新 (1)"),
        ("unchanged", "无变化 (1)"),
        ("rejected", "未导入 (1)"),
    ]:
        assert f'id="tab-{name}" href="?tab={name}">{label}</a>' in text
    # Rejected rows first: they are what the clerk has to act on.
    assert "无此村" in text
    assert 'id="roster-rejected"' in text


def test_new_rows_are_listed_fifty_to_a_page(scope_world: ScopeWorld, batch: ImportBatch) -> None:
    user = scope_world.users["township"]
    first = page(user, batch, tab="created")
    assert names(first) == [name(n) for n in range(1, 51)]
    assert "第1页，共3页" in first
    last = page(user, batch, tab="created", page=3)
    assert names(last) == [name(n) for n in range(101, 121)]
    assert "<td>甲村</td>" in last


def test_unchanged_and_updated_rows_are_listed_too(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    user = scope_world.users["township"]
    unchanged = page(user, batch, tab="unchanged")
    assert f"<td>{scope_world.home.household.head_name}</td>" in unchanged
    updated = page(user, batch, tab="updated")
    assert '户主姓名: <span class="old">改名前</span> → <span class="new">改名后</span>' in updated


def test_ids_and_phones_are_masked_unless_the_role_has_the_full_data_right(
    scope_world: ScopeWorld, batch: ImportBatch
) -> None:
    masked = page(scope_world.users["township"], batch, tab="created")
    assert NEW_IDS[0] not in masked
    assert f"身份证号: {NEW_IDS[0][:4]}**********{NEW_IDS[0][-4:]}" in masked
    assert "联系电话: 139****0001" in masked
    assert "13912340001" not in masked

    full = make_coordinator(
        "county-full",
        "county",
        county=scope_world.home.village.township.county,
        full_personal_data=True,
    )
    shown = page(full, batch, tab="created")
    assert f"身份证号: {NEW_IDS[0]}" in shown
    assert "联系电话: 13912340001" in shown


def test_a_page_of_the_preview_takes_the_same_queries_whatever_the_page(
    scope_world: ScopeWorld, batch: ImportBatch, django_assert_max_num_queries: Any
) -> None:
    client = client_for(scope_world.users["township"])
    url = reverse("admin:villages_importbatch_change", args=[batch.pk])
    client.get(url)
    counts = []
    for query in ({"tab": "created"}, {"tab": "created", "page": 3}, {"tab": "unchanged"}):
        with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as queries:
            assert client.get(url, query).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def test_a_coordinator_of_one_village_written_to_sees_only_its_rows_and_no_rejected_ones(
    scope_world: ScopeWorld,
) -> None:
    county = scope_world.users["county"]
    rows = [
        ["户主姓名", "身份证号码", "村"],
        ["甲新户", unique_resident_id(), "甲村"],
        ["乙新户", unique_resident_id(), "乙村"],
        ["错村户", unique_resident_id(), "无此村"],
    ]
    response = client_for(county).post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("县.csv", roster_files.csv_bytes(rows)),
            "county": scope_world.home.village.township.county.pk,
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=county)
    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert client_for(county).post(confirm).status_code == 302

    text = page(scope_world.users["township"], batch, tab="created")
    assert 'id="tab-created" href="?tab=created">新增 (1)</a>' in text
    assert 'id="tab-rejected" href="?tab=rejected">未导入 (0)</a>' in text
    assert "<td>甲新户</td>" in text
    assert "乙新户" not in text
    assert "无此村" not in page(scope_world.users["township"], batch, tab="rejected")
