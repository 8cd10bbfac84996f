"""Coordinators who keep work groups find the assessments pages after the upgrade, without a city
coordinator granting each permission by hand (migration assessments 0002); going back takes
them away with the app's tables."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_upgrade_grants_the_assessments_pages_to_whoever_keeps_work_groups() -> None:
    call_command("migrate", "assessments", "0001", verbosity=0)
    try:
        keeps = Permission.objects.get(content_type__app_label="units", codename="change_workgroup")
        coordinators = Group.objects.create(name="乡镇协调员")
        coordinators.permissions.add(keeps)
        readers = Group.objects.create(name="只读")
        liaison = make_user("liaison")
        liaison.user_permissions.add(keeps)
        call_command("migrate", "assessments", verbosity=0)
        granted = {
            "view_assessment",
            "view_checklist",
            "view_rectificationitem",
            "change_checklist",
        }
        coordinators_have = set(coordinators.permissions.values_list("codename", flat=True))
        assert granted <= coordinators_have
        assert granted <= {p.codename for p in liaison.user_permissions.all()}
        assert not readers.permissions.exists()
        call_command("migrate", "assessments", "0001", verbosity=0)
        assert not coordinators.permissions.filter(content_type__app_label="assessments")
        assert list(coordinators.permissions.all()) == [keeps]
    finally:
        call_command("migrate", verbosity=0)
