from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_default_visit_intervals"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["visited_on", "id"], name="visit_date"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["outcome", "visited_on", "id"], name="visit_outcome_date"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["satisfaction", "visited_on", "id"], name="visit_satisfaction_date"
            ),
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(fields=["raised_on", "id"], name="need_raised"),
        ),
    ]
