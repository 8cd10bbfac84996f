"""``{{ user|person }}``: a user by name, as ``units.people.person_name`` names them."""

from typing import Any

from django import template

from units.people import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return person_name(user)
