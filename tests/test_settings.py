"""Settings come from the environment; production defaults are safe and bad values fail."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, sys, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k) for k in sys.argv[1:]}, default=str))"
)

CONFIGURED = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "HTTPS"}
# What `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'` makes.
GOOD_KEY = secrets.token_urlsafe(50)


def load_settings(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in CONFIGURED | {"FORWARDED_ALLOW_IPS", "CLIENT_IP_HEADER"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE, *names],
        env={**clean, "DJANGO_SETTINGS_MODULE": "shuanglian.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_with(env: dict[str, str], *names: str) -> dict:
    result = load_settings(env, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = load_settings({}, "DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_turns_the_security_settings_on() -> None:
    values = settings_with(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "sl.example.cn"},
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "ALLOWED_HOSTS",
    )
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "ALLOWED_HOSTS": ["sl.example.cn"],
    }


def test_without_database_url_the_database_is_sqlite_in_the_project_folder() -> None:
    values = settings_with({"DEBUG": "true"}, "DATABASES")
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(ROOT / "db.sqlite3")


def test_database_url_selects_postgresql() -> None:
    values = settings_with(
        {"DEBUG": "true", "DATABASE_URL": "postgres://sl:pw@db.internal:5433/shuanglian"},
        "DATABASES",
    )
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        5433,
        "shuanglian",
    )


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_a_debug_value_that_is_not_a_boolean_fails_loudly(value: str) -> None:
    result = load_settings({"DEBUG": value}, "DEBUG")
    assert result.returncode != 0
    assert f"DEBUG={value!r} is not a boolean; use true or false." in result.stderr


def test_the_interface_is_chinese_in_shanghai_time() -> None:
    values = settings_with({"DEBUG": "true"}, "LANGUAGE_CODE", "TIME_ZONE", "USE_TZ")
    assert values == {"LANGUAGE_CODE": "zh-hans", "TIME_ZONE": "Asia/Shanghai", "USE_TZ": True}


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("k3Y-" * 10, "it is 40 characters long, fewer than 50"),
        ("ab" * 40, "it has fewer than 10 different characters"),
        (
            "django-insecure-" + GOOD_KEY,
            "it starts with 'django-insecure'",
        ),
        ("CHANGE-ME-" + GOOD_KEY, "it contains 'CHANGE-ME', like a key copied from an example"),
        (GOOD_KEY + "changeme", "it contains 'changeme', like a key copied from an example"),
        (
            "my-Secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "it contains 'Secret', like a key copied from an example",
        ),
    ],
    # The reason names each case: the keys hold a random part, and test names must not.
    ids=lambda value: value if value.startswith("it ") else "key",
)
def test_production_refuses_a_short_or_default_looking_secret_key(key: str, reason: str) -> None:
    result = load_settings({"SECRET_KEY": key, "ALLOWED_HOSTS": "sl.example.cn"}, "DEBUG")
    assert result.returncode != 0
    assert (
        f"SECRET_KEY is not safe for production: {reason}. Make one with "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    ) in result.stderr


def test_development_accepts_any_secret_key() -> None:
    values = settings_with({"DEBUG": "true", "SECRET_KEY": "change-me"}, "SECRET_KEY")
    assert values == {"SECRET_KEY": "change-me"}


def test_the_trusted_proxies_default_to_this_machine_and_come_from_the_environment() -> None:
    assert settings_with({"DEBUG": "true"}, "FORWARDED_ALLOW_IPS") == {
        "FORWARDED_ALLOW_IPS": ["127.0.0.1", "::1"]
    }
    values = settings_with(
        {"DEBUG": "true", "FORWARDED_ALLOW_IPS": "10.0.0.5, 10.0.1.0/24"}, "FORWARDED_ALLOW_IPS"
    )
    assert values == {"FORWARDED_ALLOW_IPS": ["10.0.0.5", "10.0.1.0/24"]}


def test_a_trusted_proxy_that_is_not_an_address_fails_loudly() -> None:
    result = load_settings({"DEBUG": "true", "FORWARDED_ALLOW_IPS": "10.0.0.5,proxy"}, "DEBUG")
    assert result.returncode != 0
    assert (
        "FORWARDED_ALLOW_IPS: 'proxy' is not an address or network (e.g. 10.0.0.0/24)."
        in result.stderr
    )


def test_production_sends_the_content_security_policy() -> None:
    values = settings_with(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "sl.example.cn"},
        "MIDDLEWARE",
        "CONTENT_SECURITY_POLICY",
    )
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]
