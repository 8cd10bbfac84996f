"""Two coordinators editing one record: the later save over the other's change is refused."""

import datetime
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import make_coordinator, make_work_group_member
from units.models import Cadre, WorkGroupMember

REFUSED = (
    "此记录在您打开后已被他人修改。为免覆盖他人的修改，本次未保存任何内容：请刷新页面后重新编辑。"
)


def _post_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _form_values(form: Any, data: dict[str, Any]) -> None:
    for name in form.fields:
        value = _post_value(form[name].value())
        if value not in ("", []):
            data[form.add_prefix(name)] = value


def form_data(response: Any) -> dict[str, Any]:
    """What the change page would post if saved as shown: the form, its inlines, the token."""
    data: dict[str, Any] = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_values(formset.management_form, data)
        for form in formset.forms:
            _form_values(form, data)
    token = response.context.get("edit_token")
    if token:
        data["_edit_token"] = token
    return data


def change_url(obj: Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def open_form(client: Client, obj: Model) -> dict[str, Any]:
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return form_data(response)


def save(client: Client, obj: Model, data: dict[str, Any]) -> Any:
    return client.post(change_url(obj), data)


def saved(response: Any) -> bool:
    return response.status_code == 302


def refusal(response: Any) -> list[str]:
    assert response.status_code == 200
    return list(response.context["adminform"].form.non_field_errors())


@pytest.fixture
def two(scope_world: ScopeWorld) -> tuple[Client, Client]:
    first, second = Client(), Client()
    first.force_login(scope_world.users["city"])
    second.force_login(make_coordinator("city-2", "city"))
    return first, second


def test_the_second_save_of_a_household_is_refused(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    household = scope_world.home.household
    first, second = two
    first_form, second_form = open_form(first, household), open_form(second, household)
    assert saved(save(second, household, {**second_form, "address": "新地址1号"}))
    response = save(first, household, {**first_form, "members": "7"})
    assert refusal(response) == [REFUSED]
    household.refresh_from_db()
    assert (household.address, household.members) == ("新地址1号", 3)


def test_two_township_and_county_coordinators_on_one_household(
    scope_world: ScopeWorld,
) -> None:
    household = scope_world.home.household
    township, county = Client(), Client()
    township.force_login(scope_world.users["township"])
    county.force_login(scope_world.users["county"])
    township_form, county_form = open_form(township, household), open_form(county, household)
    assert saved(save(township, household, {**township_form, "category": "monitored"}))
    assert refusal(save(county, household, {**county_form, "address": "另一个地址"})) == [REFUSED]
    household.refresh_from_db()
    assert (household.category, household.address) == ("monitored", "")


def test_a_refused_form_stays_refused_until_reloaded(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    household = scope_world.home.household
    first, second = two
    first_form, second_form = open_form(first, household), open_form(second, household)
    assert saved(save(second, household, {**second_form, "address": "甲"}))
    response = save(first, household, {**first_form, "address": "乙"})
    assert refusal(response) == [REFUSED]
    # Saving the form shown again is refused too; the reloaded page saves.
    assert refusal(save(first, household, form_data(response) | {"address": "乙"})) == [REFUSED]
    assert saved(save(first, household, {**open_form(first, household), "address": "乙"}))
    household.refresh_from_db()
    assert household.address == "乙"


def test_saving_twice_in_a_row_from_fresh_pages_works(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    household = scope_world.home.household
    first, _second = two
    assert saved(save(first, household, {**open_form(first, household), "address": "一"}))
    assert saved(save(first, household, {**open_form(first, household), "address": "二"}))


def test_the_second_save_of_a_cadre_is_refused(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    cadre = scope_world.home.cadre
    first, second = two
    first_form, second_form = open_form(first, cadre), open_form(second, cadre)
    assert saved(save(second, cadre, {**second_form, "position": "副局长"}))
    response = save(first, cadre, {**first_form, "name": "改名干部"})
    assert refusal(response) == [REFUSED]
    cadre.refresh_from_db()
    assert (cadre.name, cadre.position) == ("甲干部", "副局长")


def test_the_second_save_of_a_work_group_is_refused(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    work_group = scope_world.home.work_group
    first, second = two
    first_form, second_form = open_form(first, work_group), open_form(second, work_group)
    assert saved(save(second, work_group, {**second_form, "established_on": "2024-03-01"}))
    response = save(first, work_group, {**first_form, "established_on": "2025-05-05"})
    assert refusal(response) == [REFUSED]
    work_group.refresh_from_db()
    assert work_group.established_on == datetime.date(2024, 3, 1)


def test_a_member_changed_meanwhile_refuses_the_work_groups_save(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    work_group = scope_world.home.work_group
    first, _second = two
    first_form = open_form(first, work_group)
    # Someone else adds a member on their own page of the group.
    added = make_work_group_member(work_group=work_group)
    response = save(first, work_group, first_form)
    assert refusal(response) == [REFUSED]
    assert WorkGroupMember.objects.filter(pk=added.pk).exists()


def test_a_cadre_edited_on_its_page_is_not_put_back_by_the_units_inline(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    unit, cadre = scope_world.home.unit, scope_world.home.cadre
    first, second = two
    unit_form = open_form(first, unit)
    assert saved(save(second, cadre, {**open_form(second, cadre), "position": "局长"}))
    response = save(first, unit, {**unit_form, "name": "甲局（新）"})
    assert refusal(response) == [REFUSED]
    assert Cadre.objects.get(pk=cadre.pk).position == "局长"
    unit.refresh_from_db()
    assert unit.name == "甲局"


def test_the_second_save_of_a_need_is_refused(
    scope_world: ScopeWorld, two: tuple[Client, Client]
) -> None:
    need = scope_world.home.need
    first, second = two
    first_form, second_form = open_form(first, need), open_form(second, need)
    assert saved(save(second, need, {**second_form, "description": "看病报销，已补材料"}))
    response = save(first, need, {**first_form, "description": "看病报销（改）"})
    assert refusal(response) == [REFUSED]
    need.refresh_from_db()
    assert need.description == "看病报销，已补材料"


def test_the_token_gives_away_no_number(scope_world: ScopeWorld) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    household = scope_world.home.household
    token = open_form(client, household)["_edit_token"]
    assert household.id_number not in token
    assert len(token) == 40
    text = client.get(change_url(household)).text
    assert f'name="_edit_token" value="{token}"' in text
