"""The Chinese admin speaks Chinese: page texts, library apps, permissions, audit trail, exports."""

import contextlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shuanglian.models import AuditEvent
from tests.factories import make_funded_project
from units.models import WorkGroup

CHINESE = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z]{3,}")
# Texts that are English on purpose: file formats, and what users typed (user names).
NOT_WORDS = {"csv", "xlsx"}
# A password's masked salt and hash ("bafdfe*****"): random characters, not words.
MASKED_SECRET = re.compile(r"^[0-9A-Za-z+/=]*\*{4,}$")


class _Text(HTMLParser):
    """The text a reader sees, with the titles and placeholders of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.texts += [v for k, v in attrs if k in ("title", "placeholder", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def english_texts(html: str, allowed: set[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        stripped = text.removeprefix("›").strip()
        if CHINESE.search(text) or stripped in allowed or stripped.lower() in NOT_WORDS:
            continue
        if MASKED_SECRET.match(stripped):
            continue
        if WORD.search(text):
            found.add(text)
    return found


def admin_pages() -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{info}_changelist"), reverse(f"{info}_changelist") + "?_facets=True"]
        for name in ("add", "export", "import"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"{info}_{name}"))
        obj = model._default_manager.order_by("-pk").first()
        if obj is not None:
            urls += [
                reverse(f"{info}_change", args=[obj.pk]),
                reverse(f"{info}_history", args=[obj.pk]),
            ]
    return urls


@pytest.fixture
def zh_client(superuser_client: Client) -> Client:
    superuser_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return superuser_client


def test_every_admin_page_shows_no_english_to_a_chinese_reader(
    zh_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    work_group = WorkGroup.objects.first()
    make_funded_project(work_group=work_group)
    AuditEvent.objects.create(
        username="admin",
        action="change",
        object_type="units.workgroup",
        object_id=str(work_group.pk),
    )
    user_names = set(get_user_model().objects.values_list("username", flat=True))
    found: dict[str, list[str]] = {}
    opened = 0
    for url in admin_pages():
        response = zh_client.get(url)
        if response.status_code == 403:
            continue  # add pages of the audit trail and the tasks: nobody adds there
        assert response.status_code == 200, url
        opened += 1
        for text in english_texts(response.content.decode(), user_names):
            found.setdefault(text, []).append(url)
    assert opened > 60
    assert not found, "\n".join(f"{text!r} on {urls[0]}" for text, urls in sorted(found.items()))


def test_background_tasks_have_a_chinese_name_on_the_index(zh_client: Client) -> None:
    html = zh_client.get("/admin/").content.decode()
    assert "后台任务" in html
    assert "任务结果" in html
    assert "Tasks Database Backend" not in html
    assert "Task Results" not in html
    tasks = zh_client.get("/admin/django_tasks_database/dbtaskresult/", {"_facets": "True"})
    assert "待执行 (0)" in tasks.content.decode()


def test_the_admin_s_change_links_say_change_not_the_reports_word_for_it(
    zh_client: Client,
) -> None:
    # The reports' column "Change" (环比) is translated in its own context, not over Django's.
    html = zh_client.get("/admin/").content.decode()
    links = re.findall(r'class="changelink"[^>]*>([^<]*)</a>', html)
    assert len(links) > 5 and set(links) == {"修改"}
    assert "环比" not in html


def test_the_export_form_says_select_all_in_chinese(zh_client: Client) -> None:
    html = zh_client.get(reverse("admin:units_cadre_export")).content.decode()
    assert "全选" in html
    assert "Select all" not in html


def test_permissions_are_named_in_chinese_on_the_group_page(zh_client: Client) -> None:
    html = zh_client.get(reverse("admin:auth_group_add")).content.decode()
    assert "村户管理 | 市 | 可添加" in html
    assert "单位与干部 | 干部 | 可查看" in html
    assert "Can add" not in html


def test_audit_trail_names_actions_and_object_types_in_chinese(zh_client: Client) -> None:
    group = Group.objects.create(name="专项组")
    AuditEvent.objects.create(
        username="admin", action="change", object_type="auth.group", object_id=str(group.pk)
    )
    html = zh_client.get(reverse("admin:shuanglian_auditevent_changelist")).content.decode()
    assert '<td class="field-action_name">修改</td>' in html
    assert '<td class="field-object_type_name">组</td>' in html
    assert (
        "登录 ("
        in zh_client.get(
            reverse("admin:shuanglian_auditevent_changelist"), {"_facets": "True"}
        ).content.decode()
    )


@pytest.mark.parametrize(
    ("url", "file_format", "name"),
    [
        ("admin:villages_household_export", "0", "农户-{today}.xlsx"),
        ("admin:units_cadre_export", "1", "干部-{today}.csv"),
    ],
)
def test_export_files_are_named_in_chinese_with_an_rfc_5987_header(
    zh_client: Client, url: str, file_format: str, name: str
) -> None:
    page = zh_client.get(reverse(url))
    form = page.context["form"]
    data = {"resource": "0", "format": file_format}
    data |= {key: "on" for key, field in form.fields.items() if hasattr(field, "resource_name")}
    response = zh_client.post(reverse(url), data)
    assert response.status_code == 200
    expected = name.format(today=f"{timezone.localdate():%Y-%m-%d}")
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert unquote(header.split("''", 1)[1]) == expected
    assert header.isascii()
