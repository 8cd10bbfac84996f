"""A need's steps name the person who wrote them, not their sign-in account."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_cadre, make_need, make_user
from units.people import person_name
from visits.models import NeedNote

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def need_with_steps() -> tuple:
    """A need with steps by a cadre (account ``cadre1``), a named coordinator and a bare one."""
    cadre = make_cadre(name="张三", user=make_user("cadre1"))
    need = make_need(cadre=cadre)
    named = make_user("coord-li", first_name="李四")
    bare = make_user("coord7")
    for author, text in [(cadre.user, "已上门了解"), (named, "已转乡镇"), (bare, "已办理")]:
        NeedNote.objects.create(
            need=need, status=need.status, level=need.level, text=text, author=author
        )
    return cadre, need


def test_person_name_prefers_the_cadre_then_the_full_name_then_the_username() -> None:
    assert person_name(make_cadre(name="张三", user=make_user("cadre1")).user) == "张三"
    assert person_name(make_user("coord-li", first_name="李四")) == "李四"
    assert person_name(make_user("coord7")) == "coord7"
    assert person_name(None) == ""


def test_the_cadres_need_page_names_the_step_authors(need_with_steps: tuple) -> None:
    _cadre, need = need_with_steps
    client = Client()
    client.login(username="cadre1", password=PASSWORD)
    html = client.get(reverse("visits:need", args=[need.pk])).content.decode()
    assert "· 张三</span>" in html
    assert "· 李四</span>" in html
    assert "· coord7</span>" in html
    assert "cadre1" not in html


def test_the_admin_follow_up_page_and_need_page_name_the_step_authors(
    need_with_steps: tuple, django_assert_max_num_queries: object
) -> None:
    _cadre, need = need_with_steps
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    follow_up = client.get(reverse("admin:visits_need_follow_up", args=[need.pk]))
    html = follow_up.content.decode()
    assert "<td>张三</td>" in html and "<td>李四</td>" in html and "<td>coord7</td>" in html
    assert "cadre1" not in html
    with django_assert_max_num_queries(30):
        change = client.get(reverse("admin:visits_need_change", args=[need.pk]))
    cells = re.findall(r'<td class="field-author_name">\s*<p>([^<]*)</p>', change.content.decode())
    assert cells == ["张三", "李四", "coord7"]
    assert "cadre1" not in change.content.decode()
