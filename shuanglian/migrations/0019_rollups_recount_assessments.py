import datetime

from django.db import migrations

# Any day before the campaign: figures "as of" another day are recounted by the next reader.
LONG_AGO = datetime.date(2000, 1, 1)


def recount_on_next_read(apps, schema_editor):
    """The assessment columns start empty: date every village's figures to another day, so that
    the next reader recounts them all (shuanglian.figures.rollups)."""
    apps.get_model("shuanglian", "VillageFigures").objects.update(as_of=LONG_AGO)


class Migration(migrations.Migration):
    dependencies = [("shuanglian", "0018_rollup_triggers_assessments")]

    # Backwards the columns go; the figures left are recounted by the next day's first reader.
    operations = [migrations.RunPython(recount_on_next_read, migrations.RunPython.noop)]
