"""The site's icon: linked from every page, and at /favicon.ico where browsers look on their own."""

import io
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from tests.factories import make_staff_user

ROOT = Path(__file__).resolve().parent.parent
ICON_LINK = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_favicon_ico_is_served_for_browsers_that_ask_for_it(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"

    icon = client.get(response["Location"])
    assert icon.status_code == 200
    content = body(icon)
    assert content == (ROOT / "static" / "img" / "favicon.ico").read_bytes()
    image = Image.open(io.BytesIO(content))
    assert image.format == "ICO"
    assert {(16, 16), (32, 32)} <= image.info["sizes"]


def test_the_svg_icon_is_served(client: Client) -> None:
    response = client.get("/static/img/favicon.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert body(response).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_the_site_pages_link_the_icon(client: Client) -> None:
    assert ICON_LINK in client.get("/accounts/login/").content.decode()


def test_the_admin_pages_link_the_icon(client: Client) -> None:
    assert ICON_LINK in client.get("/admin/login/").content.decode()
    client.force_login(make_staff_user("icon-city", "villages.view_household"))
    assert ICON_LINK in client.get("/admin/").content.decode()
    assert ICON_LINK in client.get("/admin/villages/household/").content.decode()


def test_favicon_ico_is_reached_before_a_forced_password_change(client: Client) -> None:
    user = make_staff_user("icon-expired", "villages.view_household")
    client.force_login(user)
    session = client.session
    session["_must_change_password"] = {"user": user.pk, "must_change": True, "expired": True}
    session.save()
    assert client.get("/admin/")["Location"] == "/accounts/password/"
    assert client.get("/favicon.ico")["Location"] == "/static/img/favicon.ico"
