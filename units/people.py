"""Users as the people using the system know them, and the cadre behind a signed-in account."""

from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils.translation import gettext

if TYPE_CHECKING:
    from units.models import Cadre


def person_name(user: Any) -> str:
    """The name of the person behind an account: their cadre's name, else the account's full
    name, else (only then) the username; "" for no user."""
    if user is None:
        return ""
    # The reverse one-to-one raises an AttributeError subclass when no cadre is linked.
    cadre = getattr(user, "cadre", None)
    if cadre is not None and cadre.name:
        return cadre.name
    return user.get_full_name().strip() or user.get_username()


def cadre_of(user: Any) -> "Cadre | None":
    """The cadre record of a signed-in account, with its unit; None for other accounts."""
    from units.models import Cadre  # the models import person_name from here

    if not user.is_authenticated:
        return None
    cadre = Cadre.objects.filter(user=user).select_related("unit").first()
    if cadre is not None:
        # Kept on the account so that ``user.cadre`` (the page header's name) asks no more.
        user.cadre = cadre
    return cadre


def cadre_or_404(user: Any) -> "Cadre":
    """The account's cadre, for pages about one of the cadre's own records: without a cadre
    there is nothing of theirs to show, and "not found" says no more than that."""
    cadre = cadre_of(user)
    if cadre is None:
        raise Http404(gettext("Your account is not linked to a cadre record."))
    return cadre
