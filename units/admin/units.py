"""Admin of units."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.exports import SpreadsheetImportExportMixin
from common.paginators import LIST_PER_PAGE
from units.admin.cadres import CadreInline
from units.admin.forms import with_acting_user
from units.admin.permissions import keeps, refuse_unkept
from units.admin.work_groups import WorkGroupInline
from units.models import Cadre, Unit, WorkGroup
from units.resources import UnitResource
from units.rules import may_edit_unit


class UnitForm(forms.ModelForm):
    acting_user: Any = None  # set by the admin for each request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level = cleaned.get("level")
        if self.acting_user is None or level is None:
            return cleaned
        township = cleaned.get("township")
        unit = Unit(
            pk=self.instance.pk,
            level=level,
            # The model fills in a township's county when it is left out.
            county=cleaned.get("county") or (township.county if township else None),
            township=township,
        )
        if not may_edit_unit(self.acting_user, unit):
            raise ValidationError(
                gettext("You may keep only the units of your own level and area."),
                code="not_your_unit",
            )
        return cleaned


@admin.register(Unit)
class UnitAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["name", "kind", "level", "county", "cadre_count", "village_count"]
    list_select_related = ["county"]
    list_per_page = LIST_PER_PAGE
    list_filter = ["level", "kind", "county"]
    search_fields = ["name"]
    autocomplete_fields = ["county", "township"]
    inlines = [CadreInline, WorkGroupInline]
    form = UnitForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return with_acting_user(super().get_form(request, obj, change=change, **kwargs), request)

    # Every area a unit links villages in sees it; only the level it belongs to changes it.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        refuse_unkept(request, list(queryset))
        super().delete_queryset(request, queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_cadres=count_subquery(Cadre.objects, "unit"),
                n_villages=count_subquery(WorkGroup.objects, "unit"),
            )
        )

    @admin.display(description=_("number of cadres"), ordering="n_cadres")
    def cadre_count(self, obj: Unit) -> int:
        return obj.n_cadres

    @admin.display(description=_("number of linked villages"), ordering="n_villages")
    def village_count(self, obj: Unit) -> int:
        return obj.n_villages
