"""What the round commands share: the round named by --round and the user named by --by."""

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from satisfaction.models import Round


def add_round_arguments(parser: CommandParser) -> None:
    parser.add_argument("--round", type=int, required=True, metavar="ID", help="the round's ID")
    parser.add_argument(
        "--by",
        metavar="USERNAME",
        help="act as this user (only a round of their area); without it, as the system",
    )


def the_round(pk: int) -> Round:
    round = Round.objects.filter(pk=pk).first()
    if round is None:
        raise CommandError(_("No survey round has the ID %(id)s.") % {"id": pk})
    return round
