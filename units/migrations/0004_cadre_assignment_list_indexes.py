from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_cadre_must_change_password_village_survey"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="cadre",
            index=models.Index(
                fields=["name"], name="cadre_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="householdassignment",
            index=models.Index(fields=["started_on", "id"], name="assignment_started"),
        ),
        migrations.AddIndex(
            model_name="householdassignment",
            index=models.Index(
                condition=models.Q(("ended_on__isnull", False)),
                fields=["started_on", "id"],
                name="assignment_ended_started",
            ),
        ),
    ]
