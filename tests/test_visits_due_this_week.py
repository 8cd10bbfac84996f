"""What falls due this week for a cadre, and which open needs are near their deadline."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_need,
    make_visit,
    make_visit_intervals,
)
from tests.test_shuanglian_dev_env import settings_from
from units.models import Cadre
from villages.models import Household
from visits.models import Need
from visits.schedule import due_this_week, end_of_week

pytestmark = pytest.mark.django_db

# A Wednesday whose week ends in the next year, on Sunday 2026-01-04.
WEDNESDAY = datetime.date(2025, 12, 31)
SUNDAY = datetime.date(2026, 1, 4)


def day(n: int, start: datetime.date = WEDNESDAY) -> datetime.date:
    return start + datetime.timedelta(days=n)


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals(general=90)
    return make_cadre(name="刘干部")


def linked(cadre: Cadre, name: str, *, last_visit: datetime.date | None = None) -> Household:
    household = make_household(head_name=name, category=Household.Category.GENERAL)
    make_assignment(cadre=cadre, household=household)
    if last_visit is not None:
        make_visit(household=household, cadre=cadre, visited_on=last_visit)
    return household


def names(rows: list) -> list[str]:
    return [row.household.head_name for row in rows]


def test_the_week_ends_on_sunday_across_a_year_end() -> None:
    assert end_of_week(datetime.date(2025, 12, 29)) == SUNDAY  # Monday
    assert end_of_week(WEDNESDAY) == SUNDAY
    assert end_of_week(SUNDAY) == SUNDAY
    assert end_of_week(day(1, SUNDAY)) == datetime.date(2026, 1, 11)


def test_never_visited_come_first_then_overdue_then_due_by_sunday_and_not_next_monday(
    cadre: Cadre,
) -> None:
    linked(cadre, "周日到期", last_visit=day(-90, SUNDAY))
    linked(cadre, "下周一到期", last_visit=day(-89, SUNDAY))
    linked(cadre, "早已超期", last_visit=day(-120))
    linked(cadre, "从未走访")
    linked(cadre, "今天到期", last_visit=day(-90))

    rows = due_this_week(cadre=cadre, today=WEDNESDAY)

    assert names(rows) == ["从未走访", "早已超期", "今天到期", "周日到期"]
    assert rows[0].next_due_on is None
    assert rows[-1].next_due_on == SUNDAY
    assert [row.is_due for row in rows] == [True, True, True, False]


def test_on_sunday_only_what_is_due_that_day_or_before_is_listed(cadre: Cadre) -> None:
    linked(cadre, "周日到期", last_visit=day(-90, SUNDAY))
    linked(cadre, "下周一到期", last_visit=day(-89, SUNDAY))

    assert names(due_this_week(cadre=cadre, today=SUNDAY)) == ["周日到期"]


def test_on_monday_the_whole_new_week_counts(cadre: Cadre) -> None:
    monday = day(1, SUNDAY)
    linked(cadre, "下周日到期", last_visit=day(-90 + 7, SUNDAY))
    linked(cadre, "再下周一到期", last_visit=day(-90 + 8, SUNDAY))

    assert names(due_this_week(cadre=cadre, today=monday)) == ["下周日到期"]


def test_another_cadres_households_and_ended_links_are_left_out(cadre: Cadre) -> None:
    other = make_cadre(name="王干部")
    linked(other, "别人的户")
    make_assignment(
        cadre=cadre,
        household=make_household(head_name="已解除"),
        started_on=day(-100),
        ended_on=day(-1),
    )

    assert names(due_this_week(cadre=cadre, today=WEDNESDAY)) == []


def test_due_this_week_costs_the_same_queries_for_one_or_twenty_households(cadre: Cadre) -> None:
    linked(cadre, "一户")
    with CaptureQueriesContext(connection) as one:
        due_this_week(cadre=cadre, today=WEDNESDAY)
    for n in range(19):
        linked(cadre, f"户{n}", last_visit=day(-n * 7))
    with CaptureQueriesContext(connection) as twenty:
        rows = due_this_week(cadre=cadre, today=WEDNESDAY)

    assert len(rows) > 1
    assert len(twenty) == len(one) <= 3


@pytest.fixture
def deadlines(settings: Any) -> None:
    settings.NEED_OVERDUE_DAYS = 15
    settings.REMINDER_DEADLINE_DAYS = 3


def need(description: str, **fields: object) -> Need:
    return make_need(description=description, raised_on=day(-30), **fields)


def near(**kwargs: object) -> list[str]:
    needs = Need.objects.near_deadline(WEDNESDAY, **kwargs)
    return sorted(needs.values_list("description", flat=True))


def test_a_cadre_level_need_is_near_from_three_days_before_its_progress_runs_out(
    deadlines: None,
) -> None:
    need("今天最后一天", progressed_on=day(-15))
    need("还剩三天", progressed_on=day(-12))
    need("还剩四天", progressed_on=day(-11))
    need("已超期", progressed_on=day(-16))
    # A need with the cadre has no deadline of its own; a date set on it does not count.
    need("带日期的干部级", progressed_on=day(0), due_on=day(1))

    assert near() == ["今天最后一天", "还剩三天"]
    assert list(Need.objects.overdue(WEDNESDAY).values_list("description", flat=True)) == ["已超期"]


def test_an_escalated_need_is_near_by_its_due_date_or_by_its_progress_whichever_is_sooner(
    deadlines: None,
) -> None:
    township = Need.Level.TOWNSHIP
    need("乡镇今天到期", level=township, due_on=day(0), progressed_on=day(0))
    need("乡镇三天后到期", level=township, due_on=day(3), progressed_on=day(0))
    need("乡镇四天后到期", level=township, due_on=day(4), progressed_on=day(0))
    need("乡镇昨天到期", level=township, due_on=day(-1), progressed_on=day(0))
    need("期限远但久无进展", level=township, due_on=day(10), progressed_on=day(-13))
    need("县级无期限", level=Need.Level.COUNTY, due_on=None, progressed_on=day(-14))

    assert near() == ["乡镇三天后到期", "乡镇今天到期", "县级无期限", "期限远但久无进展"]


def test_closed_needs_are_never_near_their_deadline(deadlines: None) -> None:
    need(
        "已办结",
        progressed_on=day(-14),
        status=Need.Status.RESOLVED,
        resolution="已报销",
        closed_on=day(-14),
    )

    assert near() == []


def test_the_window_is_the_setting_or_the_days_given(deadlines: None, settings: Any) -> None:
    need("今天最后一天", progressed_on=day(-15))
    need("还剩五天", progressed_on=day(-10))

    assert near(days=0) == ["今天最后一天"]
    settings.REMINDER_DEADLINE_DAYS = 5
    assert near() == ["今天最后一天", "还剩五天"]


def test_near_and_overdue_do_not_overlap_and_the_deadline_is_the_last_day_on_time(
    deadlines: None,
) -> None:
    cadre_level = need("干部级", progressed_on=day(-13))
    escalated = need("乡镇级", level=Need.Level.TOWNSHIP, due_on=day(1), progressed_on=day(0))

    assert cadre_level.deadline_on == day(2)
    assert escalated.deadline_on == day(1)
    for item in (cadre_level, escalated):
        assert not item.is_late_on(item.deadline_on)
        assert item.is_late_on(day(1, item.deadline_on))
    assert (
        not Need.objects.near_deadline(WEDNESDAY)
        .filter(pk__in=Need.objects.overdue(WEDNESDAY))
        .exists()
    )


def test_the_window_is_read_from_the_environment_and_is_3_days_unless_set(tmp_path: Any) -> None:
    env = {"DEBUG": "true", "SECRET_KEY": "x" * 50}
    unset = settings_from(env, tmp_path / "missing.env", "REMINDER_DEADLINE_DAYS")
    given = settings_from(
        {**env, "REMINDER_DEADLINE_DAYS": "5"}, tmp_path / "missing.env", "REMINDER_DEADLINE_DAYS"
    )

    assert unset == {"REMINDER_DEADLINE_DAYS": 3}
    assert given == {"REMINDER_DEADLINE_DAYS": 5}
