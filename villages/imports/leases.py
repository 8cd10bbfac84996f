"""Leases on import batches: telling a batch whose process died from one still at work.

The process checking or importing a batch (the background worker, or the web process for a
small file) holds a lease on it and renews it as rows go by. A batch still checking or
importing after its lease ran out lost its process (killed, or the machine restarted): the
rows it was writing went in one transaction, which died with it, so nothing was written. Such
a batch is marked failed, with a reason the coordinator can read, and may be confirmed again.

The leases are looked at where someone waits for the batch (its page, its progress) and
whenever the worker starts a task.
"""

import datetime
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from villages.models import ImportBatch

DEFAULT_LEASE_SECONDS = 300
WORKING = (ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING)
TASK_PATHS = ("villages.tasks.check_roster", "villages.tasks.import_roster")


class WorkerLost(Exception):
    """Recorded on the task of a batch whose process died."""


def lease_seconds() -> int:
    return getattr(settings, "IMPORT_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)


def lease_from_now() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=lease_seconds())


def renewer(batch_pk: int) -> Callable[[], None]:
    """A function that renews the batch's lease, at most every fifth of its length.

    Inside a transaction (an import's rows are written in one) an update of the batch would
    stay invisible until the end, so on PostgreSQL the lease is renewed on a connection of
    its own. SQLite allows one writer at a time: there the lease must cover a whole write.
    """
    renewed_at = time.monotonic()

    def renew() -> None:
        nonlocal renewed_at
        now = time.monotonic()
        if now - renewed_at < lease_seconds() / 5:
            return
        renewed_at = now
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=batch_pk, status__in=WORKING).update(
                lease_expires_at=lease_from_now()
            )
        elif connection.vendor == "postgresql":
            _renew_on_own_connection(batch_pk)

    return renew


def _renew_on_own_connection(batch_pk: int) -> None:
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    table = own.ops.quote_name(ImportBatch._meta.db_table)
    try:
        with own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET lease_expires_at = %s "  # noqa: S608
                "WHERE id = %s AND status IN (%s, %s)",
                [lease_from_now(), batch_pk, *WORKING],
            )
    finally:
        own.close()


def fail_if_dead(batch: ImportBatch) -> ImportBatch:
    """The batch, marked failed first if its process died."""
    if (
        batch.status in WORKING
        and batch.lease_expires_at is not None
        and batch.lease_expires_at < timezone.now()
        and _mark_dead(batch)
    ):
        batch.refresh_from_db()
    return batch


def fail_dead_batches() -> int:
    """Mark failed every batch whose process died; how many there were."""
    dead = ImportBatch.objects.filter(status__in=WORKING, lease_expires_at__lt=timezone.now())
    return sum(_mark_dead(batch) for batch in dead)


def _mark_dead(batch: ImportBatch) -> bool:
    importing = batch.status == ImportBatch.Status.IMPORTING
    message = (
        _(
            "The import stopped: the process writing it stopped responding (it was probably "
            "restarted). Nothing was written. Confirm the import again."
        )
        if importing
        else _(
            "The check stopped: the process checking the file stopped responding (it was "
            "probably restarted). Upload the file again."
        )
    )
    now = timezone.now()
    # Only if nothing renewed the lease or finished the batch since it was read.
    marked = ImportBatch.objects.filter(
        pk=batch.pk, status=batch.status, lease_expires_at=batch.lease_expires_at
    ).update(
        status=ImportBatch.Status.FAILED,
        interrupted=importing,
        message=message,
        finished_at=now,
        lease_expires_at=None,
    )
    if marked:
        _fail_task_results(batch.pk, now)
    return bool(marked)


def _fail_task_results(batch_pk: int, now: datetime.datetime) -> None:
    """The dead process's task stays "running" in the task list; say it failed instead."""
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path__in=TASK_PATHS
    ).only("pk", "args_kwargs")
    lost = [result.pk for result in running if result.args_kwargs.get("args") == [batch_pk]]
    DBTaskResult.objects.filter(pk__in=lost).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=f"{WorkerLost.__qualname__}: the process running the task stopped.",
    )
