"""Delete audit events older than the retention period (at least 184 days, 等保 2.0)."""

import argparse
import datetime
import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuanglian.audit import trail

# A century: anything longer keeps every event there can be, and much longer overflows dates.
MAXIMUM_DAYS = 36_600


def retention_days(value: str) -> int:
    """``--days``: a whole number of days from the legal minimum to a century."""
    try:
        days = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(value)r is not a whole number of days.") % {"value": value}
        ) from None
    if not trail.MINIMUM_RETENTION_DAYS <= days <= MAXIMUM_DAYS:
        raise argparse.ArgumentTypeError(
            _(
                "Audit events are kept for at least %(minimum)s days and at most %(maximum)s;"
                " %(days)s is outside that."
            )
            % {"minimum": trail.MINIMUM_RETENTION_DAYS, "maximum": MAXIMUM_DAYS, "days": days}
        )
    return days


def os_user() -> str:
    """Who ran the command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class Command(BaseCommand):
    help = (
        "Delete audit events older than --days days (default and minimum 184); "
        "the purge is itself recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=retention_days,
            default=trail.MINIMUM_RETENTION_DAYS,
            help=f"days of events to keep, {trail.MINIMUM_RETENTION_DAYS} to {MAXIMUM_DAYS}",
        )

    def handle(self, *args: Any, days: object, **options: Any) -> None:
        # call_command(days=…) hands the value over without the parser's check.
        try:
            days = retention_days(str(days))
        except argparse.ArgumentTypeError as error:
            raise CommandError(str(error)) from None
        cutoff = timezone.now() - datetime.timedelta(days=days)
        user = os_user()
        removed = trail.purge_events(
            cutoff=cutoff, username=user, os_user=user, days=days, command="purge_audit_events"
        )
        self.stdout.write(
            _("Deleted %(count)s audit events from before %(cutoff)s.")
            % {"count": removed, "cutoff": f"{timezone.localtime(cutoff):%Y-%m-%d %H:%M}"}
        )
