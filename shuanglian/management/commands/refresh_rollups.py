"""Recount the dashboards' figures: what changed, and the counts that depend on the date.

Run just after midnight (cron), so the first dashboard of the day need not recount the visits
of the last 30 and 90 days itself; ``--rebuild`` recounts everything from the raw tables.

Before that it writes the snapshot of the day that just ended (``AreaSnapshot``, the trends'
history): every area's figures as of yesterday, the day it is labelled with. ``--no-snapshot``
leaves it out, e.g. for a recount during the day.

It also deletes the visits' locations older than ``VISIT_LOCATION_RETENTION_DAYS``.
"""

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shuanglian.figures import rollups, snapshots
from visitflags.detection import flag_visits
from visits import locations


class Command(BaseCommand):
    help = (
        "Write yesterday's snapshot of every area's figures, then bring the dashboards' "
        "per-village and per-unit figures up to date (--rebuild: all)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Recount every village and unit."
        )
        parser.add_argument(
            "--no-snapshot",
            action="store_false",
            dest="snapshot",
            help="Do not write yesterday's snapshot.",
        )

    def handle(self, *args: Any, rebuild: bool, snapshot: bool, **options: Any) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        if rebuild:
            rollups.rebuild(today)
        if snapshot:
            yesterday = today - datetime.timedelta(days=1)
            written = snapshots.take(day=yesterday)
            self.stdout.write(f"Snapshot of {yesterday}: {written} areas.")
        rollups.bring_up_to_date(today)
        # The nightly run also keeps the promise made to cadres about their visits' locations.
        purged = locations.purge_expired()
        self.stdout.write(f"Visit locations past their retention deleted: {purged}.")
        # The last two days' visits and days away, so a run missed one night loses nothing.
        since = None if rebuild else timezone.now() - datetime.timedelta(days=2)
        flagged = flag_visits(since)
        self.stdout.write(f"Visits flagged for review: {sum(flagged.values())} new.")
        self.stdout.write(f"Figures up to date in {time.monotonic() - started:.1f} s.")
