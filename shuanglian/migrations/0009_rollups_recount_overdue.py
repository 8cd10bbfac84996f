import datetime

from django.db import migrations

# Any day before the campaign: figures "as of" another day are recounted by the next reader.
LONG_AGO = datetime.date(2000, 1, 1)


def recount_on_next_read(apps, schema_editor):
    """Overdue now also counts needs escalated past their deadline: date every village's
    figures to another day, so that the next reader recounts them with that meaning, as the
    first reader of each day does anyway (shuanglian.figures.rollups)."""
    apps.get_model("shuanglian", "VillageFigures").objects.update(as_of=LONG_AGO)


class Migration(migrations.Migration):
    dependencies = [("shuanglian", "0008_records_follow_household_village")]

    # Backwards there is nothing to undo: figures counted with either meaning are recounted
    # with the code's meaning by the next day's first reader.
    operations = [migrations.RunPython(recount_on_next_read, migrations.RunPython.noop)]
