"""The cadre's phone pages: 我的联系户 and a household's page."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_need,
    make_user,
    make_visit,
    make_visit_intervals,
)
from units.models import Cadre
from villages.models import Household
from visits.models import Need, Visit
from visits.schedule import households_due

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals()
    return make_cadre(name="刘干部", user=make_user("liu"))


@pytest.fixture
def cadre_client(cadre: Cadre) -> Client:
    client = Client()
    client.force_login(cadre.user)
    # The first page of a session checks once whether the password must be changed.
    client.get(reverse("visits:my_households"))
    return client


def linked(cadre: Cadre, **household: object) -> Household:
    assignment = make_assignment(cadre=cadre, household=make_household(**household))
    return assignment.household


def with_history(cadre: Cadre, visits: int = 3) -> Household:
    """A household visited ``visits`` times, each visit raising a need."""
    household = linked(cadre, category=Household.Category.MONITORED)
    for n in range(visits):
        visit = make_visit(
            household=household,
            cadre=cadre,
            visited_on=days_ago(n * 7),
            task_policy=True,
            summary=f"第{n}次走访",
        )
        make_need(household=household, cadre=cadre, visit=visit, raised_on=visit.visited_on)
    return household


def row_order(text: str, names: list[str]) -> list[str]:
    return sorted(names, key=text.index)


def test_due_households_come_first_marked_then_the_others_by_next_due_date(
    cadre: Cadre, cadre_client: Client
) -> None:
    never = linked(cadre, head_name="从未走访", category=Household.Category.GENERAL)
    monitored_due = linked(cadre, head_name="监测满30天", category=Household.Category.MONITORED)
    make_visit(household=monitored_due, cadre=cadre, visited_on=days_ago(30))
    monitored_soon = linked(cadre, head_name="监测29天", category=Household.Category.MONITORED)
    make_visit(household=monitored_soon, cadre=cadre, visited_on=days_ago(29))
    general = linked(cadre, head_name="一般80天", category=Household.Category.GENERAL)
    make_visit(household=general, cadre=cadre, visited_on=days_ago(80))
    lifted = linked(cadre, head_name="脱贫61天", category=Household.Category.LIFTED)
    make_visit(household=lifted, cadre=cadre, visited_on=days_ago(61))
    # Nobody was home yesterday: recorded, but the household is still due.
    make_visit(household=lifted, cadre=cadre, visited_on=days_ago(1), outcome=Visit.Outcome.AWAY)
    make_need(household=lifted, cadre=cadre)
    make_need(household=lifted, cadre=cadre)
    make_need(
        household=lifted,
        cadre=cadre,
        status=Need.Status.RESOLVED,
        resolution="已解决",
        closed_on=TODAY,
    )

    rows = households_due(cadre=cadre)
    assert [row.household for row in rows] == [
        never,
        lifted,
        monitored_due,
        monitored_soon,
        general,
    ]
    assert [row.is_due for row in rows] == [True, True, True, False, False]
    assert [row.next_due_on for row in rows] == [
        None,
        days_ago(1),
        TODAY,
        days_ago(-1),
        days_ago(-10),
    ]
    assert [row.days_since for row in rows] == [None, 61, 30, 29, 80]
    assert [row.open_needs for row in rows] == [0, 2, 0, 0, 0]

    response = cadre_client.get(reverse("visits:my_households"))
    text = response.text
    names = ["从未走访", "脱贫61天", "监测满30天", "监测29天", "一般80天"]
    assert row_order(text, names) == names
    assert text.count('<span class="badge">待走访</span>') == 3
    assert "尚未走访" in text
    assert f"上次走访{days_ago(61):%Y-%m-%d}，已61天" in text
    assert f"上次走访{days_ago(29):%Y-%m-%d}，已29天 · {days_ago(-1):%Y-%m-%d}前再走访" in text
    assert "未办结诉求2条" in text
    assert reverse("visits:household", args=[lifted.pk]) in text


def test_changing_an_interval_changes_what_is_due(cadre: Cadre) -> None:
    household = linked(cadre, category=Household.Category.GENERAL)
    make_visit(household=household, cadre=cadre, visited_on=days_ago(45))
    assert not households_due(cadre=cadre)[0].is_due
    make_visit_intervals(general=45)
    assert households_due(cadre=cadre)[0].is_due


def test_my_households_leaves_out_other_cadres_and_ended_links(
    cadre: Cadre, cadre_client: Client
) -> None:
    linked(cadre, head_name="我的户")
    make_assignment(household=make_household(head_name="别人的户"))
    make_assignment(
        cadre=cadre,
        household=make_household(head_name="交接走的户"),
        started_on=days_ago(100),
        ended_on=days_ago(10),
    )
    text = cadre_client.get(reverse("visits:my_households")).text
    assert "我的户" in text
    assert "别人的户" not in text
    assert "交接走的户" not in text


def test_the_household_page_shows_details_history_and_needs(
    cadre: Cadre, cadre_client: Client
) -> None:
    household = linked(
        cadre,
        head_name="王建国",
        members=4,
        phone="13812345678",
        category=Household.Category.SUBSISTENCE,
        address="王寨村3号",
    )
    older = make_visit(
        household=household,
        cadre=cadre,
        visited_on=days_ago(20),
        method=Visit.Method.PHONE,
        summary="电话询问近况",
        task_policy=True,
        task_civility=True,
        satisfaction="satisfied",
    )
    make_visit(
        household=household,
        cadre=cadre,
        visited_on=days_ago(3),
        outcome=Visit.Outcome.AWAY,
        summary="",
    )
    mine = make_need(household=household, cadre=cadre, visit=older, description="孩子上学学费困难")
    earlier_cadre = make_need(household=household, description="前任干部登记的诉求")

    response = cadre_client.get(reverse("visits:household", args=[household.pk]))
    assert response.status_code == 200
    text = response.text
    assert "<h1>王建国</h1>" in text
    assert household.masked_id_number in text
    assert household.id_number not in text
    assert '<a href="tel:13812345678">13812345678</a>' in text
    assert "<dd>4</dd>" in text
    assert "低保户" in text
    assert f"{days_ago(20):%Y-%m-%d}，已20天 · {days_ago(-40):%Y-%m-%d}前再走访" in text
    history = text[text.index('id="visit-history"') :]
    assert history.index(f"{days_ago(3):%Y-%m-%d}") < history.index(f"{days_ago(20):%Y-%m-%d}")
    assert "不在家" in history
    assert "（不计入走访）" in history
    assert "电话 · 见到户主或家人" in history
    assert "电话询问近况" in history
    assert "六项任务：宣传党的政策、倡树文明新风" in history
    assert "满意度：满意" in history
    assert "提出诉求：就医，孩子上学学费困难" in history
    assert f'href="{reverse("visits:need", args=[mine.pk])}"' in text
    # Only the cadre's own needs open; the earlier cadre's is listed without a link.
    assert "前任干部登记的诉求" in text
    assert reverse("visits:need", args=[earlier_cadre.pk]) not in text
    assert 'id="log-visit" href="{}"'.format(reverse("visits:log_visit", args=[household.pk])) in (
        text
    )
    assert ">记录走访<" in text


def test_another_cadres_household_answers_404(cadre: Cadre, cadre_client: Client) -> None:
    theirs = make_assignment(household=make_household()).household
    ended = make_assignment(
        cadre=cadre, household=make_household(), started_on=days_ago(9), ended_on=days_ago(1)
    ).household
    for household in (theirs, ended):
        assert cadre_client.get(reverse("visits:household", args=[household.pk])).status_code == 404
        assert cadre_client.get(reverse("visits:log_visit", args=[household.pk])).status_code == 404


def test_a_user_who_is_not_a_cadre_gets_404_or_the_no_role_page(cadre: Cadre) -> None:
    household = linked(cadre)
    client = Client()
    client.force_login(make_user("nobody"))
    assert client.get(reverse("visits:household", args=[household.pk])).status_code == 404
    assert client.get(reverse("visits:log_visit", args=[household.pk])).status_code == 404
    response = client.get(reverse("visits:my_households"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.text


def test_signed_out_visitors_are_sent_to_sign_in(cadre: Cadre, client: Client) -> None:
    household = linked(cadre)
    response = client.get(reverse("visits:household", args=[household.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_my_households_costs_the_same_queries_for_1_or_30_households(
    cadre: Cadre, cadre_client: Client, django_assert_max_num_queries: object
) -> None:
    url = reverse("visits:my_households")
    with_history(cadre)
    one = count_queries(cadre_client, url)
    for _ in range(29):
        with_history(cadre)
    # Session, user, the password check, the cadre, the intervals, the households, whether
    # the cadre has households to interview for a survey, the needs overdue or near their
    # deadline, and the unread notifications.
    with django_assert_max_num_queries(9):
        response = cadre_client.get(url)
    assert response.text.count('class="row-link"') == 30
    assert count_queries(cadre_client, url) == one
    assert len(response.content) < 100 * 1024


def test_the_household_page_costs_the_same_queries_for_1_or_60_visits(
    cadre: Cadre, cadre_client: Client, django_assert_max_num_queries: object
) -> None:
    small = with_history(cadre, visits=1)
    large = with_history(cadre, visits=60)
    small_url = reverse("visits:household", args=[small.pk])
    large_url = reverse("visits:household", args=[large.pk])
    # Session, user, the password check, the cadre, the household, its visits, their
    # needs, all its needs, the intervals.
    with django_assert_max_num_queries(9):
        response = cadre_client.get(large_url)
    assert count_queries(cadre_client, small_url) == count_queries(cadre_client, large_url)
    assert len(response.content) < 100 * 1024
    assert len(re.findall(r"第\d+次走访", response.text)) == 50
    assert "只显示最近50次走访。" in response.text


def test_the_pages_fit_a_phone_under_100_kb(cadre: Cadre, cadre_client: Client) -> None:
    household = with_history(cadre, visits=10)
    for url in (
        reverse("visits:my_households"),
        reverse("visits:household", args=[household.pk]),
        reverse("visits:log_visit", args=[household.pk]),
    ):
        response = cadre_client.get(url)
        assert response.status_code == 200
        assert len(response.content) < 100 * 1024
