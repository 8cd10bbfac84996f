from django.db import migrations


def roll_up_again(apps, schema_editor):
    """Closed rounds rolled up before the township figures existed are rolled up again, with
    them, by their next reader (shuanglian.figures.survey_stats.closed_rounds)."""
    apps.get_model("shuanglian", "SurveyRoundRollup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("shuanglian", "0020_survey_township_figures")]

    operations = [migrations.RunPython(roll_up_again, migrations.RunPython.noop)]
