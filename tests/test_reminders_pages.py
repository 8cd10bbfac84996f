"""What users see of their reminders: 本周待办 on 我的联系户, the overdue items on the admin
index, and their own notifications with the switch for the daily reminders."""

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, RectificationItem
from reminders.models import Notification, ReminderPreference
from tests.conftest import ScopeWorld
from tests.factories import (
    client_for,
    make_assignment,
    make_cadre,
    make_checklist,
    make_household,
    make_need,
    make_user,
    make_visit,
    make_visit_intervals,
)
from units.models import Cadre
from villages.models import Household, Village
from visits.models import Need
from visits.schedule import end_of_week

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SUNDAY = end_of_week(TODAY)


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def deadlines(settings: Any) -> None:
    settings.NEED_OVERDUE_DAYS = 15
    settings.REMINDER_DEADLINE_DAYS = 3


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def section(html: str) -> str:
    """The 本周待办 section of 我的联系户."""
    match = re.search(r'<section class="this-week" id="this-week">(.*?)</section>', html, re.S)
    assert match, "no 本周待办 section"
    return match.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- 本周待办 on 我的联系户 ------------------------------------------------------------------


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals(general=90)
    return make_cadre(name="刘干部", user=make_user("liu"))


@pytest.fixture
def cadre_client(cadre: Cadre) -> Client:
    client = client_for(cadre.user)
    client.get(reverse("visits:my_households"))
    return client


def linked(cadre: Cadre, name: str, last_visit: datetime.date | None = None) -> Household:
    household = make_household(head_name=name, category=Household.Category.GENERAL)
    make_assignment(cadre=cadre, household=household)
    if last_visit is not None:
        make_visit(household=household, cadre=cadre, visited_on=last_visit)
    return household


def test_this_week_comes_first_with_never_visited_then_overdue_then_due_by_sunday_and_the_needs(
    cadre: Cadre, cadre_client: Client
) -> None:
    due_sunday = linked(cadre, "周日户", last_visit=SUNDAY - datetime.timedelta(days=90))
    linked(cadre, "下周户", last_visit=SUNDAY - datetime.timedelta(days=89))
    late = linked(cadre, "超期户", last_visit=ago(100))
    never = linked(cadre, "新户")
    overdue = make_need(household=late, cadre=cadre, progressed_on=ago(20))
    soon = make_need(
        household=due_sunday, cadre=cadre, progressed_on=ago(13), category=Need.Category.HOUSING
    )
    make_need(household=never, cadre=cadre, progressed_on=ago(15), category=Need.Category.DISPUTE)
    make_need(household=never, cadre=cadre, progressed_on=ago(5))

    html = cadre_client.get(reverse("visits:my_households")).text

    assert html.index('id="this-week"') < html.index('id="my-households"')
    assert (
        html.index("<h2>本周待办</h2>") < html.index("我的提醒") < html.index("<h2>全部联系户</h2>")
    )
    week = section(html)
    sunday_label = "到期" if SUNDAY == TODAY else "前再走访"
    assert text_of(week) == (
        "本周待办 本周日前应走访 "
        "新户 尚未走访 "
        f"超期户 {ago(10):%Y-%m-%d}到期 "
        f"周日户 {SUNDAY:%Y-%m-%d}{sunday_label} "
        "超期和临近期限的诉求 "
        "超期户：就医 超期5天 "
        "新户：矛盾纠纷 今天到期 "
        "周日户：住房 还剩2天"
    )
    assert f'href="{reverse("visits:household", args=[never.pk])}"' in week
    assert f'href="{reverse("visits:need", args=[overdue.pk])}"' in week
    assert f'href="{reverse("visits:need", args=[soon.pk])}"' in week
    assert '<li class="late">' in week


def test_nothing_due_this_week_says_so(cadre: Cadre, cadre_client: Client) -> None:
    linked(cadre, "刚走访户", last_visit=TODAY)
    make_need(household=make_household(), cadre=cadre, progressed_on=TODAY)

    week = section(cadre_client.get(reverse("visits:my_households")).text)

    assert text_of(week) == "本周待办 本周没有待走访的户，也没有临近期限的诉求。"


def test_another_cadres_households_and_needs_are_not_in_this_week(
    cadre: Cadre, cadre_client: Client
) -> None:
    other = make_cadre(name="王干部")
    household = linked(other, "别人的户")
    make_need(household=household, cadre=other, progressed_on=ago(30))
    # A need of a household that is the cadre's, but another cadre is responsible for it.
    own = linked(cadre, "自己的户", last_visit=TODAY)
    make_need(household=own, cadre=other, progressed_on=ago(30))

    week = section(cadre_client.get(reverse("visits:my_households")).text)

    assert "别人的户" not in week
    assert "自己的户" not in week


def test_this_week_costs_the_same_queries_for_one_or_twenty_items(
    cadre: Cadre, cadre_client: Client
) -> None:
    url = reverse("visits:my_households")
    household = linked(cadre, "户")
    make_need(household=household, cadre=cadre, progressed_on=ago(20))
    one = count_queries(cadre_client, url)
    for n in range(19):
        household = linked(cadre, f"户{n}", last_visit=ago(90 + n))
        make_need(household=household, cadre=cadre, progressed_on=ago(13 + n))

    assert count_queries(cadre_client, url) == one
    assert section(cadre_client.get(url).text).count('class="week-link"') == 40


def test_my_households_links_to_my_reminders_with_the_unread_count(
    cadre: Cadre, cadre_client: Client
) -> None:
    for n in range(3):
        Notification.objects.create(user=cadre.user, day=ago(n), subject=f"提醒{n}", body="")
    Notification.objects.filter(subject="提醒2").update(read_at=timezone.now())
    Notification.objects.create(user=make_user("wang"), day=TODAY, subject="别人的", body="")

    html = cadre_client.get(reverse("visits:my_households")).text

    link = re.search(r'<a class="button" id="reminders-link" href="([^"]+)">(.*?)</a>', html)
    assert link.group(1) == reverse("reminders:mine") == "/me/reminders/"
    assert text_of(link.group(2)) == "我的提醒 2"


# --- the overdue items on the admin index ----------------------------------------------


def overdue_rectification(village: Village, task: str, days: int) -> RectificationItem:
    checklist = make_checklist() if not Assessment.objects.exists() else None
    checklist = checklist or Assessment.objects.first().checklist
    assessment, _ = Assessment.objects.get_or_create(
        village=village, year=checklist.year, defaults={"checklist": checklist}
    )
    return RectificationItem.objects.create(
        assessment=assessment, task=task, responsible="村支书", deadline=ago(days)
    )


@pytest.fixture
def overdue_world(scope_world: ScopeWorld) -> ScopeWorld:
    """Overdue needs in each place and one of the home unit's cadre in the next township,
    overdue rectification items in the home and the next-door villages."""
    world = scope_world
    Need.objects.filter(pk=world.home.need.pk).update(progressed_on=ago(20))
    Need.objects.filter(pk=world.next_door.need.pk).update(progressed_on=ago(17))
    Need.objects.filter(pk=world.far.need.pk).update(progressed_on=ago(30))
    crossing = make_household(village=world.next_door.village, head_name="乙二户主")
    make_need(household=crossing, cadre=world.home.cadre, progressed_on=ago(16))
    # On time: never listed.
    make_need(household=world.home.household, cadre=world.home.cadre, progressed_on=ago(3))
    overdue_rectification(world.home.village, "甲村整改活动场所", 4)
    overdue_rectification(world.next_door.village, "乙村整改班子", 2)
    return world


def box(client: Client) -> str:
    html = client.get(reverse("admin:index")).text
    match = re.search(r'<div class="module overdue-box" id="overdue-box">(.*?)\n</div>', html, re.S)
    return match.group(1) if match else ""


def test_a_township_coordinator_sees_their_townships_overdue_items_only(
    overdue_world: ScopeWorld,
) -> None:
    world = overdue_world
    shown = box(client_for(world.users["township"]))

    assert text_of(shown) == (
        "逾期事项 超期诉求：1件 农户 责任干部 超期天数 甲户主（甲村）：就医 甲干部 5天 "
        "逾期整改事项：1项 整改内容 村（社区） 超期天数 甲村整改活动场所 甲村 4天"
    )
    need_url = reverse("admin:visits_need_change", args=[world.home.need.pk])
    assert f'href="{need_url}"' in shown
    assert f'href="{reverse("admin:visits_need_changelist")}?late=yes"' in shown
    items = reverse("admin:assessments_rectificationitem_changelist")
    assert f'href="{items}?due=overdue"' in shown


def test_the_other_township_sees_its_own_and_not_the_home_townships(
    overdue_world: ScopeWorld,
) -> None:
    shown = text_of(box(client_for(overdue_world.users["other_township"])))

    assert "超期诉求：2件" in shown
    assert "乙户主（乙村）：就医 乙干部 2天" in shown
    assert "乙二户主（乙村）：就医 甲干部 1天" in shown
    assert "逾期整改事项：1项" in shown and "乙村整改班子 乙村 2天" in shown
    assert "甲户主" not in shown and "甲村整改" not in shown


def test_a_liaison_sees_their_units_cadres_needs_and_their_linked_villages(
    overdue_world: ScopeWorld,
) -> None:
    shown = text_of(box(client_for(overdue_world.users["liaison"])))

    assert "超期诉求：2件" in shown
    # The longest overdue first.
    assert shown.index("甲户主（甲村）：就医 甲干部 5天") < shown.index("乙二户主（乙村）")
    assert "乙户主（乙村）" not in shown
    assert "逾期整改事项：1项" in shown and "甲村整改活动场所" in shown
    assert "乙村整改班子" not in shown


def test_the_county_and_the_city_see_their_whole_area(overdue_world: ScopeWorld) -> None:
    county = text_of(box(client_for(overdue_world.users["county"])))
    city = text_of(box(client_for(overdue_world.users["city"])))

    assert "超期诉求：3件" in county and "丙户主" not in county
    assert "超期诉求：4件" in city and "丙户主（丙村）：就医 丙干部 15天" in city
    assert "逾期整改事项：2项" in county and "逾期整改事项：2项" in city


@pytest.mark.parametrize("role", ["cadre", "auditor", "no_role"])
def test_cadres_and_the_auditor_get_no_overdue_box(overdue_world: ScopeWorld, role: str) -> None:
    response = client_for(overdue_world.users[role]).get(reverse("admin:index"))

    assert 'id="overdue-box"' not in response.text


def test_nothing_overdue_is_said_in_the_box(scope_world: ScopeWorld) -> None:
    shown = text_of(box(client_for(scope_world.users["township"])))

    assert "超期诉求：0件 没有超期诉求。" in shown
    assert "逾期整改事项：0项 没有逾期整改事项。" in shown


def test_the_box_lists_five_and_links_to_all_of_them(overdue_world: ScopeWorld) -> None:
    world = overdue_world
    for n in range(6):
        make_need(household=world.home.household, cadre=world.home.cadre, progressed_on=ago(40 + n))

    shown = box(client_for(world.users["township"]))

    assert "超期诉求：7件" in text_of(shown)
    assert shown.count("/admin/visits/need/") == 5 + 2
    assert "全部超期诉求" in shown


def test_the_admin_index_costs_the_same_queries_for_one_or_many_overdue_items(
    overdue_world: ScopeWorld,
) -> None:
    world = overdue_world
    client = client_for(world.users["township"])
    url = reverse("admin:index")
    client.get(url)
    one = count_queries(client, url)
    for n in range(10):
        make_need(household=world.home.household, cadre=world.home.cadre, progressed_on=ago(40 + n))
        overdue_rectification(world.home.village, f"整改{n}", 3 + n)

    assert count_queries(client, url) == one


def test_the_admin_header_links_to_my_reminders_with_the_unread_count(
    scope_world: ScopeWorld,
) -> None:
    user = scope_world.users["county"]
    Notification.objects.create(user=user, day=TODAY, subject="每日提醒", body="")

    html = client_for(user).get(reverse("admin:index")).text

    link = re.search(r'<a href="([^"]+)" id="nav-reminders">(.*?)</a>', html)
    assert link.group(1) == "/me/reminders/"
    assert text_of(link.group(2)) == "我的提醒 1"


# --- /me/reminders/ -----------------------------------------------------------------------


@pytest.fixture
def reader(db: None) -> Any:
    return make_user("reader")


def notify(user: Any, count: int, prefix: str = "提醒") -> None:
    for n in range(count):
        Notification.objects.create(user=user, day=ago(n), subject=f"{prefix}{n}", body=f"正文{n}")


def subjects(html: str) -> list[str]:
    return re.findall(r"<strong>(.*?)</strong>", html.split('id="notifications"')[1])


def test_a_user_sees_only_their_own_notifications_newest_first(reader: Any) -> None:
    notify(reader, 3)
    notify(make_user("other"), 2, prefix="别人的提醒")

    html = client_for(reader).get(reverse("reminders:mine")).text

    assert subjects(html) == ["提醒2", "提醒1", "提醒0"]
    assert "别人的提醒" not in html


def test_notifications_are_marked_read_as_they_are_shown(reader: Any) -> None:
    notify(reader, 2)
    client = client_for(reader)

    first = client.get(reverse("reminders:mine")).text
    second = client.get(reverse("reminders:mine")).text

    assert first.count('<span class="badge">未读</span>') == 2
    assert "未读" not in second
    assert not Notification.objects.unread().exists()


def test_notifications_are_paginated_and_only_the_page_shown_is_marked_read(reader: Any) -> None:
    notify(reader, 25)
    client = client_for(reader)

    html = client.get(reverse("reminders:mine")).text

    assert len(subjects(html)) == 20
    assert "第1页，共2页" in html
    assert Notification.objects.unread().count() == 5
    older = client.get(reverse("reminders:mine") + "?page=2").text
    assert subjects(older) == [f"提醒{n}" for n in range(4, -1, -1)]
    assert client.get(reverse("reminders:mine") + "?page=x").status_code == 200


def test_an_empty_inbox_says_so(reader: Any) -> None:
    html = client_for(reader).get(reverse("reminders:mine")).text

    assert "暂无通知。" in html
    assert "每天向您发送一条待办提醒。" in html


def test_signed_out_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(reverse("reminders:mine"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Client().post(reverse("reminders:mute"), {"muted": "1"}).status_code == 302
    assert not ReminderPreference.objects.exists()


def test_muting_and_unmuting_the_daily_reminders(reader: Any) -> None:
    client = client_for(reader)

    muted = client.post(reverse("reminders:mute"), {"muted": "1"}, follow=True)

    assert muted.redirect_chain == [(reverse("reminders:mine"), 302)]
    assert "每日提醒已关闭。" in muted.text
    assert "每日提醒已关闭，不会再向您发送。" in muted.text
    assert ReminderPreference.objects.get(user=reader).muted
    unmuted = client.post(reverse("reminders:mute"), {"muted": "0"}, follow=True)
    assert "每日提醒已重新开启。" in unmuted.text
    assert not ReminderPreference.objects.get(user=reader).muted


def test_the_switch_takes_only_a_post_with_the_csrf_token(reader: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)

    assert client.get(reverse("reminders:mute")).status_code == 405
    assert client.post(reverse("reminders:mute"), {"muted": "1"}).status_code == 403
    assert not ReminderPreference.objects.exists()


def test_one_users_switch_leaves_anothers_alone(reader: Any) -> None:
    other = make_user("other")
    ReminderPreference.objects.create(user=other, muted=True)

    client_for(reader).post(reverse("reminders:mute"), {"muted": "0"})

    assert ReminderPreference.objects.get(user=other).muted


def test_the_reminders_page_costs_the_same_queries_for_one_or_twenty_notifications(
    reader: Any,
) -> None:
    client = client_for(reader)
    url = reverse("reminders:mine")
    notify(reader, 1)
    client.get(url)
    notify(reader, 1)
    one = count_queries(client, url)
    notify(reader, 20)

    assert count_queries(client, url) == one
