import re
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import check_writable, named_user, write_file
from common.exports import transferred
from projects import ledger
from projects.models import Allocation
from villages.imports.audit import SYSTEM_ACTOR
from villages.management.commands.import_roster import os_user
from villages.models import area_with_code

AREA_CODE = re.compile(r"[0-9]{12}")


class Command(BaseCommand):
    help = (
        "Write the ledger (台账) of a year's fund pools, allocations, disbursements and projects "
        "to an .xlsx file, for an area (--area) or the whole city, as the user named by --by "
        "(only their rows and area) or, without it, as the system; recorded in the audit trail "
        "with the operating-system user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx file to write")
        parser.add_argument("--year", required=True, metavar="YYYY", help="the year of the ledger")
        parser.add_argument(
            "--area", metavar="CODE", help="12-digit code of a county, township or village"
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help=(
                "act as this user: only what they may see, and only their area; without it the "
                "system takes the ledger of the whole city"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = ledger.check_year(options["year"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        path: Path = options["file"]
        check_writable(path)
        area = self._area(options["area"])
        user = self._acting_user(options["by"])
        try:
            ledger.check_area(user, area)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        data, counts = ledger.ledger_bytes(year=year, area=area, by=user)
        write_file(path, data)
        transferred.send(
            sender=Allocation,
            request=None,
            user=user if user is not None else get_user_model()(username=SYSTEM_ACTOR),
            action="ledger",
            model=Allocation,
            rows=counts.rows,
            details={
                "year": year,
                "area": area.code if area is not None else "",
                "pools": counts.pools,
                "projects": counts.projects,
                "allocations": counts.allocations,
                "disbursements": counts.disbursements,
                "file_name": path.name,
                "os_user": os_user(),
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Ledger of %(year)s for %(area)s written to %(path)s: %(pools)s fund pools, "
                    "%(projects)s projects, %(allocations)s allocations, "
                    "%(disbursements)s disbursements."
                )
                % {
                    "year": year,
                    "area": ledger.area_label(area),
                    "path": path,
                    "pools": counts.pools,
                    "projects": counts.projects,
                    "allocations": counts.allocations,
                    "disbursements": counts.disbursements,
                }
            )
        )

    @staticmethod
    def _area(code: str | None) -> ledger.Area:
        if code is None:
            return None
        code = code.strip()
        found = area_with_code(code) if AREA_CODE.fullmatch(code) else None
        if found is None:
            raise CommandError(
                _("No county, township or village has the code %(code)s.") % {"code": code[:20]}
            )
        return found

    @staticmethod
    def _acting_user(username: str | None) -> Any:
        """The user named by --by, who must be active and allowed to take ledgers."""
        user = named_user(username)
        if user is None:
            return None
        try:
            ledger.check_area(user, None)
        except PermissionDenied:
            raise CommandError(
                _("%(name)s may not take the ledger.") % {"name": username}
            ) from None
        return user
