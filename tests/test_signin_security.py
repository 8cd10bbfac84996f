"""Sign-in and sessions: lockout, password rules and age, session limits, headers, CSRF."""

import datetime
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone, translation

from devdata.demo import SUPERUSER
from shuanglian.access.middleware import SEEN_AT, SIGNED_IN_AT
from shuanglian.models import Role, UserScope
from tests.factories import make_cadre, make_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Qiyu-2026-dengji"
LOGIN_ERROR = "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
LOCKED_OUT = "该用户从此地址登录已暂停 30 分钟。"


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def signed_in(client: Client) -> bool:
    return client.get(reverse("password_change")).status_code == 200


def sent_to_change_password(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 302 and response["Location"] == reverse("password_change")


def fail_five_times(client: Client, username: str, ip: str = "10.0.0.1") -> None:
    for _ in range(5):
        sign_in(client, username, "wrong-password", ip)


@pytest.fixture
def coordinator(db: None):
    user = make_user("xietiao", password=PASSWORD)
    UserScope.objects.create(user=user, role=Role.CITY)
    return user


def test_five_failures_lock_the_user_out_from_that_address_with_a_chinese_page(
    coordinator,
) -> None:
    client = Client()
    fail_five_times(client, "xietiao")
    response = sign_in(client, "xietiao", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂停" in page
    assert "连续 5 次登录失败。" in page
    assert LOCKED_OUT in page
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(coordinator) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "xietiao", "wrong-password")
    assert sign_in(client, "xietiao", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "xietiao", "wrong-password")
    assert sign_in(client, "xietiao", PASSWORD).status_code == 302


def test_the_lockout_holds_only_for_that_user_from_that_address(coordinator) -> None:
    make_user("other", password=PASSWORD)
    fail_five_times(Client(), "xietiao", ip="10.0.0.1")
    assert sign_in(Client(), "xietiao", PASSWORD, ip="10.0.0.2").status_code == 302
    assert sign_in(Client(), "other", PASSWORD, ip="10.0.0.1").status_code == 302
    assert sign_in(Client(), "xietiao", PASSWORD, ip="10.0.0.1").status_code == 429


def test_the_lockout_ends_after_thirty_minutes(coordinator, settings) -> None:
    fail_five_times(Client(), "xietiao")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in(Client(), "xietiao", PASSWORD).status_code == 302


def test_the_admin_sign_in_locks_out_too(coordinator) -> None:
    coordinator.is_staff = True
    coordinator.save()
    client = Client()
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "xietiao", "password": "nope"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url, {"username": "xietiao", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()


def test_the_address_comes_from_the_proxy_header_only_when_configured(
    coordinator, settings
) -> None:
    client = Client()
    # Not configured: a forged header changes nothing, the socket address is locked.
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "xietiao", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP=f"192.0.2.{n}",
        )
    assert sign_in(Client(), "xietiao", PASSWORD, ip="10.0.0.1").status_code == 429

    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.50"]
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "xietiao", "password": "wrong"},
            REMOTE_ADDR="10.0.0.50",
            HTTP_X_REAL_IP="203.0.113.7",
        )
    behind_proxy = Client()
    locked = behind_proxy.post(
        reverse("login"),
        {"username": "xietiao", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.50",
        HTTP_X_REAL_IP="203.0.113.7",
    )
    assert locked.status_code == 429
    other_client = behind_proxy.post(
        reverse("login"),
        {"username": "xietiao", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.50",
        HTTP_X_REAL_IP="203.0.113.8",
    )
    assert other_client.status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_answer(coordinator) -> None:
    unknown = sign_in(Client(), "nobody-here", "whatever-1A")
    wrong = sign_in(Client(), "xietiao", "whatever-1A")
    assert unknown.status_code == wrong.status_code == 200
    assert LOGIN_ERROR in unknown.content.decode()
    assert LOGIN_ERROR in wrong.content.decode()
    assert unknown.context["form"].errors == wrong.context["form"].errors


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aB3$xyz", "密码长度太短。密码必须包含至少 8 个字符。"),
        (
            "qiyudengji2026",
            "密码须至少包含以下四类字符中的 3 类：小写字母、大写字母、数字和符号。",
        ),
        ("Password123", "这个密码太常见了。"),
        ("Zhangsanfeng1", "密码跟 用户名 太相似了。"),
    ],
)
def test_passwords_follow_the_rules(db: None, password: str, message: str) -> None:
    user = make_user("zhangsanfeng")
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            validate_password(password, user)
        assert message in error.value.messages


@pytest.mark.parametrize("password", ["Qiyu-dengji", "qiyu2026dengji!", "QIYU-2026-DJ"])
def test_passwords_with_three_kinds_of_characters_are_accepted(db: None, password: str) -> None:
    validate_password(password, make_user("zhangsanfeng"))


def test_an_old_password_must_be_changed_at_sign_in(coordinator, settings) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 90
    UserScope.objects.filter(user=coordinator).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    client = Client()
    sign_in(client, "xietiao", PASSWORD)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_change")
    assert "您的密码已超过最长使用期限，请先设置新密码再继续。" in response.content.decode()

    new = "Xinmima-2026!"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    coordinator.scope.refresh_from_db()
    assert timezone.now() - coordinator.scope.password_changed_at < datetime.timedelta(minutes=1)
    assert not sent_to_change_password(client)


def test_a_recent_password_and_users_without_a_scope_are_not_sent_to_change_it(
    coordinator, settings
) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 90
    # Set before the scope existed: the age counts from the day the account was made.
    assert coordinator.scope.password_changed_at is None
    client = Client()
    sign_in(client, "xietiao", PASSWORD)
    assert signed_in(client)
    assert not sent_to_change_password(client)

    make_user(
        "noscope", password=PASSWORD, date_joined=timezone.now() - datetime.timedelta(days=400)
    )
    client = Client()
    sign_in(client, "noscope", PASSWORD)
    assert signed_in(client)
    assert not sent_to_change_password(client)


def test_the_demo_logins_work_without_a_forced_change(demo: None) -> None:
    client = Client()
    sign_in(client, SUPERUSER.username, SUPERUSER.password)
    assert client.get(reverse("home"))["Location"] == reverse("admin:index")


def test_an_idle_session_ends(coordinator, settings) -> None:
    client = Client()
    sign_in(client, "xietiao", PASSWORD)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    session = client.session
    session[SEEN_AT] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_in_use_moves_its_expiry_on_about_once_a_minute(coordinator) -> None:
    client = Client()
    sign_in(client, "xietiao", PASSWORD)
    session = client.session
    session[SEEN_AT] = time.time() - 20 * 60
    session.save()
    assert signed_in(client)
    assert time.time() - client.session[SEEN_AT] < 5
    assert client.session.get_expiry_age() > 29 * 60


def test_a_session_ends_twelve_hours_after_sign_in_even_in_use(coordinator, settings) -> None:
    assert settings.SESSION_MAX_HOURS == 12
    client = Client()
    sign_in(client, "xietiao", PASSWORD)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 60
    session[SEEN_AT] = time.time() - 10
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_password_change_ends_the_users_other_sessions(coordinator) -> None:
    phone, desktop = Client(), Client()
    sign_in(phone, "xietiao", PASSWORD)
    sign_in(desktop, "xietiao", PASSWORD)
    new = "Xinmima-2026!"
    desktop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert signed_in(desktop)
    response = phone.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_cadre_not_in_service_cannot_sign_in_and_their_sessions_end(db: None) -> None:
    user = make_user("ganbu", password=PASSWORD)
    cadre = make_cadre(user=user)
    open_session = Client()
    sign_in(open_session, "ganbu", PASSWORD)
    assert signed_in(open_session)

    cadre.in_service = False
    cadre.save()
    assert not signed_in(open_session)
    response = sign_in(Client(), "ganbu", PASSWORD)
    assert response.status_code == 200
    assert LOGIN_ERROR in response.content.decode()


def test_the_in_service_check_costs_no_extra_query(db: None, django_assert_num_queries) -> None:
    from shuanglian.access.backends import InServiceBackend

    user = make_user("ganbu", password=PASSWORD)
    make_cadre(user=user)
    with django_assert_num_queries(1):
        assert InServiceBackend().get_user(user.pk) == user


@pytest.mark.parametrize("signed_in", [False, True])
def test_security_headers_are_on_every_response(coordinator, signed_in: bool) -> None:
    client = Client()
    if signed_in:
        client.force_login(coordinator)
    for url in [reverse("login"), reverse("home"), reverse("admin:index")]:
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_responses_carry_hsts(db: None, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = Client().get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


SAMPLE_VALUES = ["villages", "1", "x"]


def post_urls() -> list[str]:
    """Every named URL of the project, with sample values for its parameters."""
    urls: list[str] = []

    def walk(patterns: list, namespace: str, prefix_kwargs: dict) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, ns, prefix_kwargs)
            elif isinstance(entry, URLPattern) and entry.name:
                names = list(entry.pattern.regex.groupindex)
                converters = getattr(entry.pattern, "converters", {})
                for value in SAMPLE_VALUES:
                    kwargs = {
                        n: "1" if isinstance(converters.get(n), IntConverter) else value
                        for n in names
                    }
                    try:
                        urls.append(reverse(namespace + entry.name, kwargs=kwargs))
                        break
                    except Exception:  # noqa: S112 - try the next sample value
                        continue

    walk(get_resolver().url_patterns, "", {})
    return sorted(set(urls))


def test_every_url_refuses_a_post_without_a_csrf_token(demo: None) -> None:
    from django.contrib.auth import get_user_model

    urls = post_urls()
    assert len(urls) > 50
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username=SUPERUSER.username))
    accepted = []
    for url in urls:
        response = client.post(url, {"name": "x"})
        if response.status_code != 403:
            accepted.append((url, response.status_code))
    assert accepted == []


def test_the_sign_in_form_refuses_a_post_without_a_csrf_token(coordinator) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "xietiao", "password": PASSWORD})
    assert response.status_code == 403


def test_production_settings_pass_the_deploy_check() -> None:
    # The browser tests allow async-unsafe ORM calls in this process; the check must not.
    skip = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in skip}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "shuanglian.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "sl.example.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert not re.search(r"\?: \(security\.W\d+\)", result.stdout + result.stderr)


@pytest.mark.parametrize("validators", [[], None])
def test_a_new_password_is_dated_wherever_it_is_saved_whatever_the_validators(
    coordinator, settings, validators
) -> None:
    if validators is not None:
        settings.AUTH_PASSWORD_VALIDATORS = validators
    assert coordinator.scope.password_changed_at is None
    coordinator.last_login = timezone.now()
    coordinator.save(update_fields=["last_login"])
    coordinator.first_name = "协调"
    coordinator.save()
    coordinator.scope.refresh_from_db()
    assert coordinator.scope.password_changed_at is None, "no new password, no new date"

    coordinator.set_password("Xinmima-2026!")
    coordinator.save()
    coordinator.scope.refresh_from_db()
    assert timezone.now() - coordinator.scope.password_changed_at < datetime.timedelta(minutes=1)
