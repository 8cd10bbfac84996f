"""A batch whose process died mid-way is marked failed, says why, and may be confirmed again."""

import datetime
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.factories import make_import_batch, make_village, unique_resident_id
from villages import tasks
from villages.imports import batches, leases
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

IMPORT_STOPPED = (
    "导入中断：执行导入的后台进程已停止响应（可能已重启），没有写入任何数据。请再次确认导入。"
)
CHECK_STOPPED = "检查中断：检查文件的后台进程已停止响应（可能已重启）。请重新上传文件。"
ALREADY_CONFIRMED = "此次导入已确认，或当前状态无法确认。"


def left_by_a_killed_worker(batch: ImportBatch, status: str) -> DBTaskResult:
    """The batch and its task as a worker killed in the middle leaves them."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    now = timezone.now()
    task = "import_roster" if status == ImportBatch.Status.IMPORTING else "check_roster"
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=f"villages.tasks.{task}",
        backend_name="default",
        run_after=now,
        started_at=now,
        worker_ids=["killed-worker"],
        exception_class_path="",
        traceback="",
    )


def batch_page(client: Client, batch: ImportBatch) -> str:
    return client.get(reverse("admin:villages_importbatch_change", args=[batch.pk])).text


def test_a_dead_import_is_failed_on_its_page_and_confirmed_again(
    superuser_client: Client,
) -> None:
    batch = make_import_batch()
    task = left_by_a_killed_worker(batch, ImportBatch.Status.IMPORTING)

    page = batch_page(superuser_client, batch)

    batch.refresh_from_db()
    assert (batch.status, batch.interrupted, batch.message) == ("failed", True, IMPORT_STOPPED)
    assert IMPORT_STOPPED in page
    assert 'id="roster-confirm"' in page
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "villages.imports.leases.WorkerLost"

    superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))

    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.message, batch.interrupted) == (
        "done",
        1,
        "",
        False,
    )
    assert Household.objects.filter(head_name="王建国").count() == 1


def test_the_progress_endpoint_finds_a_dead_import_too(superuser_client: Client) -> None:
    batch = make_import_batch()
    left_by_a_killed_worker(batch, ImportBatch.Status.IMPORTING)

    progress = superuser_client.get(
        reverse("admin:villages_importbatch_progress", args=[batch.pk])
    ).json()

    assert (progress["status"], progress["finished"]) == ("failed", True)


def test_the_import_list_shows_a_dead_import_as_failed(superuser_client: Client) -> None:
    batch = make_import_batch()
    left_by_a_killed_worker(batch, ImportBatch.Status.IMPORTING)

    listing = superuser_client.get(reverse("admin:villages_importbatch_changelist"))

    batch.refresh_from_db()
    assert batch.status == "failed"
    assert [row.status for row in listing.context["cl"].result_list] == ["failed"]


def test_a_starting_worker_fails_the_batches_of_a_dead_one() -> None:
    dead = make_import_batch()
    left_by_a_killed_worker(dead, ImportBatch.Status.IMPORTING)
    queued = batches.create_batch(
        data=f"户主姓名,身份证号码\n李秀英,{unique_resident_id()}\n".encode(),
        file_name="花名册.csv",
        scope=make_village(),
    )

    tasks.check_roster.call(queued.pk)

    dead.refresh_from_db()
    assert (dead.status, dead.interrupted) == ("failed", True)


def test_a_dead_check_is_failed_and_asks_for_the_file_again(superuser_client: Client) -> None:
    batch = make_import_batch()
    left_by_a_killed_worker(batch, ImportBatch.Status.CHECKING)

    page = batch_page(superuser_client, batch)

    batch.refresh_from_db()
    assert (batch.status, batch.interrupted, batch.message) == ("failed", False, CHECK_STOPPED)
    assert CHECK_STOPPED in page
    assert 'id="roster-confirm"' not in page
    assert not batches.claim_for_import(batch)


def test_an_import_whose_lease_runs_is_left_alone_and_cannot_be_confirmed_twice(
    superuser_client: Client,
) -> None:
    batch = make_import_batch()
    assert batches.claim_for_import(batch)

    response = superuser_client.post(
        reverse("admin:villages_importbatch_confirm", args=[batch.pk]), follow=True
    )

    batch.refresh_from_db()
    assert batch.status == "importing"
    assert batch.lease_expires_at > timezone.now()
    assert ALREADY_CONFIRMED in response.text


def test_of_two_confirms_of_a_dead_import_only_one_claims_it() -> None:
    batch = make_import_batch()
    left_by_a_killed_worker(batch, ImportBatch.Status.IMPORTING)
    assert leases.fail_dead_batches() == 1
    first, second = ImportBatch.objects.get(pk=batch.pk), ImportBatch.objects.get(pk=batch.pk)

    assert [batches.claim_for_import(first), batches.claim_for_import(second)] == [True, False]


def test_checking_takes_a_lease_from_the_setting_and_progress_renews_it(settings: object) -> None:
    settings.IMPORT_LEASE_SECONDS = 120
    batch = batches.create_batch(
        data=f"户主姓名,身份证号码\n李秀英,{unique_resident_id()}\n".encode(),
        file_name="花名册.csv",
        scope=make_village(),
    )
    batches._set_status(batch, ImportBatch.Status.CHECKING)
    batch.refresh_from_db()
    expected = timezone.now() + datetime.timedelta(seconds=120)
    assert abs((batch.lease_expires_at - expected).total_seconds()) < 5

    ImportBatch.objects.filter(pk=batch.pk).update(lease_expires_at=timezone.now())
    batches._progress_saver(batch)(2000)

    batch.refresh_from_db()
    assert batch.rows_done == 2000
    assert batch.lease_expires_at > timezone.now() + datetime.timedelta(seconds=100)


def test_a_finished_import_holds_no_lease() -> None:
    batch = make_import_batch()

    batches.confirm_batch(batch)

    batch.refresh_from_db()
    assert (batch.status, batch.lease_expires_at) == ("done", None)


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the lease is renewed beside a transaction"
)


@postgresql
@pytest.mark.django_db(transaction=True)
def test_a_live_import_renews_its_lease_from_inside_its_transaction(settings: object) -> None:
    settings.IMPORT_LEASE_SECONDS = 60
    batch = make_import_batch()
    assert batches.claim_for_import(batch)
    ran_out = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(lease_expires_at=ran_out)
    renew = leases.renewer(batch.pk)

    with transaction.atomic():
        time.sleep(0.01)
        settings.IMPORT_LEASE_SECONDS = 0.04  # renewals at most every 8 ms
        renew()
        settings.IMPORT_LEASE_SECONDS = 60
        # Seen by another connection while the transaction is still open.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT lease_expires_at FROM villages_importbatch WHERE id = %s", [batch.pk]
                )
                (lease,) = cursor.fetchone()
        finally:
            other.close()

    # Compared with when the lease ran out, not with the clock: a loaded machine may take
    # longer than the short lease to open the second connection.
    assert lease >= ran_out + datetime.timedelta(seconds=0.05)


KILLED_WORKER = """
import sys, time
import django
django.setup()
from villages.imports import batches, framework
from villages.models import ImportBatch

importer = framework.importer_for("roster")
write = importer.write

def slow_write(batch, classified, *, progress=None):
    write(batch, classified, progress=progress)
    print("written, not committed", flush=True)
    time.sleep(60)

importer.write = slow_write
batches.confirm_batch(ImportBatch.objects.get(pk=int(sys.argv[1])))
"""


@postgresql
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_writing_leaves_nothing_and_the_import_can_be_confirmed_again(
    settings: object,
) -> None:
    batch = make_import_batch()
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "IMPORT_LEASE_SECONDS": "1",
        "DEBUG": "true",
    }
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", KILLED_WORKER, str(batch.pk)],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "written, not committed"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    batch.refresh_from_db()
    assert batch.status == "importing"
    assert Household.objects.filter(head_name="王建国").count() == 0
    time.sleep(1.5)

    assert leases.fail_dead_batches() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.interrupted, batch.message) == ("failed", True, IMPORT_STOPPED)

    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("done", 1)
    assert Household.objects.filter(head_name="王建国").count() == 1


def test_batches_stuck_before_leases_existed_get_an_expired_lease_on_upgrade() -> None:
    migration = importlib.import_module(
        "villages.migrations.0007_import_batch_lease_for_stuck_batches"
    )
    stuck = make_import_batch()
    ImportBatch.objects.filter(pk=stuck.pk).update(status="importing", lease_expires_at=None)

    migration.expire_leases_of_stuck_batches(apps, None)

    assert leases.fail_dead_batches() == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.interrupted) == ("failed", True)


def test_a_dead_background_import_confirmed_again_goes_to_the_worker_again(
    superuser_client: Client, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.ROSTER_BACKGROUND_BYTES = 0
    batch = make_import_batch()
    left_by_a_killed_worker(batch, ImportBatch.Status.IMPORTING)
    batch_page(superuser_client, batch)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        superuser_client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))

    # The worker (run at once in tests) took the new task.
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("done", 1)
