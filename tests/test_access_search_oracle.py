"""Searching cannot give back the digits that masked resident IDs and phones hide."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_coordinator, resident_id
from tests.test_villages_exports import XLSX, read_xlsx

REFUSED = (
    "按身份证号或电话号码的部分数字搜索需要“查看完整个人信息”权限。请按姓名搜索，"
    "或输入完整的18位身份证号、完整的电话号码（仅精确匹配）。"
)
TOO_MANY = "按身份证号或电话号码的数字搜索过于频繁：每分钟最多3次，每天最多50次。请稍后再试。"

DIGIT_SEARCH = "digit_search"
TARGET_ID = resident_id(746, region="371728", born="19671205")
TARGET_PHONE = "13712345678"
CADRE_PHONE = "15987654321"

LISTS = {
    "households": "admin:villages_household_changelist",
    "assignments": "admin:units_householdassignment_changelist",
    "visits": "admin:visits_visit_changelist",
    "needs": "admin:visits_need_changelist",
}


@pytest.fixture
def world(scope_world: ScopeWorld, settings: object) -> ScopeWorld:
    """The home household and cadre with numbers of their own; no limit in the way."""
    settings.DIGIT_SEARCHES_PER_MINUTE = 1000
    home = scope_world.home
    home.household.id_number = TARGET_ID
    home.household.phone = TARGET_PHONE
    home.household.save()
    home.cadre.phone = CADRE_PHONE
    home.cadre.save()
    return scope_world


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client: Client, url_name: str, term: str) -> list:
    response = client.get(reverse(url_name), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def suffixes(number: str) -> list[str]:
    """Every probe of the growing-suffix attack that would succeed, shortest first."""
    return [number[-length:] for length in range(4, len(number))]


def prefixes(number: str) -> list[str]:
    return [number[:length] for length in range(3, len(number))]


@pytest.mark.parametrize("list_name", LISTS)
def test_growing_id_suffix_finds_nothing_for_a_township_coordinator(
    world: ScopeWorld, list_name: str
) -> None:
    client = signed_in(world.users["township"])
    for probe in suffixes(TARGET_ID):
        assert listed(client, LISTS[list_name], probe) == [], probe


def test_each_refused_probe_says_why(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    response = client.get(reverse(LISTS["households"]), {"q": TARGET_ID[-5:]})
    assert [str(message) for message in response.context["messages"]] == [REFUSED]


def test_the_other_digits_of_the_next_probe_find_nothing_either(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    for digit in "0123456789":
        probe = digit + TARGET_ID[-4:]
        assert listed(client, LISTS["households"], probe) == []


def test_a_name_with_digits_leaks_neither(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    name = world.home.household.head_name
    for term in (f"{name} {TARGET_ID[-6:]}", f"{name}{TARGET_PHONE[:7]}", f"{TARGET_ID[-8:]} 甲"):
        assert listed(client, LISTS["households"], term) == [], term
        assert listed(client, LISTS["visits"], term) == [], term


def test_full_width_digits_are_refused_like_ascii_ones(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    full_width = TARGET_ID[-6:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert listed(client, LISTS["households"], full_width) == []


def test_household_phone_digits_find_nothing_for_a_township_coordinator(
    world: ScopeWorld,
) -> None:
    client = signed_in(world.users["township"])
    for probe in suffixes(TARGET_PHONE) + prefixes(TARGET_PHONE):
        assert listed(client, LISTS["households"], probe) == [], probe
        assert listed(client, LISTS["needs"], probe) == [], probe


def test_growing_cadre_phone_finds_nothing_for_a_township_coordinator(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    for probe in suffixes(CADRE_PHONE) + prefixes(CADRE_PHONE) + [CADRE_PHONE[3:7]]:
        assert listed(client, "admin:units_cadre_changelist", probe) == [], probe
        assert listed(client, LISTS["assignments"], probe) == [], probe


def test_a_liaison_cannot_grow_a_phone_of_their_own_cadres_either(world: ScopeWorld) -> None:
    client = signed_in(world.users["liaison"])
    for probe in suffixes(CADRE_PHONE):
        assert listed(client, "admin:units_cadre_changelist", probe) == [], probe


def autocomplete(client: Client, model_name: str, field_name: str, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "units", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["id"] for result in json.loads(response.content)["results"]]


def test_autocomplete_gives_back_no_id_or_phone_digits(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    for probe in suffixes(TARGET_ID) + suffixes(TARGET_PHONE):
        assert autocomplete(client, "householdassignment", "household", probe) == [], probe
    for probe in suffixes(CADRE_PHONE) + prefixes(CADRE_PHONE):
        assert autocomplete(client, "householdassignment", "cadre", probe) == [], probe


def test_autocomplete_finds_the_household_by_its_complete_id(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    found = autocomplete(client, "householdassignment", "household", TARGET_ID)
    assert found == [str(world.home.household.pk)]


def export(client: Client, url_name: str, term: str) -> list[list]:
    url = reverse(url_name.replace("changelist", "export"))
    page = client.get(url, {"q": term})
    form = page.context["form"]
    data = {"resource": "0", "format": XLSX}
    data |= {name: "on" for name, field in form.fields.items() if hasattr(field, "resource_name")}
    response = client.post(f"{url}?q={term}", data)
    assert response.status_code == 200
    return [[cell.value for cell in row] for row in read_xlsx(response.content)[1:]]


def test_exports_searched_by_digits_hold_no_rows(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    assert export(client, LISTS["households"], TARGET_ID[-6:]) == []
    assert export(client, "admin:units_cadre_changelist", CADRE_PHONE[-6:]) == []


def test_export_by_a_complete_id_holds_just_that_household(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    rows = export(client, LISTS["households"], TARGET_ID)
    assert len(rows) == 1
    assert world.home.household.head_name in rows[0]


@pytest.mark.parametrize("list_name", LISTS)
def test_a_complete_id_finds_the_household_for_a_township_coordinator(
    world: ScopeWorld, list_name: str
) -> None:
    client = signed_in(world.users["township"])
    found = listed(client, LISTS[list_name], f" {TARGET_ID.lower()} ")
    assert len(found) == 1
    household = found[0] if list_name == "households" else found[0].household
    assert household == world.home.household


def test_a_complete_id_outside_the_area_finds_nothing(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    far_id = world.far.household.id_number
    assert listed(client, LISTS["households"], far_id) == []


def test_a_complete_phone_finds_exactly_its_owners(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    assert listed(client, LISTS["households"], "+86 137-1234-5678") == [world.home.household]
    assert listed(client, "admin:units_cadre_changelist", CADRE_PHONE) == [world.home.cadre]
    assert listed(client, LISTS["visits"], CADRE_PHONE) == [world.home.visit]


def test_names_are_searched_as_before(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    assert listed(client, LISTS["households"], "甲户") == [world.home.household]
    assert listed(client, "admin:units_cadre_changelist", "甲干") == [world.home.cadre]


def test_a_role_with_full_personal_data_searches_by_digits(world: ScopeWorld) -> None:
    full = make_coordinator(
        "full-township",
        "township",
        township=world.home.village.township,
        full_personal_data=True,
    )
    client = signed_in(full)
    assert listed(client, LISTS["households"], TARGET_ID[-6:]) == [world.home.household]
    assert listed(client, LISTS["needs"], TARGET_ID[-5:]) == [world.home.need]
    assert listed(client, "admin:units_cadre_changelist", CADRE_PHONE[-5:]) == [world.home.cadre]


def test_the_search_box_explains_the_rule_to_roles_without_full_data(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    response = client.get(reverse(LISTS["households"]))
    assert "按姓名或名称的开头搜索，或输入完整的18位身份证号" in response.text


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        (LISTS["households"], {"id_number__endswith": TARGET_ID[-6:]}),
        (LISTS["households"], {"phone__startswith": "137"}),
        (LISTS["visits"], {"household__id_number__contains": TARGET_ID[-6:]}),
        ("admin:units_cadre_changelist", {"phone__contains": CADRE_PHONE[-6:]}),
    ],
)
def test_filters_on_numbers_in_the_address_are_refused(
    world: ScopeWorld, url_name: str, query: dict
) -> None:
    for role in ("township", "city"):
        response = signed_in(world.users[role]).get(reverse(url_name), query)
        assert response.status_code == 400


def test_sorting_by_a_masked_number_is_ignored_without_full_data(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    # Column 2 (after the tick box) is the masked ID.
    response = client.get(reverse(LISTS["households"]), {"o": "2"})
    ordering = response.context["cl"].queryset.query.order_by
    assert ordering
    assert not any("id_number" in str(field) for field in ordering)
    assert "masked_id_number" not in response.context["cl"].sortable_by


def test_digit_searches_are_limited_per_user_whatever_the_role(
    world: ScopeWorld, settings: object
) -> None:
    settings.DIGIT_SEARCHES_PER_MINUTE = 3
    settings.DIGIT_SEARCHES_PER_DAY = 50
    full = make_coordinator("full-city", "city", full_personal_data=True)
    client = signed_in(full)
    for _attempt in range(3):
        assert listed(client, LISTS["households"], TARGET_ID[-6:]) == [world.home.household]
    response = client.get(reverse(LISTS["households"]), {"q": TARGET_ID[-6:]})
    assert list(response.context["cl"].result_list) == []
    assert [str(message) for message in response.context["messages"]] == [TOO_MANY]
    # Names are not limited.
    assert listed(client, LISTS["households"], "甲户") == [world.home.household]


def test_digit_searches_are_limited_per_day_too(world: ScopeWorld, settings: object) -> None:
    settings.DIGIT_SEARCHES_PER_DAY = 2
    client = signed_in(world.users["township"])
    for _attempt in range(2):
        assert listed(client, LISTS["households"], TARGET_ID) == [world.home.household]
    assert listed(client, LISTS["households"], TARGET_ID) == []


def test_the_limit_counts_refused_searches_too(world: ScopeWorld, settings: object) -> None:
    settings.DIGIT_SEARCHES_PER_MINUTE = 3
    client = signed_in(world.users["township"])
    for _attempt in range(3):
        listed(client, LISTS["households"], TARGET_ID[-6:])
    assert listed(client, LISTS["households"], TARGET_ID) == []


def test_every_digit_search_is_in_the_audit_trail_with_the_term_masked(world: ScopeWorld) -> None:
    township = world.users["township"]
    client = signed_in(township)
    listed(client, LISTS["households"], TARGET_ID[-6:])
    listed(client, LISTS["visits"], TARGET_ID)
    listed(client, LISTS["households"], "甲户")
    events = AuditEvent.objects.filter(action=DIGIT_SEARCH).order_by("pk")
    assert [(e.user, e.result, e.details) for e in events] == [
        (
            township,
            AuditEvent.Result.REFUSED,
            {
                "model": "villages.household",
                "term": f"**{TARGET_ID[-4:]}",
                "reason": "partial_digits",
            },
        ),
        (
            township,
            AuditEvent.Result.SUCCESS,
            {
                "model": "visits.visit",
                "term": f"{TARGET_ID[:4]}**********{TARGET_ID[-4:]}",
                "kind": "exact_resident_id",
            },
        ),
    ]


def test_an_export_is_ruled_on_once_per_request(world: ScopeWorld) -> None:
    client = signed_in(world.users["township"])
    export(client, LISTS["households"], TARGET_ID)
    # The form page, then the file: one event each.
    assert AuditEvent.objects.filter(action=DIGIT_SEARCH).count() == 2


def add_household(client: Client, world: ScopeWorld, id_number: str) -> object:
    return client.post(
        reverse("admin:villages_household_add"),
        {
            "village": world.home.village.pk,
            "head_name": "新户主",
            "id_number": id_number,
            "members": "2",
            "category": "general",
        },
    )


def test_an_already_existing_id_on_the_add_form_counts_as_a_digit_search(
    world: ScopeWorld, settings: object
) -> None:
    settings.DIGIT_SEARCHES_PER_MINUTE = 2
    settings.DIGIT_SEARCHES_PER_DAY = 50
    client = signed_in(world.users["township"])
    elsewhere = world.far.household.id_number
    for _attempt in range(2):
        errors = add_household(client, world, elsewhere).context["adminform"].form.errors
        assert errors["id_number"] == ["该身份证号的农户已存在。"]
    errors = add_household(client, world, elsewhere).context["adminform"].form.errors
    assert errors["id_number"] == [TOO_MANY.replace("每分钟最多3次", "每分钟最多2次")]
    events = AuditEvent.objects.filter(action=DIGIT_SEARCH)
    assert [event.details["kind"] for event in events] == ["duplicate_check"] * 3
    assert all(elsewhere not in json.dumps(event.details) for event in events)
