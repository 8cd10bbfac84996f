from django.db import migrations

# Monitored and destitute households monthly, lifted and subsistence every two months,
# the others quarterly; coordinators change these in admin.
DEFAULTS = {"monitored": 30, "destitute": 30, "lifted": 60, "subsistence": 60, "general": 90}


def add_defaults(apps, schema_editor):
    VisitInterval = apps.get_model("visits", "VisitInterval")
    for category, days in DEFAULTS.items():
        VisitInterval.objects.get_or_create(category=category, defaults={"days": days})


def remove_defaults(apps, schema_editor):
    VisitInterval = apps.get_model("visits", "VisitInterval")
    VisitInterval.objects.filter(category__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_visit_outcome_need_escalation_notes_intervals")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
