"""Signing in, and where each kind of user lands."""

import pytest
from django.test import Client
from django.urls import reverse

from devdata.demo import CADRE_PASSWORD, SUPERUSER
from tests.factories import make_assignment, make_household, make_user
from units.models import Cadre, HouseholdAssignment

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_sign_in_page_speaks_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("login"))
    assert "双联双创工作管理系统" in response.text
    assert "用户名" in response.text
    assert '<html lang="zh-hans">' in response.text


def test_the_sign_in_page_speaks_english_when_asked(client: Client) -> None:
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    assert "Shuanglian Shuangchuang work management system" in response.text
    assert "双联双创工作管理系统" not in response.text


def test_the_admin_sign_in_page_is_in_chinese(client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert "双联双创工作管理系统" in response.text


def test_coordinators_land_in_admin(demo: None, client: Client) -> None:
    response = client.post(
        reverse("login"), {"username": SUPERUSER.username, "password": SUPERUSER.password}
    )
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("admin:index")


def test_cadres_land_on_their_households(
    demo: None, client: Client, django_assert_max_num_queries: object
) -> None:
    cadre = Cadre.objects.get(user__username="cadre1")
    assert client.login(username="cadre1", password=CADRE_PASSWORD)
    assert client.get("/")["Location"] == reverse("visits:my_households")
    # Nine: the page's six, whether the cadre has households to interview, the needs overdue
    # or near their deadline (本周待办) and the unread notifications.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("visits:my_households"))
    mine = HouseholdAssignment.objects.active().filter(cadre=cadre).select_related("household")
    assert mine
    for assignment in mine:
        assert assignment.household.head_name in response.text
    stranger = make_assignment(household=make_household(head_name="别人的户"))
    assert stranger.cadre != cadre
    assert "别人的户" not in client.get(reverse("visits:my_households")).text


def test_users_without_a_role_are_told_so(db: None, client: Client) -> None:
    make_user("nobody", password="a-long-test-password")
    client.login(username="nobody", password="a-long-test-password")
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未分配角色" in response.text
