import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shuanglian.models import Role, UserScope
from tests.factories import make_cadre, make_need, make_user
from visits import needs
from visits.models import Need, NeedNote, Satisfaction

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def user():
    """A city coordinator: the need services check that the user may see the need."""
    user = make_user("zhangsan", first_name="张三")
    UserScope.objects.create(user=user, role=Role.CITY)
    return user


@pytest.fixture
def need() -> Need:
    return make_need(raised_on=days_ago(20), progressed_on=days_ago(20))


def refused(call, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return " ".join(caught.value.messages)


def test_starting_a_pending_need_puts_it_in_progress_with_a_dated_note(need, user):
    note = needs.start(need=need, by=user, on=days_ago(3), note="已联系医保站")

    need.refresh_from_db()
    assert need.status == Need.Status.IN_PROGRESS
    assert need.progressed_on == days_ago(3)
    assert (note.noted_on, note.status, note.level, note.author, note.text) == (
        days_ago(3),
        Need.Status.IN_PROGRESS,
        Need.Level.CADRE,
        user,
        "已联系医保站",
    )


def test_starting_without_a_note_records_that_handling_started(need, user):
    note = needs.start(need=need, by=user, on=TODAY)
    assert note.text == "开始办理。"


def test_a_need_already_in_progress_cannot_be_started_again(need, user):
    needs.start(need=need, by=user, on=TODAY)
    assert refused(needs.start, need=need, by=user, on=TODAY) == "只有待办的诉求才能开始办理。"
    assert need.notes.count() == 1


@pytest.mark.parametrize("status", [Need.Status.PENDING, Need.Status.IN_PROGRESS])
def test_a_pending_or_started_need_is_resolved_with_what_was_done_and_satisfaction(status, user):
    need = make_need(raised_on=days_ago(20), progressed_on=days_ago(20), status=status)
    note = needs.resolve(
        need=need,
        by=user,
        on=days_ago(1),
        what_was_done="已办理门诊慢特病认定",
        satisfaction=Satisfaction.SATISFIED,
    )

    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    assert need.resolution == "已办理门诊慢特病认定"
    assert need.satisfaction == Satisfaction.SATISFIED
    assert need.closed_on == need.progressed_on == days_ago(1)
    assert (note.status, note.text) == (Need.Status.RESOLVED, "已办理门诊慢特病认定")


def test_closing_without_saying_what_was_done_is_refused(need, user):
    message = refused(
        needs.resolve,
        need=need,
        by=user,
        on=TODAY,
        what_was_done="  ",
        satisfaction=Satisfaction.SATISFIED,
    )
    assert message == "请填写办理结果。"
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING
    assert not need.notes.exists()


def test_closing_without_the_households_satisfaction_is_refused(need, user):
    message = refused(
        needs.resolve, need=need, by=user, on=TODAY, what_was_done="已办理", satisfaction=""
    )
    assert message == "请选择群众满意度。"


def test_a_closed_need_cannot_be_moved_by_any_step(need, user):
    needs.resolve(
        need=need, by=user, on=TODAY, what_was_done="已办理", satisfaction=Satisfaction.SATISFIED
    )
    closed = "这条诉求已经关闭，不能再变更。"
    assert refused(needs.start, need=need, by=user, on=TODAY) == closed
    assert refused(needs.escalate, need=need, by=user, on=TODAY, note="再报") == closed
    assert refused(needs.add_note, need=need, by=user, on=TODAY, text="回访") == closed
    assert refused(needs.reassign, need=need, to_cadre=make_cadre(), by=user, on=TODAY) == closed
    assert (
        refused(
            needs.resolve,
            need=need,
            by=user,
            on=TODAY,
            what_was_done="再办",
            satisfaction=Satisfaction.SATISFIED,
        )
        == closed
    )
    assert need.notes.count() == 1


def test_a_step_on_a_stale_copy_sees_the_need_as_the_database_holds_it(need, user):
    stale = Need.objects.get(pk=need.pk)
    needs.resolve(
        need=need, by=user, on=TODAY, what_was_done="已办理", satisfaction=Satisfaction.SATISFIED
    )
    assert refused(needs.start, need=stale, by=user, on=TODAY) == "这条诉求已经关闭，不能再变更。"


def test_a_step_cannot_be_dated_in_the_future_or_before_the_need_was_raised(need, user):
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert refused(needs.start, need=need, by=user, on=tomorrow) == "日期不能晚于今天。"
    assert refused(needs.start, need=need, by=user, on=days_ago(21)) == "日期不能早于诉求提出日期。"


def test_escalation_goes_level_by_level_each_with_its_own_deadline(need, user, settings):
    settings.NEED_DEADLINE_DAYS_UNIT = 7
    settings.NEED_DEADLINE_DAYS_TOWNSHIP = 10
    settings.NEED_DEADLINE_DAYS_COUNTY = 15

    needs.escalate(need=need, by=user, on=days_ago(10), note="涉及医保政策，干部无法办理")
    need.refresh_from_db()
    assert (need.level, need.escalated_on, need.due_on) == (
        Need.Level.UNIT,
        days_ago(10),
        days_ago(3),
    )

    needs.escalate(need=need, by=user, on=days_ago(5), note="单位协调不了")
    need.refresh_from_db()
    assert (need.level, need.escalated_on, need.due_on) == (
        Need.Level.TOWNSHIP,
        days_ago(5),
        days_ago(5) + datetime.timedelta(days=10),
    )

    note = needs.escalate(need=need, by=user, on=TODAY, note="需县医保局处理")
    need.refresh_from_db()
    assert (need.level, need.escalated_on, need.due_on) == (
        Need.Level.COUNTY,
        TODAY,
        TODAY + datetime.timedelta(days=15),
    )
    assert need.status == Need.Status.PENDING
    assert need.progressed_on == TODAY
    assert (note.level, note.status, note.text) == (
        Need.Level.COUNTY,
        Need.Status.PENDING,
        "需县医保局处理",
    )
    assert list(need.notes.values_list("level", flat=True)) == ["unit", "township", "county"]


def test_escalating_beyond_the_county_is_refused(user):
    need = make_need(level=Need.Level.COUNTY, raised_on=days_ago(5))
    message = refused(needs.escalate, need=need, by=user, on=TODAY, note="再上报")
    assert message == "这条诉求已由县区办理，不能再上报。"


def test_escalating_without_a_reason_is_refused(need, user):
    assert refused(needs.escalate, need=need, by=user, on=TODAY, note="") == "请说明上报原因。"
    need.refresh_from_db()
    assert need.level == Need.Level.CADRE


@pytest.mark.parametrize("level", [Need.Level.CADRE, Need.Level.UNIT, Need.Level.TOWNSHIP])
def test_below_the_county_a_need_cannot_be_closed_as_unresolvable(level, user):
    need = make_need(level=level, raised_on=days_ago(5))
    message = refused(needs.give_up, need=need, by=user, on=TODAY, reason="超出政策范围")
    assert message == "只有县区才能认定诉求无法解决，请先逐级上报。"


def test_the_county_closes_a_need_as_unresolvable_with_the_reason(user):
    need = make_need(level=Need.Level.COUNTY, raised_on=days_ago(5), status="in_progress")
    note = needs.give_up(need=need, by=user, on=TODAY, reason="超出现行政策范围，已向户主解释")

    need.refresh_from_db()
    assert need.status == Need.Status.UNRESOLVABLE
    assert need.resolution == "超出现行政策范围，已向户主解释"
    assert need.closed_on == TODAY
    assert (note.status, note.level) == (Need.Status.UNRESOLVABLE, Need.Level.COUNTY)


def test_the_county_must_give_the_reason_a_need_cannot_be_resolved(user):
    need = make_need(level=Need.Level.COUNTY, raised_on=days_ago(5))
    assert refused(needs.give_up, need=need, by=user, on=TODAY, reason="") == (
        "请说明无法解决的原因。"
    )


def test_a_note_records_progress_without_changing_the_status(need, user):
    note = needs.add_note(need=need, by=user, on=days_ago(2), text="已电话询问医保站")

    need.refresh_from_db()
    assert need.status == Need.Status.PENDING
    assert need.progressed_on == days_ago(2)
    assert (note.status, note.text, note.author) == (
        Need.Status.PENDING,
        "已电话询问医保站",
        user,
    )


def test_an_empty_note_is_refused(need, user):
    assert refused(needs.add_note, need=need, by=user, on=TODAY, text=" ") == "请填写进展情况。"


def test_a_back_dated_note_does_not_move_the_last_progress_back(user):
    need = make_need(raised_on=days_ago(20), progressed_on=days_ago(2))
    needs.add_note(need=need, by=user, on=days_ago(10), text="补记上次走访")
    need.refresh_from_db()
    assert need.progressed_on == days_ago(2)


def test_reassigning_moves_the_need_to_another_cadre_with_a_note(need, user):
    old_name = need.cadre.name
    to_cadre = make_cadre(name="李四")

    note = needs.reassign(need=need, to_cadre=to_cadre, by=user, on=TODAY, note="原干部调离")

    need.refresh_from_db()
    assert need.cadre == to_cadre
    assert need.level == Need.Level.CADRE
    assert need.progressed_on == TODAY
    assert note.text == f"由{old_name}改派给李四。\n原干部调离"


def test_reassigning_to_a_cadre_out_of_service_or_to_the_same_cadre_is_refused(need, user):
    gone = make_cadre(in_service=False)
    assert refused(needs.reassign, need=need, to_cadre=gone, by=user, on=TODAY) == (
        "请选择在职干部。"
    )
    assert refused(needs.reassign, need=need, to_cadre=need.cadre, by=user, on=TODAY) == (
        "这名干部已是该诉求的责任干部。"
    )
    assert not NeedNote.objects.exists()


def test_overdue_needs_are_open_with_no_progress_for_more_than_the_set_days(settings):
    settings.NEED_OVERDUE_DAYS = 15
    stale = make_need(raised_on=days_ago(40), progressed_on=days_ago(16))
    make_need(raised_on=days_ago(40), progressed_on=days_ago(15))
    make_need(
        raised_on=days_ago(40),
        progressed_on=days_ago(30),
        status=Need.Status.RESOLVED,
        resolution="已办",
        closed_on=days_ago(30),
    )

    assert list(Need.objects.overdue()) == [stale]
    assert stale.is_late_on(TODAY)


def test_escalated_needs_past_their_deadline_are_overdue():
    past = make_need(level=Need.Level.UNIT, due_on=days_ago(1), raised_on=days_ago(9))
    make_need(level=Need.Level.TOWNSHIP, due_on=TODAY, raised_on=days_ago(9))
    make_need(level=Need.Level.CADRE, due_on=days_ago(1), raised_on=days_ago(9))
    make_need(
        level=Need.Level.COUNTY,
        due_on=days_ago(1),
        raised_on=days_ago(9),
        status=Need.Status.UNRESOLVABLE,
        resolution="无法办理",
        closed_on=TODAY,
    )

    assert list(Need.objects.overdue()) == [past]
    annotated = {n.pk: n.is_late for n in Need.objects.with_lateness()}
    assert [pk for pk, late in annotated.items() if late] == [past.pk]
    assert [n.is_late_on(TODAY) for n in Need.objects.order_by("pk")] == [
        True,
        False,
        False,
        False,
    ]


def test_deadlines_come_from_the_settings(need, user, settings):
    settings.NEED_DEADLINE_DAYS_UNIT = 3
    needs.escalate(need=need, by=user, on=TODAY, note="需单位协调")
    need.refresh_from_db()
    assert need.due_on == TODAY + datetime.timedelta(days=3)
