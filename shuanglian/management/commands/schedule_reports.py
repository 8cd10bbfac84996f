import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuanglian.reports.tasks import make_scheduled_reports


class Command(BaseCommand):
    help = (
        "Queue, for the worker (manage.py db_worker), the making of the last complete week's, "
        "month's and quarter's reports of the city, every county and every township that are "
        "not archived yet. Meant for cron, once a day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="the day the reports are made for (by default, today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"]
        if today is not None:
            try:
                datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(
                    _("%(value)s is not a date (YYYY-MM-DD).") % {"value": today[:20]}
                ) from None
        result = make_scheduled_reports.enqueue(today)
        self.stdout.write(
            self.style.SUCCESS(_("Scheduled reports queued as task %(id)s.") % {"id": result.id})
        )
