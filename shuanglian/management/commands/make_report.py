from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import check_writable, named_user, write_file
from shuanglian.reports import handing
from shuanglian.reports.periods import Period
from villages.management.commands.import_roster import os_user


class Command(BaseCommand):
    help = (
        "Write the periodic report (周报、月报、季报) of the city, a county or a township for a "
        "week (2026-W47), a month (2026-11) or a quarter (2026-Q4) to an .xlsx or PDF file, as "
        "the user named by --by (only their area) or, without it, as the system; recorded in "
        "the audit trail with the operating-system user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the file to write")
        parser.add_argument(
            "--area",
            required=True,
            metavar="CODE",
            help="12-digit code of the city, a county or a township",
        )
        parser.add_argument(
            "--period", required=True, metavar="PERIOD", help="2026-11, 2026-W47 or 2026-Q4"
        )
        parser.add_argument("--format", required=True, choices=handing.FORMATS, help="xlsx or pdf")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help=(
                "act as this user: only the areas they may see; without it the system, which "
                "may take every area's report"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        path: Path = options["file"]
        check_writable(path)
        user = named_user(options["by"])
        try:
            area, report = handing.make_for(
                user=user, area_code=options["area"], period=period, fmt=options["format"]
            )
        except (PermissionDenied, ValueError) as error:
            raise CommandError(str(error)) from None
        write_file(path, report.content)
        handing.record_handed_out(
            user=user,
            request=None,
            area=area,
            period=report.period.code,
            fmt=options["format"],
            source="command",
            file_name=report.filename,
            path=str(path),
            os_user=os_user(),
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("%(name)s written to %(path)s.") % {"name": report.filename, "path": path}
            )
        )
