"""``manage.py send_reminders``: the day's digests, for cron (07:30 every morning)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from reminders.sending import send_digests
from reminders.tasks import send_daily_digests


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Give the day as YYYY-MM-DD, not %(value)s.") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = (
        "Queue the daily reminder digests for the worker (manage.py db_worker), or send them "
        "here with --now. Each user's digest of a day is sent at most once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", metavar="YYYY-MM-DD", help="the day (today by default)")
        parser.add_argument(
            "--now", action="store_true", help="send in this process instead of the worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The day is fixed here, so a worker that starts late still sends the right day's.
        day = parse_day(options["day"]) if options["day"] else timezone.localdate()
        if not options["now"]:
            send_daily_digests.enqueue(day_iso=day.isoformat())
            self.stdout.write(_("Queued the reminders of %(day)s.") % {"day": day.isoformat()})
            return
        counts = send_digests(day=day)
        self.stdout.write(
            _(
                "Reminders of %(day)s: %(sent)d sent, %(skipped)d skipped, %(failed)d failed, "
                "%(taken)d already claimed, %(unfinished)d claimed earlier and not finished."
            )
            % {
                "day": day.isoformat(),
                "sent": counts.sent,
                "skipped": counts.skipped,
                "failed": counts.failed,
                "taken": counts.taken,
                "unfinished": len(counts.unfinished),
            }
        )
