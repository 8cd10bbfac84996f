"""Choices of cadres in admin forms."""

from typing import Any

from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest

from units.models import Cadre


class CadreChoicesMixin:
    """Cadre choices print their unit: load it with them instead of once per option."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is Cadre:
            kwargs.setdefault("queryset", Cadre.objects.select_related("unit"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
