"""The Content-Security-Policy header: on every kind of response, strict for scripts, and no
template that needs more than it allows."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.utils import get_app_template_dirs
from django.test import Client
from django.urls import reverse

from devdata.demo import CADRE_PASSWORD, SUPERUSER
from units.models import Cadre, HouseholdAssignment

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE | re.DOTALL)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def template_files() -> list[Path]:
    """Every template the project can render: its own and those of the installed apps."""
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [Path(folder) for folder in get_app_template_dirs("templates")]
    return [path for folder in folders for path in folder.rglob("*.html")]


def test_scripts_come_only_from_the_site_and_never_from_strings(client: Client) -> None:
    directives = policy(client.get(reverse("login")))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["img-src"] == ["'self'", "data:"]
    # Inline styles only (the admin and its widgets set style attributes).
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    # Inline handlers: none but the ones named by hash.
    attr = directives["script-src-attr"]
    assert attr[0] == "'unsafe-hashes'"
    assert all(source.startswith("'sha256-") for source in attr[1:])
    for sources in directives.values():
        assert "'unsafe-eval'" not in sources
        assert "*" not in sources
    assert "'unsafe-inline'" not in directives["script-src"] + attr


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_policy(demo: None) -> None:
    coordinator = Client()
    coordinator.login(username=SUPERUSER.username, password=SUPERUSER.password)
    cadre_user = Cadre.objects.get(user__username="cadre1")
    cadre = Client()
    cadre.login(username="cadre1", password=CADRE_PASSWORD)
    household = HouseholdAssignment.objects.active().filter(cadre=cadre_user).first().household
    responses = {
        "sign-in page": Client().get(reverse("login")),
        "redirect to sign in": Client().get(reverse("dashboard")),
        "admin": coordinator.get(reverse("admin:index")),
        "dashboard": coordinator.get(reverse("dashboard")),
        "cadre page": cadre.get(reverse("visits:household", args=[household.pk])),
        "visit form": cadre.get(reverse("visits:log_visit", args=[household.pk])),
        "refused": cadre.get(reverse("admin:villages_household_changelist")),
        "csrf failure": Client(enforce_csrf_checks=True).post(reverse("login")),
    }
    for kind, response in responses.items():
        assert "script-src 'self';" in response["Content-Security-Policy"] + ";", kind


def test_no_template_has_an_inline_script_or_an_unlisted_inline_handler(client: Client) -> None:
    allowed = set(policy(client.get(reverse("login")))["script-src-attr"])
    inline_scripts, handlers = [], []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for tag in SCRIPT_TAG.findall(text):
            if "src=" not in tag and "application/json" not in tag:
                inline_scripts.append(f"{path}: {tag}")
        for match in INLINE_HANDLER.finditer(text):
            code = match.group(1) if match.group(1) is not None else match.group(2)
            digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
            if f"'sha256-{digest}'" not in allowed:
                handlers.append(f"{path}: {match.group(0).strip()}")
        assert "javascript:" not in text, path
    assert inline_scripts == []
    assert handlers == []


def test_the_one_allowed_handler_is_the_export_pages_select_all_box(client: Client) -> None:
    allowed = policy(client.get(reverse("login")))["script-src-attr"][1:]
    export = next(
        path for path in template_files() if path.match("admin/import_export/export.html")
    )
    found = [
        match.group(1) for match in INLINE_HANDLER.finditer(export.read_text(encoding="utf-8"))
    ]
    digests = [
        f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in found
    ]
    assert found == ["onSelectToggleChange(event)"]
    assert digests == allowed
