"""Each user's digest of a day goes out once: the job run twice, two workers at the same time,
or a worker that died after claiming a user never send it again."""

import datetime
import threading
import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from reminders.backends import BaseBackend, ReminderBackendError
from reminders.backends.inapp import InAppBackend
from reminders.digest import Digest
from reminders.models import Delivery, Notification, ReminderPreference
from reminders.sending import Counts, send_digests, send_one
from reminders.tasks import send_daily_digests
from tests.factories import (
    make_coordinator,
    make_household,
    make_need,
    make_township,
    make_village,
)

DAY = datetime.date(2026, 11, 25)


def make_coordinators(count: int) -> list[Any]:
    """``count`` township coordinators, each of a township with an overdue need."""
    users = []
    for n in range(count):
        township = make_township()
        village = make_village(township=township)
        make_need(
            household=make_household(village=village),
            raised_on=DAY - datetime.timedelta(days=40),
            progressed_on=DAY - datetime.timedelta(days=40),
        )
        users.append(make_coordinator(f"town{n}", "township", township=township))
    return users


class FailingBackend(BaseBackend):
    def send(self, *, user: Any, day: datetime.date, digest: Digest) -> None:
        raise ReminderBackendError("SMS: isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")


class RecordingBackend(BaseBackend):
    """Sends nowhere; remembers to whom (an outside service as the job sees it)."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, *, user: Any, day: datetime.date, digest: Digest) -> None:
        self.sent.append(user.pk)


class SlowInAppBackend(InAppBackend):
    def send(self, *, user: Any, day: datetime.date, digest: Digest) -> None:
        time.sleep(0.02)
        super().send(user=user, day=day, digest=digest)


@pytest.mark.django_db
def test_running_the_job_twice_sends_one_notification_a_user() -> None:
    users = make_coordinators(3)
    first = send_digests(day=DAY)
    second = send_digests(day=DAY)
    assert first == Counts(sent=3)
    assert second == Counts()
    assert Notification.objects.filter(day=DAY).count() == 3
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == [u.pk for u in users]
    deliveries = Delivery.objects.filter(day=DAY)
    assert deliveries.count() == 3
    for delivery in deliveries:
        assert delivery.status == Delivery.Status.SENT
        assert delivery.backend == "reminders.backends.inapp.InAppBackend"
        assert delivery.finished_at is not None
        assert delivery.error == ""
    notification = Notification.objects.get(user=users[0])
    assert notification.subject == "2026-11-25 待办提醒"
    assert notification.body == "辖区超期诉求：1 件\n\n查看：/admin/\n"


@pytest.mark.django_db
def test_the_next_day_is_sent_again() -> None:
    make_coordinators(1)
    send_digests(day=DAY)
    assert send_digests(day=DAY + datetime.timedelta(days=1)) == Counts(sent=1)


@pytest.mark.django_db
def test_a_user_with_nothing_to_say_is_marked_skipped_and_muted_users_are_left_out() -> None:
    *_busy, muted = make_coordinators(3)
    ReminderPreference.objects.create(user=muted, muted=True)
    idle = make_coordinator("idle", "township", township=make_township())
    counts = send_digests(day=DAY)
    assert counts == Counts(sent=2, skipped=1)
    assert Delivery.objects.get(user=idle).status == Delivery.Status.SKIPPED
    assert not Delivery.objects.filter(user=muted).exists()
    assert not Notification.objects.filter(user__in=[idle, muted]).exists()


@pytest.mark.django_db
def test_a_claim_left_by_a_worker_that_died_is_reported_and_not_sent_again() -> None:
    dead, alive = make_coordinators(2)
    left = Delivery.objects.create(user=dead, day=DAY, backend="reminders.backends.sms.SmsBackend")
    backend = RecordingBackend()
    counts = send_digests(day=DAY, backend=backend)
    assert counts == Counts(sent=1, unfinished=[left.pk])
    assert backend.sent == [alive.pk]
    left.refresh_from_db()
    assert (left.status, left.finished_at) == (Delivery.Status.CLAIMED, None)
    # And the next run does not take it up either.
    assert send_digests(day=DAY, backend=backend) == Counts(unfinished=[left.pk])
    assert backend.sent == [alive.pk]


@pytest.mark.django_db
def test_an_in_app_claim_left_by_a_worker_that_died_is_delivered_once_by_the_next_run() -> None:
    dead, alive = make_coordinators(2)
    # The in-app backend writes the notification with the finished row: a row still claimed
    # means the worker died before anything was written.
    left = Delivery.objects.create(
        user=dead, day=DAY, backend="reminders.backends.inapp.InAppBackend"
    )
    assert send_digests(day=DAY) == Counts(sent=2)
    assert send_digests(day=DAY) == Counts()
    assert Notification.objects.filter(user=dead, day=DAY).count() == 1
    left.refresh_from_db()
    assert left.status == Delivery.Status.SENT
    assert Notification.objects.filter(user=alive, day=DAY).count() == 1


@pytest.mark.django_db
def test_an_in_app_claim_finished_meanwhile_by_another_run_is_not_written_again() -> None:
    (user,) = make_coordinators(1)
    delivery = Delivery.objects.create(
        user=user, day=DAY, backend="reminders.backends.inapp.InAppBackend"
    )
    assert send_digests(day=DAY) == Counts(sent=1)
    # A run that claimed it and resumes late finds it finished and writes nothing.
    assert send_one(user=user, day=DAY, backend=InAppBackend(), delivery=delivery) == "taken"
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_user_claimed_by_another_run_meanwhile_is_left_to_it() -> None:
    first, second = make_coordinators(2)

    class OtherRunClaimsTheNext(RecordingBackend):
        """While this run sends the first digest, another run claims the second user."""

        def send(self, *, user: Any, day: datetime.date, digest: Digest) -> None:
            super().send(user=user, day=day, digest=digest)
            if user == first:
                Delivery.objects.create(user=second, day=day, backend="elsewhere")

    backend = OtherRunClaimsTheNext()
    counts = send_digests(day=DAY, backend=backend)
    assert backend.sent == [first.pk]
    assert (counts.sent, counts.taken) == (1, 1)
    assert Delivery.objects.get(user=second).backend == "elsewhere"


@pytest.mark.django_db
def test_a_failing_backend_marks_the_delivery_failed_with_the_providers_message() -> None:
    user, _other = make_coordinators(2)
    counts = send_digests(day=DAY, backend=FailingBackend())
    assert counts == Counts(failed=2)
    delivery = Delivery.objects.get(user=user)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error == "SMS: isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"
    assert delivery.finished_at is not None
    # A failed digest is not retried the same day: at most once.
    assert send_digests(day=DAY) == Counts()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_command_sends_now_or_queues_the_day_for_the_worker() -> None:
    make_coordinators(2)
    out = StringIO()
    call_command("send_reminders", "--day", "2026-11-25", "--now", stdout=out)
    assert out.getvalue() == (
        "2026-11-25 的提醒：已发送 2，无需发送 0，失败 0，"
        "已由其他任务领取 0，先前领取而未完成 0。\n"
    )
    out = StringIO()
    call_command("send_reminders", "--day", "2026-11-26", stdout=out)
    assert out.getvalue() == "已将 2026-11-26 的提醒交给后台发送。\n"
    # The tests' task backend runs queued work at once, as the worker would later.
    assert Delivery.objects.filter(day=datetime.date(2026, 11, 26)).count() == 2


@pytest.mark.django_db
def test_the_worker_task_sends_the_days_digests() -> None:
    make_coordinators(1)
    assert send_daily_digests.call(day_iso="2026-11-25") == {
        "sent": 1,
        "skipped": 0,
        "failed": 0,
        "taken": 0,
        "unfinished": [],
    }
    assert Notification.objects.filter(day=DAY).count() == 1


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_day() -> None:
    with pytest.raises(CommandError, match="日期请写成 YYYY-MM-DD，而不是 11/25。"):
        call_command("send_reminders", "--day", "11/25", "--now")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time; the race needs two connections at once",
)
def test_two_runs_at_once_on_two_connections_send_each_digest_once() -> None:
    make_coordinators(12)
    results: list[Counts] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait(5)
            results.append(send_digests(day=DAY, backend=SlowInAppBackend()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2
    assert sum(counts.sent for counts in results) == 12
    assert sum(counts.taken for counts in results) >= 1
    assert Notification.objects.filter(day=DAY).count() == 12
    assert Delivery.objects.filter(day=DAY, status=Delivery.Status.SENT).count() == 12


# The worker closes its database connections between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_the_queued_day_waits_for_the_worker_which_sends_it(settings: Any) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    make_coordinators(2)
    call_command("send_reminders", "--day", "2026-11-26", stdout=StringIO())
    task = DBTaskResult.objects.get()
    assert task.task_path == "reminders.tasks.send_daily_digests"
    assert task.args_kwargs == {"args": [], "kwargs": {"day_iso": "2026-11-26"}}
    assert not Delivery.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    assert Notification.objects.filter(day=datetime.date(2026, 11, 26)).count() == 2
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.return_value["sent"] == 2
