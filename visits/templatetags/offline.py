from typing import Any

from django import template

from visits.offline import user_key

register = template.Library()


@register.filter
def offline_key(user: Any) -> str:
    """The key the phone keeps the signed-in cadre's pages and records under."""
    return user_key(user)
