"""What every projects service checks first: who acts, and whether the object is theirs."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from projects import rules
from projects.models import Project
from units.models import WorkGroup


def check_sees(by: AbstractBaseUser | None, project: Project) -> None:
    """Refuse a step on a project the user may not see."""
    if by is not None and not Project.objects.visible_to(by).filter(pk=project.pk).exists():
        raise PermissionDenied(gettext("This project is outside your area."))


def check_keeps(by: AbstractBaseUser | None, work_group: WorkGroup) -> None:
    """Refuse to add or change what a work group does unless the user keeps it."""
    if by is None:
        return
    visible = WorkGroup.objects.visible_to(by).filter(pk=work_group.pk).exists()
    if not (visible and rules.may_keep(by, work_group)):
        raise PermissionDenied(gettext("This work group is outside your area."))
