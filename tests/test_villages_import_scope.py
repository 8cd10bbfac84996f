"""Roster and assignment imports keep to the acting user's area, from upload to confirm."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shuanglian.models import Role, UserScope
from tests.conftest import ScopeWorld
from tests.factories import (
    client_for,
    make_coordinator,
    make_household,
    make_village,
    unique_resident_id,
)
from villages.imports import areas, batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:villages_importbatch_add")
OUTSIDE_ROW = "该行所在村（社区）不在您的管辖范围内，不能通过本文件导入。"
INVALID_CHOICE = "选择一个有效的选项"
NO_TARGET = "请在村、乡镇、县区中只选择一项作为导入范围。"


def csv_file(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(v) for v in row) for row in rows).encode()


def county_roster(world: ScopeWorld, new_id: str) -> bytes:
    """New households in both townships of the county, and changes to both existing ones."""
    return csv_file(
        [
            ["户主姓名", "身份证号码", "村", "联系电话", "家庭人口", "家庭住址"],
            ["甲户主", world.home.household.id_number, "甲村", "13911112222", 6, "甲村新址"],
            ["乙户主", world.next_door.household.id_number, "乙村", "13933334444", 9, "乙村新址"],
            ["乙新户", new_id, "乙村", "13955556666", 2, "乙村3号"],
            ["甲新户", unique_resident_id(), "甲村", "", 3, ""],
        ]
    )


def form_choices(client: Client, kind: str = "roster") -> dict[str, set[str]]:
    page = client.get(ADD_URL, {"kind": kind})
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    return {
        name: {str(area.name) for area in fields[name].queryset}
        for name in ("village", "township", "county")
        if name in fields
    }


def reasons(batch: ImportBatch) -> list[str]:
    return [row["reason"] for row in batch.report["rejected"]]


def become_township_coordinator(user: Any, world: ScopeWorld) -> None:
    UserScope.objects.filter(user=user).update(
        role=Role.TOWNSHIP, county=None, township=world.home.village.township
    )


@pytest.fixture
def scope_world(scope_world: ScopeWorld) -> ScopeWorld:
    """With a second village in the home township that no unit links."""
    make_village(township=scope_world.home.village.township, name="甲二村")
    return scope_world


# --- the upload form -----------------------------------------------------------------------


def test_the_upload_form_offers_a_township_coordinator_only_their_township_and_villages(
    scope_world: ScopeWorld,
) -> None:
    choices = form_choices(client_for(scope_world.users["township"]))
    assert choices == {"village": {"甲村", "甲二村"}, "township": {"甲镇"}}


def test_the_upload_form_offers_a_county_coordinator_their_county_and_its_townships(
    scope_world: ScopeWorld,
) -> None:
    choices = form_choices(client_for(scope_world.users["county"]))
    assert choices == {
        "village": {"甲村", "甲二村", "乙村"},
        "township": {"甲镇", "乙镇"},
        "county": {"东明县"},
    }


def test_the_upload_form_offers_a_liaison_only_the_villages_their_unit_links(
    scope_world: ScopeWorld,
) -> None:
    client = client_for(scope_world.users["liaison"])
    assert form_choices(client) == {"village": {"甲村"}}
    assert form_choices(client, "assignments") == {"village": {"甲村"}}


@pytest.mark.parametrize(
    ("role", "field", "target"),
    [
        ("township", "county", lambda w: w.home.village.township.county),
        ("township", "township", lambda w: w.next_door.village.township),
        ("township", "village", lambda w: w.next_door.village),
        ("county", "county", lambda w: w.far.village.township.county),
        ("county", "village", lambda w: w.far.village),
        ("liaison", "township", lambda w: w.home.village.township),
        ("liaison", "village", lambda w: w.next_door.village),
    ],
)
def test_a_forged_target_outside_the_area_is_refused_with_the_form_s_error(
    scope_world: ScopeWorld, role: str, field: str, target: Any
) -> None:
    user = scope_world.users[role]
    data = csv_file([["户主姓名", "身份证号码"], ["某户主", unique_resident_id()]])
    response = client_for(user).post(
        ADD_URL,
        {"file": SimpleUploadedFile("花名册.csv", data), field: target(scope_world).pk},
    )
    assert response.status_code == 200
    # A field with no choice inside the area is not even offered, so its value is ignored.
    offered = field in response.context["adminform"].form.fields
    assert (INVALID_CHOICE if offered else NO_TARGET) in response.text
    assert not ImportBatch.objects.filter(created_by=user).exists()


def test_the_service_refuses_a_target_not_wholly_inside_the_user_s_area(
    scope_world: ScopeWorld,
) -> None:
    with pytest.raises(areas.OutsideArea, match="东明县不完全在您的管辖范围内。"):
        batches.create_batch(
            data=b"",
            file_name="x.csv",
            scope=scope_world.home.village.township.county,
            user=scope_world.users["township"],
        )


# --- every row checked at check time and again at confirm ----------------------------------


def test_rows_outside_the_area_are_rejected_at_check_time(scope_world: ScopeWorld) -> None:
    # Uploaded while county coordinator; checked (as a background check would be) after the
    # user became a township coordinator.
    user = scope_world.users["county"]
    new_id = unique_resident_id()
    batch = batches.create_batch(
        data=county_roster(scope_world, new_id),
        file_name="东明县花名册.csv",
        scope=scope_world.home.village.township.county,
        user=user,
    )
    become_township_coordinator(user, scope_world)
    batch = batches.check_batch(batch)
    assert (batch.created, batch.updated, batch.rejected) == (1, 1, 2)
    assert reasons(batch) == [OUTSIDE_ROW, OUTSIDE_ROW]
    assert "乙" not in str(batch.report["rejected"])


def test_a_role_changed_after_the_check_writes_nothing_outside_the_new_area(
    scope_world: ScopeWorld,
) -> None:
    user = scope_world.users["county"]
    new_id = unique_resident_id()
    outside = scope_world.next_door.household
    before = (outside.phone, outside.address, outside.members)
    batch = batches.check_batch(
        batches.create_batch(
            data=county_roster(scope_world, new_id),
            file_name="东明县花名册.csv",
            scope=scope_world.home.village.township.county,
            user=user,
        )
    )
    assert (batch.created, batch.updated, batch.rejected) == (2, 2, 0)

    become_township_coordinator(user, scope_world)
    batch = batches.confirm_batch(batch)

    assert (batch.status, batch.created, batch.updated, batch.rejected) == ("done", 1, 1, 2)
    assert not Household.objects.filter(id_number=new_id).exists()
    outside.refresh_from_db()
    assert (outside.phone, outside.address, outside.members) == before
    inside = Household.objects.get(pk=scope_world.home.household.pk)
    assert (inside.phone, inside.members) == ("13911112222", 6)
    assert set(batch.touched_villages.all()) == {scope_world.home.village}


def test_a_confirm_by_another_coordinator_is_bounded_by_their_area_too(
    scope_world: ScopeWorld,
) -> None:
    new_id = unique_resident_id()
    batch = batches.check_batch(
        batches.create_batch(
            data=county_roster(scope_world, new_id),
            file_name="东明县花名册.csv",
            scope=scope_world.home.village.township.county,
            user=scope_world.users["county"],
        )
    )
    batches.claim_for_import(batch)
    batches.set_confirmer(batch, scope_world.users["township"])
    batch = batches.confirm_batch(batch)
    assert (batch.created, batch.updated, batch.rejected) == (1, 1, 2)
    assert not Household.objects.filter(id_number=new_id).exists()


def test_a_township_file_in_admin_cannot_move_or_overwrite_another_township_s_household(
    scope_world: ScopeWorld,
) -> None:
    """The whole admin path: the township coordinator is refused the county, and a township
    file naming the other township's household changes nothing there."""
    township = scope_world.users["township"]
    client = client_for(township)
    other = scope_world.next_door.household
    data = csv_file(
        [
            ["户主姓名", "身份证号码", "村", "联系电话", "家庭人口", "家庭住址"],
            ["乙户主", other.id_number, "甲村", "13933334444", 9, "甲村新址"],
        ]
    )
    response = client.post(
        ADD_URL,
        {
            "file": SimpleUploadedFile("甲镇花名册.csv", data),
            "township": scope_world.home.village.township.pk,
            "move_households": "on",
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(created_by=township)
    assert batch.rejected == 1
    assert "该户已登记在您管辖范围以外的村（社区），不能通过本文件修改。" in reasons(batch)
    client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
    other.refresh_from_db()
    assert (other.village, other.phone, other.members) == (
        scope_world.next_door.village,
        "13800138000",
        3,
    )


def test_an_assignment_file_without_a_target_is_bounded_by_the_user_s_area(
    scope_world: ScopeWorld,
) -> None:
    cadre = scope_world.home.cadre
    inside = make_household(village=scope_world.home.village)
    data = csv_file(
        [
            ["单位", "干部姓名", "户主身份证号"],
            [cadre.unit.name, cadre.name, inside.id_number],
            [cadre.unit.name, cadre.name, scope_world.far.household.id_number],
        ]
    )
    batch = batches.check_batch(
        batches.create_batch(
            data=data,
            file_name="联系户.csv",
            scope=None,
            kind=ImportBatch.Kind.ASSIGNMENTS,
            user=scope_world.users["township"],
        )
    )
    assert (batch.created, batch.rejected) == (1, 1)
    assert reasons(batch) == ["该户登记在您管辖范围以外的村（社区）。"]
    batch = batches.confirm_batch(batch)
    assert set(batch.touched_villages.all()) == {scope_world.home.village}


# --- the preview ---------------------------------------------------------------------------


def upload_phone_change(client: Client, world: ScopeWorld, phone: str) -> ImportBatch:
    household = world.home.household
    data = csv_file(
        [["户主姓名", "身份证号码", "联系电话"], ["甲户主", household.id_number, phone]]
    )
    response = client.post(
        ADD_URL,
        {"file": SimpleUploadedFile("甲村花名册.csv", data), "village": world.home.village.pk},
    )
    assert response.status_code == 302, response.text
    return ImportBatch.objects.latest("pk")


def test_the_preview_masks_old_and_new_phones_for_a_role_without_the_full_data_right(
    scope_world: ScopeWorld,
) -> None:
    Household.objects.filter(pk=scope_world.home.household.pk).update(phone="13812345678")
    client = client_for(scope_world.users["township"])
    batch = upload_phone_change(client, scope_world, "13998765432")
    page = client.get(reverse("admin:villages_importbatch_change", args=[batch.pk])).text
    assert "138****5678" in page
    assert "139****5432" in page
    assert "13812345678" not in page
    assert "13998765432" not in page


def test_the_preview_shows_full_phones_to_a_role_with_the_full_data_right(
    scope_world: ScopeWorld,
) -> None:
    Household.objects.filter(pk=scope_world.home.household.pk).update(phone="13812345678")
    user = make_coordinator(
        "township-full",
        "township",
        township=scope_world.home.village.township,
        full_personal_data=True,
    )
    client = client_for(user)
    batch = upload_phone_change(client, scope_world, "13998765432")
    page = client.get(reverse("admin:villages_importbatch_change", args=[batch.pk])).text
    assert "13812345678" in page
    assert "13998765432" in page


# --- who sees a batch ----------------------------------------------------------------------


def confirmed_county_batch(world: ScopeWorld) -> ImportBatch:
    client = client_for(world.users["county"])
    response = client.post(
        ADD_URL,
        {
            "file": SimpleUploadedFile(
                "东明县花名册.csv",
                county_roster(world, unique_resident_id()) + "\n坏户,123,乙村,,,".encode(),
            ),
            "county": world.home.village.township.county.pk,
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=world.users["county"])
    client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.updated, batch.rejected) == ("done", 2, 2, 1)
    return batch


@pytest.mark.parametrize(
    ("role", "status"),
    [("township", 200), ("other_township", 200), ("liaison", 200), ("other_liaison", 200)],
)
def test_every_coordinator_whose_villages_a_batch_touched_sees_it(
    scope_world: ScopeWorld, role: str, status: int
) -> None:
    batch = confirmed_county_batch(scope_world)
    page = client_for(scope_world.users[role]).get(
        reverse("admin:villages_importbatch_change", args=[batch.pk])
    )
    assert page.status_code == status
    assert batch in ImportBatch.objects.visible_to(scope_world.users[role])


def test_a_coordinator_whose_villages_a_batch_did_not_touch_does_not_see_it(
    scope_world: ScopeWorld,
) -> None:
    batch = confirmed_county_batch(scope_world)
    far = make_coordinator("far-township", "township", township=scope_world.far.village.township)
    page = client_for(far).get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert page.status_code == 404
    assert batch not in ImportBatch.objects.visible_to(far)


def test_a_touched_township_sees_only_its_own_households_changes(
    scope_world: ScopeWorld,
) -> None:
    batch = confirmed_county_batch(scope_world)
    client = client_for(scope_world.users["township"])
    page = client.get(reverse("admin:villages_importbatch_change", args=[batch.pk])).text
    assert "甲户主" in page
    assert "乙户主" not in page
    assert "乙村新址" not in page
    assert "仅显示您管辖范围内农户的变更。" in page
    errors = reverse("admin:villages_importbatch_errors", args=[batch.pk])
    assert errors not in page
    assert "坏户" not in page
    assert client.get(errors).status_code == 404


def test_a_liaison_s_roster_cannot_move_a_household_from_a_village_their_unit_does_not_link(
    scope_world: ScopeWorld,
) -> None:
    unlinked = Village.objects.get(name="甲二村")
    household = make_household(village=unlinked, head_name="甲二户主", phone="13712345678")
    client = client_for(scope_world.users["liaison"])
    data = csv_file(
        [["户主姓名", "身份证号码", "联系电话"], ["甲二户主", household.id_number, "13900000000"]]
    )
    response = client.post(
        ADD_URL,
        {
            "file": SimpleUploadedFile("甲村花名册.csv", data),
            "village": scope_world.home.village.pk,
            "move_households": "on",
        },
    )
    assert response.status_code == 302, response.text
    batch = ImportBatch.objects.get(created_by=scope_world.users["liaison"])
    assert reasons(batch) == ["该户已登记在您管辖范围以外的村（社区），不能通过本文件修改。"]
    assert "13712345678" not in str(batch.report)
    household.refresh_from_db()
    assert (household.village, household.phone) == (unlinked, "13712345678")
