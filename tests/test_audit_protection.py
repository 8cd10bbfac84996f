"""The audit trail is append-only in the database itself; only the purge removes old events."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from shuanglian.audit import trail
from shuanglian.models import AppendOnlyError, AuditEvent
from tests.factories import make_user, recorded_at

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def refused_by_database(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_orm_refuses_to_update_or_delete_events_with_a_clear_message(db: None) -> None:
    event = trail.record(action="sign_in", username="zhang")
    for attempt in (
        lambda: AuditEvent.objects.update(username="someone else"),
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["action"]),
        event.delete,
        event.save,
    ):
        with pytest.raises(AppendOnlyError, match="never changed or deleted"):
            attempt()
    assert AuditEvent.objects.get().username == "zhang"


def test_the_database_refuses_raw_updates_and_deletes(db: None) -> None:
    event = trail.record(action="sign_in", username="zhang")
    refused_by_database("UPDATE shuanglian_auditevent SET username = 'x'")
    refused_by_database("DELETE FROM shuanglian_auditevent WHERE id = %s", [event.pk])
    refused_by_database("DELETE FROM shuanglian_auditevent")
    assert AuditEvent.objects.get().username == "zhang"


def test_the_database_refuses_deleting_old_events_outside_the_purge(db: None) -> None:
    recorded_at(timezone.now() - 400 * DAY, action="sign_in")
    refused_by_database("DELETE FROM shuanglian_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own purge function")
def test_a_copy_of_the_purge_statement_outside_the_function_is_refused(db: None) -> None:
    recorded_at(timezone.now() - 400 * DAY, action="sign_in")
    refused_by_database(
        "DO $$ DECLARE cutoff timestamptz := now(); "
        "BEGIN DELETE FROM shuanglian_auditevent WHERE at < cutoff; END $$"
    )
    refused_by_database(
        "SET LOCAL shuanglian.audit_purge = 'on'; DELETE FROM shuanglian_auditevent"
    )
    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own purge function")
def test_the_purge_function_itself_keeps_184_days_and_records_itself(db: None) -> None:
    now = timezone.now()
    recorded_at(now - 200 * DAY, action="sign_in")
    young = recorded_at(now - 100 * DAY, action="sign_in")
    refused_by_database("SELECT purge_audit_events(now(), 'x', '{}')")
    with connection.cursor() as cursor:
        cursor.execute("SELECT purge_audit_events(now() - interval '190 days', 'dba', '{}')")
        assert cursor.fetchone() == (1,)
    purge = AuditEvent.objects.get(action="purge")
    assert (purge.username, purge.details["rows"]) == ("dba", 1)
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {young.pk, purge.pk}


def test_the_purge_removes_old_events_and_leaves_its_own_event(db: None) -> None:
    now = timezone.now()
    old = [recorded_at(now - days * DAY, action="sign_in") for days in (185, 300, 1000)]
    young = recorded_at(now - 183 * DAY, action="sign_in")
    cutoff = now - 184 * DAY
    removed = trail.purge_events(cutoff=cutoff, username="root", os_user="root", days=184)
    assert removed == 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    purge = AuditEvent.objects.get(action=trail.PURGE)
    assert purge.username == "root"
    assert purge.details["rows"] == 3
    assert purge.details["os_user"] == "root"
    assert datetime.datetime.fromisoformat(purge.details["cutoff"]) == cutoff
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {young.pk, purge.pk}


def test_the_purge_service_refuses_a_cutoff_within_184_days(db: None) -> None:
    event = recorded_at(timezone.now() - 100 * DAY, action="sign_in")
    with pytest.raises(ValueError, match="at least 184 days"):
        trail.purge_events(cutoff=timezone.now() - 100 * DAY, username="root")
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [event.pk]


def test_after_the_purge_the_table_is_closed_again(db: None) -> None:
    recorded_at(timezone.now() - 400 * DAY, action="sign_in")
    trail.purge_events(cutoff=timezone.now() - 200 * DAY, username="root")
    recorded_at(timezone.now() - 400 * DAY, action="sign_in")
    refused_by_database("DELETE FROM shuanglian_auditevent")
    assert AuditEvent.objects.count() == 2


def test_deleting_a_user_keeps_their_name_and_id_on_their_events(db: None) -> None:
    user = make_user("zhang")
    user_id = user.pk
    sign_in = trail.record(user=user, action="sign_in")
    user.delete()
    events = AuditEvent.objects.filter(user_id=user_id)
    assert sign_in in events
    assert {e.username for e in events} == {"zhang"}
    deletion = AuditEvent.objects.get(action="delete", object_type="auth.user")
    assert deletion.object_id == str(user_id)


def test_an_event_written_with_only_a_user_gets_the_users_name(db: None) -> None:
    user = make_user("li")
    assert AuditEvent.objects.create(user=user, action="sign_in").username == "li"


def test_the_purge_command_records_the_operating_system_user_and_count(db: None) -> None:
    recorded_at(timezone.now() - 200 * DAY, action="sign_in")
    call_command("purge_audit_events", "--days", "190")
    purge = AuditEvent.objects.get(action=trail.PURGE)
    assert purge.details["rows"] == 1
    assert purge.details["days"] == 190
    assert purge.details["os_user"] == purge.username != ""


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("999999999", "审计记录至少保留 184 天，最多 36600 天；999999999 不在此范围内。"),
        ("36601", "审计记录至少保留 184 天，最多 36600 天；36601 不在此范围内。"),
        ("183", "审计记录至少保留 184 天，最多 36600 天；183 不在此范围内。"),
        ("0", "审计记录至少保留 184 天，最多 36600 天；0 不在此范围内。"),
        ("-5", "审计记录至少保留 184 天，最多 36600 天；-5 不在此范围内。"),
        ("abc", "'abc' 不是整数天数。"),
        ("1e3", "'1e3' 不是整数天数。"),
        ("", "'' 不是整数天数。"),
    ],
)
def test_the_purge_command_refuses_bad_retention_values_with_a_message(
    db: None, days: str, message: str
) -> None:
    recorded_at(timezone.now() - 400 * DAY, action="sign_in")
    with pytest.raises(CommandError) as parsed:
        call_command("purge_audit_events", "--days", days)
    assert str(parsed.value) == f"Error: argument --days: {message}"
    with pytest.raises(CommandError) as given:
        call_command("purge_audit_events", days=days)
    assert str(given.value) == message
    assert not AuditEvent.objects.filter(action=trail.PURGE).exists()
    assert AuditEvent.objects.count() == 1


def test_the_purge_command_refuses_bad_values_from_the_shell_with_a_non_zero_exit() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "manage.py", "purge_audit_events", "--days", "999999999"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "最多 36600 天；999999999 不在此范围内。" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_whole_database_audit_trail_included() -> None:
    trail.record(action="sign_in", username="zhang")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    refused_after = trail.record(action="sign_in", username="li")
    refused_by_database("DELETE FROM shuanglian_auditevent")
    assert list(AuditEvent.objects.all()) == [refused_after]


def test_an_event_of_a_deleted_user_still_opens_in_the_audit_list(db: None) -> None:
    from django.test import Client
    from django.urls import reverse

    from shuanglian.models import Role, UserScope

    user = make_user("zhang")
    event = trail.record(user=user, action="sign_in")
    user.delete()
    reader = make_user("auditor", is_staff=True)
    UserScope.objects.create(user=reader, role=Role.AUDITOR)
    client = Client()
    client.force_login(reader)
    response = client.get(reverse("admin:shuanglian_auditevent_change", args=[event.pk]))
    assert response.status_code == 200
    assert "zhang" in response.content.decode()
