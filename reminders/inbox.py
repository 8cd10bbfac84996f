"""What a user reads of their reminders: their notifications, and whether the digest is muted."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils import timezone

from reminders.models import Notification, ReminderPreference

# Notifications on one page of /me/reminders/, newest first.
PAGE_SIZE = 20


def unread_count(*, user: Any) -> int:
    """How many of the user's notifications are unread; 0 for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.unread().filter(user=user).order_by().count()


def is_muted(*, user: Any) -> bool:
    """Whether the user has muted the daily reminders; a user without a choice gets them."""
    return ReminderPreference.objects.filter(user=user, muted=True).exists()


@transaction.atomic
def set_muted(*, user: Any, muted: bool) -> ReminderPreference:
    """Mute or unmute the user's daily reminders."""
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    if preference.muted != muted:
        preference.muted = muted
        preference.save(update_fields=["muted", "changed_at"])
    return preference


def notifications_page(*, user: Any, number: str | int | None) -> tuple[Page, list[int]]:
    """One page of the user's own notifications, newest first, and the keys of those on it
    that were unread; those are marked read now, as they are shown. A page number out of range
    or malformed gives the last or the first page."""
    notifications = Notification.objects.filter(user=user).order_by("-created_at", "-pk")
    page = Paginator(notifications, PAGE_SIZE).get_page(number)
    unread = [item.pk for item in page.object_list if item.read_at is None]
    if unread:
        Notification.objects.filter(user=user, pk__in=unread).update(read_at=timezone.now())
    return page, unread
