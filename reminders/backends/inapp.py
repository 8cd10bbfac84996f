"""The digest as a notification in the application (the default backend)."""

import datetime
from typing import TYPE_CHECKING, Any

from reminders.backends.base import BaseBackend
from reminders.models import Notification

if TYPE_CHECKING:
    from reminders.digest import Digest


class InAppBackend(BaseBackend):
    in_database = True

    def send(self, *, user: Any, day: datetime.date, digest: "Digest") -> None:
        Notification.objects.create(
            user=user, day=day, subject=digest.subject[:200], body=digest.body
        )
