"""Roster work that runs on the background worker (``manage.py db_worker``)."""

from django_tasks import task

from villages import importers
from villages.models import ImportBatch


@task()
def check_roster(batch_id: int) -> None:
    importers.check_batch(ImportBatch.objects.get(pk=batch_id))


@task()
def import_roster(batch_id: int) -> None:
    importers.confirm_batch(ImportBatch.objects.get(pk=batch_id))
