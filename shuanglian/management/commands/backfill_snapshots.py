"""Write the trends' history for the days before the first snapshot, from the dated records.

    python manage.py backfill_snapshots --since 2026-06-01 [--until 2026-12-04]

``--until`` defaults to yesterday. Days that have a snapshot are left as they are; what the
dated records cannot tell of a past day is left empty (``snapshots.backfill``).
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuanglian.figures import snapshots


def parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("The date “%(date)s” is not valid: write it as YYYY-MM-DD.") % {"date": text}
        ) from None


class Command(BaseCommand):
    help = "Back-fill every area's daily figures from the dated visits and needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: yesterday).")

    def handle(self, *args: Any, since: str, until: str | None, **options: Any) -> None:
        first = parse_day(since)
        last = (
            parse_day(until)
            if until is not None
            else timezone.localdate() - datetime.timedelta(days=1)
        )
        if first > last:
            raise CommandError(_("The first day cannot be after the last day."))
        written = snapshots.backfill(since=first, until=last)
        self.stdout.write(
            _("%(rows)d snapshot rows written for %(first)s to %(last)s.")
            % {"rows": written, "first": first, "last": last}
        )
