from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import named_user
from villages.geography_load import (
    GeographyFileError,
    load_geography,
    parse_code_table,
    report_lines,
)


class Command(BaseCommand):
    help = (
        "Load counties, townships, villages and communities with their codes and urban-rural "
        "kind from the statistical code table (CSV, .xlsx or .xls). Prints what would change; "
        "--confirm keeps it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            required=True,
            help="act as this coordinator: only their area is changed",
        )
        parser.add_argument("--confirm", action="store_true", help="keep the changes")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        user = named_user(options["user"])
        try:
            rows = parse_code_table(path.read_bytes(), filename=path.name)
            report = load_geography(
                user=user, rows=rows, confirm=options["confirm"], file_name=path.name
            )
        except GeographyFileError as error:
            raise CommandError("\n".join(error.messages)) from None
        for line in report_lines(report):
            self.stdout.write(line)
        if report.applied:
            self.stdout.write(_("The geography is loaded."))
        elif report.rejected:
            raise CommandError(_("Nothing was loaded: fix the rejected rows and load again."))
        else:
            self.stdout.write(_("Nothing was changed yet: run again with --confirm to load."))
