"""The daily digest: what each role is reminded of, in Chinese (or English), with resident
phones masked, nothing for users with nothing due, in the same few queries for any data."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Checklist, RectificationItem
from reminders.digest import digest_for
from reminders.models import ReminderPreference
from reminders.sending import recipients
from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_user,
    make_village,
    make_visit,
    make_visit_intervals,
)
from units.models import Cadre
from villages.models import Township
from visits.models import Need

# A Wednesday: the week runs to Sunday 29 November.
DAY = datetime.date(2026, 11, 25)


def days_ago(days: int) -> datetime.date:
    return DAY - datetime.timedelta(days=days)


@dataclass
class World:
    township: Township
    cadre: Cadre
    user: Any


@pytest.fixture
def world(db: None) -> World:
    """A cadre of 农业局 in 东村 with three households: 张三 never visited, 李四 due on
    Friday, 王五 visited last week; one need near its deadline, one overdue, one closed."""
    make_visit_intervals()
    township = make_township(name="城关镇")
    village = make_village(township=township, name="东村")
    unit = make_unit(name="农业局")
    user = make_user("lihua")
    cadre = make_cadre(unit=unit, name="李华", user=user)
    zhang = make_household(village=village, head_name="张三", phone="13812345678")
    li = make_household(village=village, head_name="李四", phone="")
    wang = make_household(village=village, head_name="王五")
    for household in (zhang, li, wang):
        make_assignment(household=household, cadre=cadre)
    # General households are visited every 90 days: 29 August + 90 = 27 November.
    make_visit(household=li, cadre=cadre, visited_on=datetime.date(2026, 8, 29))
    make_visit(household=wang, cadre=cadre, visited_on=days_ago(7))
    # Overdue after 15 days without progress: 14 days ago leaves tomorrow as the last day.
    make_need(
        household=zhang,
        cadre=cadre,
        description="看病报销，儿子电话13912345678",
        raised_on=days_ago(14),
        progressed_on=days_ago(14),
    )
    make_need(
        household=li,
        cadre=cadre,
        category=Need.Category.HOUSING,
        description="危房改造",
        raised_on=days_ago(30),
        progressed_on=days_ago(20),
    )
    make_need(
        household=wang,
        cadre=cadre,
        description="已办结",
        raised_on=days_ago(40),
        progressed_on=days_ago(40),
        status=Need.Status.RESOLVED,
        resolution="已报销",
        closed_on=days_ago(30),
    )
    return World(township=township, cadre=cadre, user=user)


def test_a_cadre_hears_of_households_due_and_needs_near_or_past_their_deadline(
    world: World,
) -> None:
    digest = digest_for(user=world.user, day=DAY)
    assert digest is not None
    assert digest.subject == "2026-11-25 待办提醒"
    assert digest.body.splitlines() == [
        "本周应走访联系户：2 户",
        "  张三（东村），电话 138****5678，从未走访",
        "  李四（东村），应于 2026-11-27 前走访",
        "临近期限的诉求：1 件",
        "  张三：就医，看病报销，儿子电话139****5678，期限 2026-11-26",
        "超期诉求：1 件",
        "  李四：住房，危房改造，超期 5 天",
        "",
        "查看：/me/",
    ]
    assert digest.summary == "本周应走访联系户：2 户；临近期限的诉求：1 件；超期诉求：1 件"
    assert digest.path == "/me/"


def test_the_digest_masks_every_resident_phone(world: World) -> None:
    digest = digest_for(user=world.user, day=DAY)
    assert digest is not None
    assert "13812345678" not in digest.body
    assert "13912345678" not in digest.body


def test_a_cadre_reads_the_digest_in_english_when_the_site_speaks_english(
    world: World, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    digest = digest_for(user=world.user, day=DAY)
    assert digest is not None
    assert digest.subject == "Reminders for 2026-11-25"
    assert digest.body.splitlines()[:3] == [
        "Households due for a visit this week: 2",
        "  张三 (东村), phone 138****5678, never visited",
        "  李四 (东村), visit due by 2026-11-27",
    ]


def test_a_cadre_with_nothing_due_gets_no_digest(db: None) -> None:
    make_visit_intervals()
    user = make_user("idle")
    cadre = make_cadre(user=user)
    household = make_household()
    make_assignment(household=household, cadre=cadre)
    make_visit(household=household, cadre=cadre, visited_on=days_ago(1))
    assert digest_for(user=user, day=DAY) is None


def test_a_user_without_a_role_gets_no_digest(db: None) -> None:
    assert digest_for(user=make_user("nobody"), day=DAY) is None


def overdue_rectification(village: Any) -> None:
    checklist = Checklist.objects.create(year=DAY.year, name="标准")
    assessment = Assessment.objects.create(village=village, checklist=checklist, year=DAY.year)
    for days, status in ((-10, "open"), (-3, "done"), (5, "open"), (-20, "accepted")):
        RectificationItem.objects.create(
            assessment=assessment,
            task=f"整改{days}",
            responsible="村支书",
            deadline=DAY + datetime.timedelta(days=days),
            status=status,
        )


def test_a_township_coordinator_hears_of_the_areas_overdue_items_and_yesterdays_needs(
    world: World,
) -> None:
    village = world.cadre.assignments.first().household.village
    overdue_rectification(village)
    make_need(household=make_household(village=village), cadre=world.cadre, raised_on=days_ago(1))
    # Another township's overdue need is not theirs.
    make_need(raised_on=days_ago(40), progressed_on=days_ago(40))
    user = make_coordinator("town", "township", township=world.township)
    digest = digest_for(user=user, day=DAY)
    assert digest is not None
    assert digest.subject == "2026-11-25 待办提醒"
    assert digest.body.splitlines() == [
        "辖区超期诉求：1 件",
        "超期整改事项：2 项",
        "昨日新提诉求：1 件",
        "",
        "查看：/admin/",
    ]


def test_a_city_coordinator_counts_the_whole_city(world: World) -> None:
    make_need(raised_on=days_ago(40), progressed_on=days_ago(40))
    user = make_coordinator("city", "city")
    digest = digest_for(user=user, day=DAY)
    assert digest is not None
    assert digest.body.splitlines()[0] == "辖区超期诉求：2 件"


def test_a_coordinator_with_nothing_overdue_gets_no_digest(db: None) -> None:
    township = make_township()
    user = make_coordinator("town", "township", township=township)
    make_need(raised_on=days_ago(40), progressed_on=days_ago(40))
    assert digest_for(user=user, day=DAY) is None


def test_a_liaison_hears_of_the_units_cadres_overdue_needs_and_households_due(
    world: World,
) -> None:
    other = make_cadre(unit=world.cadre.unit, name="赵敏")
    make_need(cadre=other, raised_on=days_ago(40), progressed_on=days_ago(40))
    make_need(cadre=other, raised_on=days_ago(40), progressed_on=days_ago(30))
    # Another unit's cadre is not theirs.
    make_need(raised_on=days_ago(40), progressed_on=days_ago(40))
    user = make_coordinator("liaison", "liaison", unit=world.cadre.unit)
    digest = digest_for(user=user, day=DAY)
    assert digest is not None
    assert digest.body.splitlines() == [
        "本单位干部超期诉求：3 件",
        "  李华：超期 1 件",
        "  赵敏：超期 2 件",
        "本周有联系户应走访的干部：1 名",
        "  李华：2 户",
        "",
        "查看：/admin/",
    ]


def test_muted_users_are_not_among_the_recipients(world: World) -> None:
    coordinator = make_coordinator("town", "township", township=world.township)
    make_user("nobody")
    assert list(recipients(DAY)) == [world.user, coordinator]
    ReminderPreference.objects.create(user=world.user, muted=True)
    assert list(recipients(DAY)) == [coordinator]


def queries_for(user: Any) -> int:
    with CaptureQueriesContext(connection) as context:
        digest_for(user=user, day=DAY)
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["cadre", "township", "liaison"])
def test_a_digest_costs_the_same_queries_with_ten_times_the_data(world: World, role: str) -> None:
    accounts = iter(range(2))

    def fresh_user() -> Any:
        """The user as the sending job loads it, nothing remembered from the last digest."""
        if role == "cadre":
            return type(world.user).objects.get(pk=world.user.pk)
        scope = {"township": world.township} if role == "township" else {"unit": world.cadre.unit}
        return make_coordinator(f"{role}{next(accounts)}", role, **scope)

    village = world.cadre.assignments.first().household.village
    before = queries_for(fresh_user())
    for n in range(10):
        household = make_household(village=village, phone="")
        make_assignment(household=household, cadre=world.cadre)
        make_need(household=household, cadre=world.cadre, progressed_on=days_ago(14 + n))
        colleague = make_cadre(unit=world.cadre.unit)
        make_assignment(household=make_household(village=village), cadre=colleague)
        make_need(household=household, cadre=colleague, raised_on=days_ago(1))
    assert queries_for(fresh_user()) == before
    assert before <= 8


def test_a_long_list_shows_ten_and_counts_the_rest(db: None) -> None:
    make_visit_intervals()
    user = make_user("busy")
    cadre = make_cadre(user=user)
    village = make_village(name="西村")
    for n in range(12):
        household = make_household(village=village, head_name=f"户{n:02d}", phone="")
        make_assignment(household=household, cadre=cadre)
    digest = digest_for(user=user, day=DAY)
    assert digest is not None
    lines = digest.body.splitlines()
    assert lines[0] == "本周应走访联系户：12 户"
    assert lines[1:3] == ["  户00（西村），从未走访", "  户01（西村），从未走访"]
    assert lines[10] == "  户09（西村），从未走访"
    assert lines[11] == "  ……另有 2 项"
