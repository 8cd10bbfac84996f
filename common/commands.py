"""What the management commands that act for a user share: the user named by --by."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def named_user(username: str | None) -> Any:
    """The active user called ``username``; None (the system) without a name."""
    if username is None:
        return None
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(_("No active user is called %(name)s.") % {"name": username})
    return user
