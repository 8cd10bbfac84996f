import datetime
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from devdata.city import (
    DEFAULT_COORDINATOR,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    CityDataError,
    add_shuangchuang,
    generate_city,
)
from shuanglian.figures import snapshots


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic city of the real shape of Heze: areas, "
        "households, units, cadres with sign-in accounts, work groups, assignments, visits, "
        "needs, fund pools, projects with their allocations and payments, and activities."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 is the whole city (2.7M households)."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="The password of every generated account.",
        )
        parser.add_argument(
            "--coordinator",
            default=DEFAULT_COORDINATOR,
            help="User name of the city coordinator's account.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Empty the campaign tables first (households, units, cadres, areas, visits, "
                "projects, funds, …)."
            ),
        )
        parser.add_argument(
            "--shuangchuang-only",
            action="store_true",
            help=(
                "Add only the 双创 data (assessments, rectification, survey rounds and their "
                "results, ranking weights) to a city generated before, replacing what an "
                "earlier run of this option wrote."
            ),
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=0,
            help=(
                "Back-fill the trends' history of this many days before today from the "
                "generated visits and needs, and take today's snapshot (under half a second a day "
                "for the whole city)."
            ),
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation before --replace empties the tables.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["shuangchuang_only"]:
            started = time.monotonic()
            add_shuangchuang(seed=options["seed"], report=self._progress)
            self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
            return
        if options["replace"] and options["interactive"]:
            answer = input(
                "This deletes every area, household, unit, cadre, work group, assignment, visit, "
                "need, fund pool, project and activity in the database, the cadres' sign-in "
                "accounts, and the county, "
                "township and unit roles of coordinators and liaisons.\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Cancelled; nothing was changed.")
        try:
            outcome = generate_city(
                scale=options["scale"],
                seed=options["seed"],
                password=options["password"],
                coordinator=options["coordinator"],
                replace=options["replace"],
                report=self._progress,
            )
        except CityDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Done in {outcome.seconds:.1f} s."))
        if options["history_days"] > 0:
            self._history(options["history_days"])
        if outcome.over_capacity:
            self.stdout.write(
                self.style.WARNING(
                    f"{outcome.over_capacity:,} households have no cadre: every cadre of their "
                    f"unit already links ASSIGNMENT_MAX_PER_CADRE "
                    f"({settings.ASSIGNMENT_MAX_PER_CADRE}) households. The real campaign's "
                    "shape (150,000 cadres, 95% of 2.7M households) needs 20."
                )
            )
        self.stdout.write(
            f"City coordinator: {outcome.coordinator}  password: {outcome.password}\n"
            f"Cadres: {outcome.first_cadre}, … (one account per cadre)  "
            f"password: {outcome.password}"
        )

    def _history(self, days: int) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        rows = snapshots.backfill(
            since=today - datetime.timedelta(days=days), until=today - datetime.timedelta(days=1)
        )
        rows += snapshots.take(day=today)
        self._progress("trends' history (snapshots)", rows, time.monotonic() - started)

    def _progress(self, what: str, rows: int | None, seconds: float) -> None:
        count = f"{rows:>12,} rows" if rows is not None else " " * 17
        self.stdout.write(f"  {what:<40}{count} {seconds:8.1f} s")
