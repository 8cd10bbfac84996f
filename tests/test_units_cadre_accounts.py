"""Cadre sign-in accounts: made in admin with a one-time password that must be changed."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devdata.demo import CADRE_PASSWORD
from tests.factories import make_assignment, make_cadre, make_staff_user, make_user
from units.models import Cadre

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "ganbu-mima-2026-xin"


def create_login(client: Client, cadre: Cadre, username: str) -> str:
    """Create the cadre's account through admin; return the one-time password shown."""
    url = reverse("admin:units_cadre_create_login", args=[cadre.pk])
    response = client.post(url, {"username": username})
    assert response.status_code == 200
    return shown_password(response.text)


def shown_password(text: str) -> str:
    return re.search(r'<td class="password"><code[^>]*>([^<]+)</code>', text).group(1)


def sign_in(client: Client, username: str, password: str) -> object:
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.fixture
def cadre(db: None) -> Cadre:
    cadre = make_cadre(name="赵明", phone="13912345678")
    make_assignment(cadre=cadre)
    return cadre


def test_the_create_page_offers_the_phone_number_as_username(
    admin_client: Client, cadre: Cadre
) -> None:
    response = admin_client.get(reverse("admin:units_cadre_create_login", args=[cadre.pk]))
    assert response.status_code == 200
    assert 'value="13912345678"' in response.text
    assert "首次登录时须设置自己的密码" in response.text
    change_page = admin_client.get(reverse("admin:units_cadre_change", args=[cadre.pk]))
    assert reverse("admin:units_cadre_create_login", args=[cadre.pk]) in change_page.text
    assert "开通账号" in change_page.text


def test_a_coordinator_creates_a_login_and_sees_the_password_once(
    admin_client: Client, cadre: Cadre
) -> None:
    url = reverse("admin:units_cadre_create_login", args=[cadre.pk])
    response = admin_client.post(url, {"username": "zhaoming"})
    assert response.status_code == 200
    assert "以下密码只显示这一次" in response.text
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response.text)
    assert len(password) == 10

    cadre.refresh_from_db()
    user = cadre.user
    assert (user.username, user.first_name, user.is_staff) == ("zhaoming", "赵明", False)
    assert cadre.must_change_password
    assert user.check_password(password)
    assert password not in user.password
    entry = LogEntry.objects.get(object_id=str(cadre.pk))
    assert entry.change_message == "已开通登录账号zhaoming。"
    assert password not in entry.change_message

    # The page now offers a reset, never the old password.
    again = admin_client.get(url)
    assert password not in again.text
    assert "重置一次性密码" in again.text


def test_a_taken_username_is_refused(admin_client: Client, cadre: Cadre) -> None:
    make_user("13912345678")
    url = reverse("admin:units_cadre_create_login", args=[cadre.pk])
    response = admin_client.post(url, {"username": "13912345678"})
    assert "用户名13912345678已被使用。" in response.text
    cadre.refresh_from_db()
    assert cadre.user is None


def test_a_cadre_who_left_gets_no_account(admin_client: Client) -> None:
    gone = make_cadre(in_service=False)
    url = reverse("admin:units_cadre_create_login", args=[gone.pk])
    response = admin_client.post(url, {"username": "gone"})
    assert "已不在岗的干部不能开通账号。" in response.text
    assert not get_user_model().objects.filter(username="gone").exists()


def test_the_one_time_password_forces_the_change_before_anything_else(
    admin_client: Client, client: Client, cadre: Cadre
) -> None:
    password = create_login(admin_client, cadre, "13912345678")
    response = sign_in(client, "13912345678", password)
    assert response.status_code == 302
    for url in (
        reverse("home"),
        reverse("visits:my_households"),
        reverse("visits:my_needs"),
        reverse("units:my_villages"),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("password_change"), url
    assert client.post(reverse("visits:my_households"))["Location"] == reverse("password_change")

    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "您使用的是一次性密码，请先设置自己的密码再继续使用。" in page.text
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'<label for="id_{name}">' in page.text
        assert f'id="id_{name}"' in page.text
    assert len(page.content) < 100_000


def test_changing_the_password_clears_the_flag_and_the_one_time_password_stops_working(
    admin_client: Client, client: Client, cadre: Cadre
) -> None:
    password = create_login(admin_client, cadre, "13912345678")
    sign_in(client, "13912345678", password)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    done = client.get(response["Location"])
    assert "新密码已保存，下次登录请使用新密码。" in done.text
    cadre.refresh_from_db()
    assert not cadre.must_change_password
    # Still signed in, and every page opens.
    assert client.get(reverse("visits:my_households")).status_code == 200

    fresh = Client()
    assert sign_in(fresh, "13912345678", password).status_code == 200, "refused: form again"
    assert sign_in(fresh, "13912345678", NEW_PASSWORD).status_code == 302
    assert fresh.get(reverse("visits:my_households")).status_code == 200


def test_a_weak_new_password_is_refused_in_chinese(
    admin_client: Client, client: Client, cadre: Cadre
) -> None:
    password = create_login(admin_client, cadre, "13912345678")
    sign_in(client, "13912345678", password)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.text
    cadre.refresh_from_db()
    assert cadre.must_change_password


def test_a_reset_signs_the_cadre_out_and_forces_a_new_change(
    admin_client: Client, client: Client, cadre: Cadre
) -> None:
    first = create_login(admin_client, cadre, "13912345678")
    sign_in(client, "13912345678", first)
    client.post(
        reverse("password_change"),
        {"old_password": first, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    url = reverse("admin:units_cadre_create_login", args=[cadre.pk])
    second = shown_password(admin_client.post(url).text)
    assert second != first
    cadre.refresh_from_db()
    assert cadre.must_change_password
    assert LogEntry.objects.filter(change_message="已重置13912345678的一次性密码。").exists()

    # The session made with the old password has ended.
    assert client.get(reverse("visits:my_households"))["Location"].startswith(reverse("login"))
    assert sign_in(Client(), "13912345678", NEW_PASSWORD).status_code == 200
    sign_in(client, "13912345678", second)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_the_action_creates_accounts_named_by_phone_and_reports_the_others(
    admin_client: Client, cadre: Cadre
) -> None:
    no_phone = make_cadre(name="钱无", phone="")
    has_one = make_cadre(name="孙有", user=make_user("sunyou"))
    response = admin_client.post(
        reverse("admin:units_cadre_changelist"),
        {
            "action": "create_sign_in_accounts",
            "_selected_action": [cadre.pk, no_phone.pk, has_one.pk],
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    cadre.refresh_from_db()
    assert cadre.user.username == "13912345678"
    assert cadre.user.check_password(shown_password(response.text))
    assert "钱无" in response.text and "没有手机号，无法作为用户名" in response.text
    assert "孙有" in response.text and "已有登录账号" in response.text
    no_phone.refresh_from_db()
    assert no_phone.user is None


def test_only_coordinators_who_may_change_cadres_create_logins(cadre: Cadre) -> None:
    client = Client()
    client.force_login(make_staff_user("reader", "units.view_cadre"))
    url = reverse("admin:units_cadre_create_login", args=[cadre.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"username": "x"}).status_code == 403
    cadre.refresh_from_db()
    assert cadre.user is None


def test_demo_cadre_logins_are_not_asked_to_change_their_password(
    demo: None, client: Client
) -> None:
    assert sign_in(client, "cadre1", CADRE_PASSWORD).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("visits:my_households")
    assert client.get(reverse("visits:my_households")).status_code == 200


def _flag_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    where = [query["sql"].partition("WHERE")[2] for query in captured]
    return sum("must_change_password" in condition for condition in where)


def test_the_check_costs_no_query_after_signing_in(demo: None, client: Client) -> None:
    sign_in(client, "cadre1", CADRE_PASSWORD)
    url = reverse("visits:my_households")
    assert _flag_queries(client, url) == 0
    assert _flag_queries(client, url) == 0
    other = Client()
    other.force_login(Cadre.objects.get(user__username="cadre2").user)
    assert _flag_queries(other, url) == 0


def test_the_admin_sign_in_page_also_decides_the_change(admin_client: Client, cadre: Cadre) -> None:
    password = create_login(admin_client, cadre, "13912345678")
    cadre.refresh_from_db()
    cadre.user.is_staff = True
    cadre.user.save()
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "13912345678", "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index"))["Location"] == reverse("password_change")
