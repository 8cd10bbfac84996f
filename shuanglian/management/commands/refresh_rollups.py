"""Recount the dashboards' figures: what changed, and the counts that depend on the date.

Run just after midnight (cron), so the first dashboard of the day need not recount the visits
of the last 30 and 90 days itself; ``--rebuild`` recounts everything from the raw tables.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shuanglian.figures import rollups


class Command(BaseCommand):
    help = "Bring the dashboards' per-village and per-unit figures up to date (--rebuild: all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Recount every village and unit."
        )

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        started = time.monotonic()
        if rebuild:
            rollups.rebuild()
        else:
            rollups.bring_up_to_date()
        self.stdout.write(f"Figures up to date in {time.monotonic() - started:.1f} s.")
