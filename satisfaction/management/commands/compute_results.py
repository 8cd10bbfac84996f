from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import named_user
from satisfaction.management.commands._round_command import (
    add_round_arguments,
    the_round,
)
from satisfaction.results import compute_results


class Command(BaseCommand):
    help = "Count a survey round's answers per village and question afresh (VillageResult)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_round_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        round = the_round(options["round"])
        try:
            rows = compute_results(round=round, by=named_user(options["by"]))
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(_("%(rows)s village results written.") % {"rows": rows})
        )
