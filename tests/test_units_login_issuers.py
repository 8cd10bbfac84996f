"""Only whoever keeps a cadre's unit issues the cadre's password: its liaison and the
coordinators at or above the unit's level over its area. Each issue is audited, and the cadre
is shown when and by whom the password was set."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuanglian.access.decisions import may_issue_login
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_cadre, make_units_at_each_level, make_user
from units.accounts import create_login, reset_one_time_password
from units.models import Cadre

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "ganbu-mima-2026-xin"
REFUSED = "只有负责管理{unit}的组织部门或该单位联络员才能为其干部设置密码。"


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def login_url(cadre: Cadre) -> str:
    return reverse("admin:units_cadre_create_login", args=[cadre.pk])


def shown_password(text: str) -> str:
    return re.search(r'<td class="password"><code[^>]*>([^<]+)</code>', text).group(1)


@pytest.fixture
def units(scope_world: ScopeWorld) -> dict[str, Cadre]:
    """A cadre of a unit at each level of the home area, each unit linking the home village,
    and of the far county's county-level unit."""
    world = scope_world
    level_units = make_units_at_each_level(home=world.home, far=world.far)
    return {
        "city": make_cadre(unit=level_units["city"], name="甲局干部", phone="13911110001"),
        "county": make_cadre(unit=level_units["county"], name="甲县干部", phone="13911110002"),
        "township": make_cadre(unit=level_units["township"], name="甲镇干部", phone="13911110003"),
        "far_county": make_cadre(
            unit=level_units["far_county"], name="丙县干部", phone="13911110004"
        ),
    }


# Who may issue whose password: (role, level of the cadre's unit) → allowed
RULES = {
    ("city", "city"): True,
    ("city", "county"): True,
    ("city", "township"): True,
    ("city", "far_county"): True,
    ("county", "city"): False,
    ("county", "county"): True,
    ("county", "township"): True,
    ("county", "far_county"): False,
    ("township", "city"): False,
    ("township", "county"): False,
    ("township", "township"): True,
    ("township", "far_county"): False,
    ("other_township", "township"): False,
    ("liaison", "city"): True,  # the home unit's liaison, its cadre
    ("liaison", "county"): False,
    ("liaison", "township"): False,
    ("other_liaison", "city"): False,
    ("auditor", "township"): False,
    ("no_role", "township"): False,
    ("cadre", "city"): False,
}


@pytest.mark.parametrize(("role", "level"), list(RULES))
def test_the_rule_names_who_may_issue_a_cadres_password(
    scope_world: ScopeWorld, units: dict[str, Cadre], role: str, level: str
) -> None:
    assert may_issue_login(scope_world.users[role], units[level]) is RULES[(role, level)]


@pytest.mark.parametrize(("role", "level"), list(RULES))
def test_the_account_page_creates_an_account_only_for_who_may_issue_it(
    scope_world: ScopeWorld, units: dict[str, Cadre], role: str, level: str
) -> None:
    cadre = units[level]
    client = signed_in(scope_world.users[role])
    page = client.get(login_url(cadre))
    response = client.post(login_url(cadre), {"username": f"u{cadre.pk}"})
    cadre.refresh_from_db()
    if RULES[(role, level)]:
        assert page.status_code == 200
        assert response.status_code == 200
        assert cadre.user.check_password(shown_password(response.text))
    else:
        assert page.status_code in {302, 403, 404}
        assert response.status_code in {302, 403, 404}
        assert cadre.user is None
        assert not get_user_model().objects.filter(username=f"u{cadre.pk}").exists()


def test_a_township_coordinator_cannot_reset_the_password_of_a_city_units_cadre(
    scope_world: ScopeWorld,
) -> None:
    cadre = scope_world.home.cadre  # of a city-level unit, with an account
    before = cadre.user.password
    response = signed_in(scope_world.users["township"]).post(login_url(cadre))
    assert response.status_code == 403
    cadre.user.refresh_from_db()
    assert cadre.user.password == before


def test_the_services_refuse_a_user_who_does_not_keep_the_unit(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    township = scope_world.users["township"]
    with pytest.raises(PermissionDenied) as refused:
        create_login(cadre=units["city"], username="stolen", by=township)
    assert str(refused.value) == REFUSED.format(unit="甲局")
    with pytest.raises(PermissionDenied):
        reset_one_time_password(cadre=scope_world.home.cadre, by=township)
    assert not get_user_model().objects.filter(username="stolen").exists()


def test_no_one_resets_an_account_that_holds_a_coordinators_role(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    cadre = units["township"]
    cadre.user = scope_world.users["county"]
    cadre.save(update_fields=["user"])
    for role in ("township", "county", "city"):
        assert not may_issue_login(scope_world.users[role], cadre)
        response = signed_in(scope_world.users[role]).post(login_url(cadre))
        assert response.status_code == 403
    assert scope_world.users["county"].check_password("a-long-test-password")


def test_the_bulk_action_skips_the_cadres_of_units_the_user_does_not_keep(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    chosen = [units["city"], units["county"], units["township"]]
    response = signed_in(scope_world.users["township"]).post(
        reverse("admin:units_cadre_changelist"),
        {"action": "create_sign_in_accounts", "_selected_action": [c.pk for c in chosen]},
    )
    assert response.status_code == 200
    for cadre in chosen:
        cadre.refresh_from_db()
    assert units["township"].user is not None
    assert units["city"].user is None and units["county"].user is None
    assert REFUSED.format(unit="甲局") in response.text
    assert REFUSED.format(unit="甲县局") in response.text


def test_each_issue_is_audited_with_who_issued_it(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    cadre = units["township"]
    client = signed_in(scope_world.users["township"])
    client.post(login_url(cadre), {"username": "jiazhen"})
    client.post(login_url(cadre))
    events = AuditEvent.objects.filter(object_type="units.cadre", object_id=str(cadre.pk))
    assert [(e.action, e.username, e.details["account"]) for e in events.order_by("pk")] == [
        ("cadre_login_created", "township", "jiazhen"),
        ("cadre_password_reset", "township", "jiazhen"),
    ]
    assert not any("password" in key for e in events for key in e.details)


def test_the_cadre_is_shown_when_and_by_whom_the_password_was_set(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    issuer = scope_world.users["township"]
    issuer.first_name = "王协调"
    issuer.save()
    cadre = units["township"]
    response = signed_in(issuer).post(login_url(cadre), {"username": "jiazhen"})
    password = shown_password(response.text)
    cadre.refresh_from_db()
    assert cadre.password_set_by == issuer
    when = timezone.localtime(cadre.password_set_at).strftime("%Y-%m-%d %H:%M")

    client = Client()
    client.post(reverse("login"), {"username": "jiazhen", "password": password})
    page = client.get(reverse("password_change"))
    assert f"您的密码由王协调（township）于{when}设置。" in page.text
    assert "如非您本人申请，请告知本单位联络员。" in page.text

    changed = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    done = client.get(changed["Location"])
    assert "您于" in done.text and "自行设置了密码。" in done.text
    cadre.refresh_from_db()
    assert cadre.password_set_by == cadre.user


def test_the_cadre_page_says_who_last_set_the_password(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    cadre = units["township"]
    client = signed_in(scope_world.users["township"])
    client.post(login_url(cadre), {"username": "jiazhen"})
    page = client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    assert "密码由township于" in page.text
    # A coordinator who does not keep the unit is not offered the reset.
    county_page = signed_in(make_user("reader")).get(login_url(cadre))
    assert county_page.status_code != 200


def test_the_service_says_why_an_account_with_a_coordinators_role_is_not_reset(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    cadre = units["township"]
    cadre.user = scope_world.users["county"]
    cadre.save(update_fields=["user"])
    with pytest.raises(PermissionDenied) as refused:
        reset_one_time_password(cadre=cadre, by=scope_world.users["township"])
    assert str(refused.value) == "该账号同时具有组织部门角色，只能在该账号自己的页面修改密码。"


def test_deleting_the_issuers_account_leaves_the_cadre_with_the_time_alone(
    scope_world: ScopeWorld, units: dict[str, Cadre]
) -> None:
    issuer = make_user("short-lived")
    cadre = units["township"]
    create_login(cadre=cadre, username="jiazhen", by=None)
    Cadre.objects.filter(pk=cadre.pk).update(password_set_by=issuer)
    issuer.delete()
    cadre.refresh_from_db()
    assert cadre.password_set_by is None
    assert cadre.password_set_at is not None
