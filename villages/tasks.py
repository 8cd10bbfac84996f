"""Import work that runs on the background worker (``manage.py db_worker``).

The names date from when rosters were the only kind; each batch's kind picks its importer.
Queued tasks are stored by their dotted path (``villages.tasks.check_roster``), so the names
and this module stay where they are.
"""

from django_tasks import task

from villages.imports import batches, leases
from villages.models import ImportBatch


@task()
def check_roster(batch_id: int) -> None:
    # A worker that starts may be the one restarted after another died mid-batch.
    leases.fail_dead_batches()
    batches.check_batch(ImportBatch.objects.get(pk=batch_id))


@task()
def import_roster(batch_id: int) -> None:
    leases.fail_dead_batches()
    batches.confirm_batch(ImportBatch.objects.get(pk=batch_id))
