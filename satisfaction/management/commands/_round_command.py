"""What the round commands share: the round named by --round and the user named by --by."""

from typing import Any

from django.contrib.auth import get_user_model
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


def acting_user(username: str | None) -> Any:
    if username is None:
        return None
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(_("No active user is called %(name)s.") % {"name": username})
    return user
