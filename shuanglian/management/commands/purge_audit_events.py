"""Delete audit events older than the retention period (at least 184 days, 等保 2.0)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shuanglian.models import AuditEvent

MINIMUM_DAYS = 184


class Command(BaseCommand):
    help = "Delete audit events older than --days days (default and minimum 184)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=MINIMUM_DAYS)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < MINIMUM_DAYS:
            raise CommandError(
                f"Audit events are kept for at least {MINIMUM_DAYS} days; --days {days} is less."
            )
        cutoff = timezone.now() - datetime.timedelta(days=days)
        deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} audit events from before {cutoff:%Y-%m-%d %H:%M}.")
