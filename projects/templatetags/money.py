"""Amounts in templates: 12,345.60, as ``projects.money.yuan`` writes them.

Cheaper than ``floatformat:"2g"``, which looks the locale's separators up for every number; a
dashboard shows hundreds of amounts, and both of its languages group digits the same way.
"""

from decimal import Decimal

from django import template

from projects.money import yuan as written_in_yuan

register = template.Library()


@register.filter
def yuan(value: Decimal | int | None) -> str:
    """``value`` with thousands grouped and two decimal places; "" for None."""
    return "" if value is None else written_in_yuan(value)
