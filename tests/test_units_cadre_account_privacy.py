"""A cadre's account is named by phone number: the cadre page must not show it in full to
roles without full personal data."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import ScopeWorld
from villages.validators import mask_phone

pytestmark = pytest.mark.django_db


def test_the_cadre_page_masks_an_account_named_by_phone_without_full_personal_data(
    scope_world: ScopeWorld,
) -> None:
    cadre = scope_world.home.cadre
    account = scope_world.users["cadre"]
    account.username = "13912345678"
    account.save(update_fields=["username"])
    client = Client()
    client.force_login(scope_world.users["liaison"])
    page = client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "13912345678" not in text
    assert mask_phone("13912345678") in text
    assert "user" not in page.context["adminform"].form.fields


def test_the_cadre_page_shows_the_account_to_a_role_with_full_personal_data(
    scope_world: ScopeWorld,
) -> None:
    cadre = scope_world.home.cadre
    account = scope_world.users["cadre"]
    account.username = "13912345678"
    account.save(update_fields=["username"])
    liaison = scope_world.users["liaison"]
    liaison.scope.full_personal_data = True
    liaison.scope.save(update_fields=["full_personal_data"])
    client = Client()
    client.force_login(liaison)
    page = client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    assert "13912345678" in page.content.decode()
