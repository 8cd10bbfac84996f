from django.contrib.auth.management import create_permissions
from django.db import migrations

# Whoever may keep work groups works on the assessments of their villages (what each may do
# there is the role's: access.rules and assessments.rules).
KEEPS_WORK_GROUPS = ("units", "change_workgroup")


def grant(apps, schema_editor):
    """Give the assessments app's permissions to the groups and accounts that keep work groups,
    so that coordinators find the new pages without a city coordinator granting them one by
    one. Permissions are made after migrations; they are made here first."""
    app_config = apps.get_app_config("assessments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    keeps = Permission.objects.filter(
        content_type__app_label=KEEPS_WORK_GROUPS[0], codename=KEEPS_WORK_GROUPS[1]
    )
    granted = list(Permission.objects.filter(content_type__app_label="assessments"))
    for group in Group.objects.filter(permissions__in=keeps).distinct():
        group.permissions.add(*granted)
    for user in User.objects.filter(user_permissions__in=keeps).distinct():
        user.user_permissions.add(*granted)


def take_back(apps, schema_editor):
    """Backwards the permissions go with the app's tables."""
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="assessments").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_checklists_assessments_rectification"),
        ("units", "0008_cadre_left_service_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, take_back)]
