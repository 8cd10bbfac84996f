"""Users as the people using the system know them."""

from typing import Any


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
