from django.db import migrations
from django.utils import timezone


def expire_leases_of_stuck_batches(apps, schema_editor):
    # Batches checking or importing before leases existed were left by processes that the
    # upgrade stopped: an expired lease lets them be failed and confirmed again.
    ImportBatch = apps.get_model("villages", "ImportBatch")
    ImportBatch.objects.filter(
        status__in=["checking", "importing"], lease_expires_at__isnull=True
    ).update(lease_expires_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0006_import_batch_worker_lease"),
    ]

    operations = [
        migrations.RunPython(expire_leases_of_stuck_batches, migrations.RunPython.noop),
    ]
