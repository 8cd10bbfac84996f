"""Ways the daily digest reaches a user; ``settings.REMINDER_BACKEND`` picks one."""

from reminders.backends.base import (
    BaseBackend,
    NoAddress,
    ReminderBackendError,
    get_backend,
)

__all__ = ["BaseBackend", "NoAddress", "ReminderBackendError", "get_backend"]
