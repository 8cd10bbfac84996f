import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import named_user
from satisfaction.draw import draw_sample
from satisfaction.management.commands._round_command import (
    add_round_arguments,
    the_round,
)
from satisfaction.models import Sample


class Command(BaseCommand):
    help = (
        "Draw (or draw again) the sample and reserve of a survey round being prepared, with the "
        "given seed or a random one; recorded in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_round_arguments(parser)
        parser.add_argument("--seed", type=int, help="draw with this seed (to repeat a draw)")

    def handle(self, *args: Any, **options: Any) -> None:
        round = the_round(options["round"])
        user = named_user(options["by"])
        started = time.perf_counter()
        try:
            round = draw_sample(round=round, by=user, seed=options["seed"])
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(error.messages) if hasattr(error, "messages") else str(error)
            raise CommandError(message) from None
        samples = Sample.objects.filter(round=round)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Drawn with seed %(seed)s in %(seconds).1f s: %(sample)s households in the "
                    "sample, %(reserve)s in reserve."
                )
                % {
                    "seed": round.seed,
                    "seconds": time.perf_counter() - started,
                    "sample": samples.filter(status=Sample.Status.PENDING).count(),
                    "reserve": samples.filter(status=Sample.Status.RESERVE).count(),
                }
            )
        )
