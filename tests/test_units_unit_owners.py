"""A unit is seen by every area it links villages in, but kept only at the level that owns it:
city-level units by city coordinators, county-level ones by their county's coordinators,
township-level ones by their township's, and any unit by its own liaison. Its cadres' records
go with it."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shuanglian.access.decisions import may_edit_unit
from tests.conftest import ScopeWorld
from tests.factories import make_cadre, make_unit, make_units_at_each_level, make_work_group
from units.models import Cadre, Unit

pytestmark = pytest.mark.django_db

NOT_YOURS = "只能维护本级、本辖区的单位。"


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(obj: Any) -> str:
    return reverse(f"admin:units_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj: Any) -> str:
    return reverse(f"admin:units_{obj._meta.model_name}_delete", args=[obj.pk])


def form_data(client: Client, url: str) -> dict[str, Any]:
    """What the change page would post back unchanged, read from a client that may edit."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form.initial
        data |= {f"{inline.formset.prefix}-{key}": value for key, value in management.items()}
        for index, inline_form in enumerate(inline.formset.initial_forms):
            prefix = f"{inline.formset.prefix}-{index}"
            for name, value in inline_form.initial.items():
                if name in inline_form.fields and value is not None:
                    data[f"{prefix}-{name}"] = value
            data[f"{prefix}-id"] = inline_form.instance.pk
    return data


@pytest.fixture
def units(scope_world: ScopeWorld) -> dict[str, Unit]:
    """A unit at each level of the home area, each linking the home village, and the far
    county's county-level unit."""
    units = make_units_at_each_level(home=scope_world.home, far=scope_world.far)
    for level in ("county", "township"):
        make_cadre(unit=units[level], name=f"{units[level].name}干部")
    return {
        "city": units["city"],
        "county": units["county"],
        "township": units["township"],
        "far": units["far_county"],
    }


KEEPS = {
    ("city", "city"): True,
    ("city", "township"): True,
    ("city", "far"): True,
    ("county", "city"): False,
    ("county", "county"): True,
    ("county", "township"): True,
    ("county", "far"): False,
    ("township", "city"): False,
    ("township", "county"): False,
    ("township", "township"): True,
    ("other_township", "township"): False,
    ("liaison", "city"): True,  # its own unit
    ("liaison", "township"): False,
    ("other_liaison", "city"): False,
    ("auditor", "township"): False,
    ("no_role", "township"): False,
    ("cadre", "city"): False,
}


@pytest.mark.parametrize(("role", "level"), list(KEEPS))
def test_the_rule_names_who_keeps_a_unit(
    scope_world: ScopeWorld, units: dict[str, Unit], role: str, level: str
) -> None:
    assert may_edit_unit(scope_world.users[role], units[level]) is KEEPS[(role, level)]


@pytest.mark.parametrize(("role", "level"), list(KEEPS))
def test_a_unit_is_renamed_only_by_who_keeps_it(
    scope_world: ScopeWorld, units: dict[str, Unit], role: str, level: str
) -> None:
    unit = units[level]
    data = form_data(signed_in(scope_world.users["city"]), change_url(unit))
    response = signed_in(scope_world.users[role]).post(change_url(unit), {**data, "name": "改名"})
    unit.refresh_from_db()
    if KEEPS[(role, level)]:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert unit.name == "改名"
    else:
        assert response.status_code in {302, 403, 404}
        assert unit.name != "改名"


def test_a_township_coordinator_sees_a_city_unit_read_only(
    scope_world: ScopeWorld, units: dict[str, Unit]
) -> None:
    page = signed_in(scope_world.users["township"]).get(change_url(units["city"]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    listing = signed_in(scope_world.users["township"]).get(reverse("admin:units_unit_changelist"))
    assert "甲局" in listing.text


@pytest.mark.parametrize("role", ["township", "county", "other_liaison"])
def test_a_city_unit_cannot_be_deleted_by_a_forged_post(
    scope_world: ScopeWorld, units: dict[str, Unit], role: str
) -> None:
    lonely = make_unit(name="甲空局")
    make_work_group(unit=lonely, village=scope_world.home.village)
    client = signed_in(scope_world.users[role])
    client.post(delete_url(lonely), {"post": "yes"})
    client.post(
        reverse("admin:units_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [lonely.pk], "post": "yes"},
    )
    assert Unit.objects.filter(pk=lonely.pk).exists()


def test_a_township_coordinator_deletes_a_unit_of_their_township(
    scope_world: ScopeWorld,
) -> None:
    home_township = scope_world.home.village.township
    unit = make_unit(
        name="甲镇新站",
        level=Unit.Level.TOWNSHIP,
        county=home_township.county,
        township=home_township,
    )
    response = signed_in(scope_world.users["township"]).post(
        reverse("admin:units_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [unit.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=unit.pk).exists()


def test_a_township_coordinator_adds_only_units_of_their_township(
    scope_world: ScopeWorld,
) -> None:
    home_township = scope_world.home.village.township
    client = signed_in(scope_world.users["township"])
    url = reverse("admin:units_unit_add")
    management = {
        f"{prefix}-{key}": value
        for prefix in ("cadres", "work_groups")
        for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
    }
    city_unit = {"name": "假市局", "kind": Unit.Kind.PARTY_GOVERNMENT, "level": "city"}
    refused = client.post(url, {**city_unit, **management})
    assert refused.status_code == 200
    assert NOT_YOURS in refused.context["adminform"].form.non_field_errors()
    assert not Unit.objects.filter(name="假市局").exists()

    own = {
        "name": "甲镇服务站",
        "kind": Unit.Kind.PARTY_GOVERNMENT,
        "level": "township",
        "county": home_township.county_id,
        "township": home_township.pk,
    }
    assert client.post(url, {**own, **management}).status_code == 302
    assert Unit.objects.filter(name="甲镇服务站", township=home_township).exists()


def test_a_township_unit_cannot_be_raised_to_the_city_level_by_its_township(
    scope_world: ScopeWorld, units: dict[str, Unit]
) -> None:
    unit = units["township"]
    data = form_data(signed_in(scope_world.users["city"]), change_url(unit))
    data |= {"level": "city", "county": "", "township": ""}
    response = signed_in(scope_world.users["township"]).post(change_url(unit), data)
    assert response.status_code == 200
    assert NOT_YOURS in response.context["adminform"].form.non_field_errors()
    unit.refresh_from_db()
    assert unit.level == Unit.Level.TOWNSHIP


# Cadres go with their unit ------------------------------------------------------------------


@pytest.mark.parametrize(("role", "level"), list(KEEPS))
def test_a_cadre_is_changed_only_by_who_keeps_the_unit(
    scope_world: ScopeWorld, units: dict[str, Unit], role: str, level: str
) -> None:
    cadre = Cadre.objects.filter(unit=units[level]).first() or make_cadre(unit=units[level])
    data = form_data(signed_in(scope_world.users["city"]), change_url(cadre))
    data.pop("photo", None)
    response = signed_in(scope_world.users[role]).post(
        change_url(cadre), {**data, "position": "改职务"}
    )
    cadre.refresh_from_db()
    if KEEPS[(role, level)]:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert cadre.position == "改职务"
    else:
        assert response.status_code in {302, 403, 404}
        assert cadre.position != "改职务"


def test_a_cadre_cannot_be_added_to_a_unit_the_user_does_not_keep(
    scope_world: ScopeWorld, units: dict[str, Unit]
) -> None:
    client = signed_in(scope_world.users["township"])
    url = reverse("admin:units_cadre_add")
    management = {"assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0}
    fields = {"name": "假干部", "position": "科员", "is_party_member": "on", "in_service": "on"}
    refused = client.post(url, {**fields, **management, "unit": units["city"].pk})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["unit"] == [
        "只有负责管理甲局的组织部门或该单位联络员才能修改其干部信息。"
    ]
    assert not Cadre.objects.filter(name="假干部").exists()
    accepted = client.post(url, {**fields, **management, "unit": units["township"].pk})
    assert accepted.status_code == 302
    assert Cadre.objects.filter(name="假干部", unit=units["township"]).exists()


def test_a_cadre_of_a_city_unit_cannot_be_deleted_by_a_township_coordinator(
    scope_world: ScopeWorld, units: dict[str, Unit]
) -> None:
    cadre = make_cadre(unit=units["city"], name="甲局新人")
    client = signed_in(scope_world.users["township"])
    assert client.post(delete_url(cadre), {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:units_cadre_changelist"),
        {"action": "delete_selected", "_selected_action": [cadre.pk], "post": "yes"},
    )
    assert Cadre.objects.filter(pk=cadre.pk).exists()


def test_a_county_coordinator_adds_a_unit_of_a_township_in_their_county(
    scope_world: ScopeWorld,
) -> None:
    home_township = scope_world.home.village.township
    management = {
        f"{prefix}-{key}": value
        for prefix in ("cadres", "work_groups")
        for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
    }
    unit = {
        "name": "甲镇文化站",
        "kind": Unit.Kind.PARTY_GOVERNMENT,
        "level": "township",
        "township": home_township.pk,  # the county is filled in from the township
    }
    response = signed_in(scope_world.users["county"]).post(
        reverse("admin:units_unit_add"), {**unit, **management}
    )
    assert response.status_code == 302
    assert Unit.objects.get(name="甲镇文化站").county == home_township.county
