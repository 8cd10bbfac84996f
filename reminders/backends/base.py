"""What every reminder backend offers, and the one named by ``settings.REMINDER_BACKEND``."""

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from reminders.digest import Digest


class ReminderBackendError(Exception):
    """Sending failed; the message says why, in the provider's words where it gave any."""


class NoAddress(ReminderBackendError):
    """The user has nowhere this backend can reach (no e-mail address, no phone): skipped."""


class BaseBackend:
    """Sends one digest to one user, or raises ``ReminderBackendError``.

    ``in_database`` says that sending is a write to this database, so the delivery's status
    can be set in the same transaction: the digest is then delivered exactly once. Backends
    that leave the database (mail, SMS) are at most once: a worker that dies between sending
    and recording leaves the delivery claimed, and it is not sent again.
    """

    in_database = False

    @property
    def name(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}"

    def send(self, *, user: Any, day: datetime.date, digest: "Digest") -> None:
        raise NotImplementedError


def get_backend(path: str | None = None) -> BaseBackend:
    """A new instance of the backend at ``path``, by default ``settings.REMINDER_BACKEND``."""
    return import_string(path or settings.REMINDER_BACKEND)()
