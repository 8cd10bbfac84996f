"""List columns of amounts, written as people read money: 12,345.60."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin

from projects.money import yuan


def money_column(attribute: str, description: Any, ordering: str | None = None) -> Callable:
    """A list column showing ``obj.<attribute>`` in yuan with thousands grouped."""

    @admin.display(description=description, ordering=ordering or attribute)
    def column(obj: Any) -> str:
        return yuan(getattr(obj, attribute))

    column.__name__ = f"{attribute}_yuan"
    return column
