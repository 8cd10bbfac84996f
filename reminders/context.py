"""The signed-in user's unread notifications, for the link to them in the page headers."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reminders.inbox import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: counted only when a page shows it."""
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: unread_count(user=getattr(request, "user", None))
        )
    }
