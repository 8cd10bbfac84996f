import datetime

from django.db import migrations

# Any day before the campaign: figures "as of" another day are recounted by the next reader.
LONG_AGO = datetime.date(2000, 1, 1)


def recount_on_next_read(apps, schema_editor):
    """The work groups' and funds' figures start empty: date every village's figures to another
    day, so that the next reader recounts them all, these with them (shuanglian.figures.rollups)."""
    apps.get_model("shuanglian", "VillageFigures").objects.update(as_of=LONG_AGO)


class Migration(migrations.Migration):
    dependencies = [("shuanglian", "0011_rollup_triggers_projects")]

    # Backwards the new tables go; the figures left are recounted by the next day's first reader.
    operations = [migrations.RunPython(recount_on_next_read, migrations.RunPython.noop)]
