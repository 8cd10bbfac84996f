"""Reminder work that runs on the background worker (``manage.py db_worker``)."""

import dataclasses
import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from reminders.sending import send_digests


@task()
def send_daily_digests(day_iso: str | None = None) -> dict[str, Any]:
    """Send the digests of ``day_iso`` (today by default) through the configured backend."""
    day = datetime.date.fromisoformat(day_iso) if day_iso else timezone.localdate()
    return dataclasses.asdict(send_digests(day=day))
