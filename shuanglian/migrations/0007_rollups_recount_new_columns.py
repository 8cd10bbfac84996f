import datetime

from django.db import migrations

# Any day before the campaign: figures "as of" another day are recounted by the next reader.
LONG_AGO = datetime.date(2000, 1, 1)


def recount_on_next_read(apps, schema_editor):
    """The new columns start at zero: date every village's figures to another day and mark
    every unit, so that the next reader of any figures recounts them all (shuanglian.rollups)."""
    apps.get_model("shuanglian", "VillageFigures").objects.update(as_of=LONG_AGO)
    RollupMark = apps.get_model("shuanglian", "RollupMark")
    units = apps.get_model("units", "Unit").objects.values_list("pk", flat=True)
    RollupMark.objects.bulk_create(
        (RollupMark(kind="u", object_id=pk) for pk in units.iterator()),
        batch_size=5000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shuanglian", "0006_rollups_assigned_households_and_most_per_cadre"),
        ("units", "0005_cadre_password_set"),
    ]

    operations = [
        migrations.RunPython(recount_on_next_read, migrations.RunPython.noop),
    ]
