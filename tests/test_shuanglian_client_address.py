"""Whose address the audit trail and sign-in lockouts keep: CLIENT_IP_HEADER counts only when
the connection comes from a proxy in FORWARDED_ALLOW_IPS; anyone else gets their own address."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from common.client_address import client_ip
from shuanglian.models import AuditEvent, Role, UserScope
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Qiyu-2026-dengji"
PROXY = "10.0.0.5"
STRANGER = "198.51.100.9"


@pytest.fixture
def behind_proxy(settings: object) -> None:
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.FORWARDED_ALLOW_IPS = [PROXY]


@pytest.fixture
def coordinator(db: None) -> object:
    user = make_user("xietiao", password=PASSWORD)
    UserScope.objects.create(user=user, role=Role.CITY)
    return user


def sign_in(peer: str, password: str, **headers: str) -> int:
    response = Client().post(
        reverse("login"),
        {"username": "xietiao", "password": password},
        REMOTE_ADDR=peer,
        **headers,
    )
    return response.status_code


def address(rf: RequestFactory, peer: str, header: str = "203.0.113.7") -> str | None:
    return client_ip(rf.get("/", REMOTE_ADDR=peer, HTTP_X_REAL_IP=header))


def test_the_audit_trail_keeps_the_address_a_trusted_proxy_names(
    behind_proxy: None, coordinator: object
) -> None:
    sign_in(PROXY, "wrong", HTTP_X_REAL_IP="203.0.113.7")
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.ip, event.result) == ("203.0.113.7", "failure")


def test_the_audit_trail_keeps_a_strangers_own_address_whatever_header_it_sends(
    behind_proxy: None, coordinator: object
) -> None:
    sign_in(STRANGER, "wrong", HTTP_X_REAL_IP="203.0.113.7")
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.ip, event.result) == (STRANGER, "failure")


def test_a_stranger_cannot_dodge_the_lockout_by_naming_a_new_address_each_time(
    behind_proxy: None, coordinator: object
) -> None:
    for n in range(5):
        sign_in(STRANGER, "wrong", HTTP_X_REAL_IP=f"192.0.2.{n}")
    assert sign_in(STRANGER, PASSWORD, HTTP_X_REAL_IP="192.0.2.99") == 429
    signing_in = AuditEvent.objects.filter(action__in=["sign_in", "lockout"])
    assert set(signing_in.values_list("ip", flat=True)) == {STRANGER}


def test_a_stranger_cannot_lock_out_someone_else_by_naming_their_address(
    behind_proxy: None, coordinator: object
) -> None:
    for _ in range(5):
        sign_in(STRANGER, "wrong", HTTP_X_REAL_IP="203.0.113.7")
    # The user, really at 203.0.113.7, comes in through the proxy and is not locked out.
    assert sign_in(PROXY, PASSWORD, HTTP_X_REAL_IP="203.0.113.7") == 302


def test_behind_the_trusted_proxy_each_client_is_locked_out_on_its_own(
    behind_proxy: None, coordinator: object
) -> None:
    for _ in range(5):
        sign_in(PROXY, "wrong", HTTP_X_REAL_IP="203.0.113.7")
    assert sign_in(PROXY, PASSWORD, HTTP_X_REAL_IP="203.0.113.7") == 429
    assert sign_in(PROXY, PASSWORD, HTTP_X_REAL_IP="203.0.113.8") == 302
    lockouts = AuditEvent.objects.filter(action="lockout")
    assert set(lockouts.values_list("ip", flat=True)) == {"203.0.113.7"}


def test_trusted_proxies_may_be_networks_or_anyone(settings: object, rf: RequestFactory) -> None:
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/24", "fd00::/8"]
    assert address(rf, "10.0.0.200") == "203.0.113.7"
    assert address(rf, "fd00::1") == "203.0.113.7"
    assert address(rf, "10.0.1.1") == "10.0.1.1"
    # An IPv4 proxy seen through an IPv6 socket.
    assert address(rf, "::ffff:10.0.0.9") == "203.0.113.7"
    settings.FORWARDED_ALLOW_IPS = ["*"]
    assert address(rf, STRANGER) == "203.0.113.7"


def test_by_default_only_a_proxy_on_this_machine_is_trusted(
    settings: object, rf: RequestFactory
) -> None:
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert settings.FORWARDED_ALLOW_IPS == ["127.0.0.1", "::1"]
    assert address(rf, "127.0.0.1") == "203.0.113.7"
    assert address(rf, "::1") == "203.0.113.7"
    assert address(rf, "10.0.0.5") == "10.0.0.5"


def test_a_unix_socket_connection_counts_as_the_proxy_as_in_gunicorn(
    behind_proxy: None, rf: RequestFactory
) -> None:
    assert address(rf, "") == "203.0.113.7"


def test_without_the_header_the_proxys_own_address_is_kept(
    behind_proxy: None, rf: RequestFactory
) -> None:
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY)) == PROXY
    # Not an address at all: nothing rather than a made-up value.
    assert address(rf, PROXY, header="not-an-address") is None


def test_without_a_configured_header_no_peer_can_name_another_address(
    settings: object, rf: RequestFactory
) -> None:
    settings.CLIENT_IP_HEADER = ""
    settings.FORWARDED_ALLOW_IPS = ["*"]
    assert address(rf, STRANGER) == STRANGER


def test_gunicorn_trusts_the_same_proxies_as_the_app() -> None:
    def printed(**env: str) -> str:
        clean = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
        result = subprocess.run(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config"],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return re.search(r"^forwarded_allow_ips\s+= (.*)$", result.stdout, re.MULTILINE).group(1)

    assert printed() == "['127.0.0.1', '::1']"
    assert printed(FORWARDED_ALLOW_IPS="10.0.0.5, 10.0.1.0/24") == "['10.0.0.5', '10.0.1.0/24']"
