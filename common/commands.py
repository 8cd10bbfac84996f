"""What the management commands share: the user named by --by, and the file they write."""

import os
from pathlib import Path
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


def check_writable(path: Path) -> None:
    """Refuse a file that cannot be written, before the work of filling it is done."""
    if path.is_dir():
        raise CommandError(_("%(path)s is a folder: name a file.") % {"path": path})
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(_("No such folder: %(path)s") % {"path": folder})
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise CommandError(_("%(path)s cannot be written.") % {"path": path})


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``, a failure told as the command's error."""
    try:
        path.write_bytes(content)
    except OSError as error:
        raise CommandError(
            _("%(path)s cannot be written: %(reason)s")
            % {"path": path, "reason": error.strerror or error}
        ) from None
