from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from units.admin import CadreChoicesMixin
from villages.admin_filters import area_filters
from visits.models import SIX_TASKS, Need, Visit


class NeedInline(CadreChoicesMixin, admin.StackedInline):
    model = Need
    fk_name = "visit"
    fields = ["category", "description", "cadre", "status", "resolution", "closed_on"]
    autocomplete_fields = ["cadre"]
    extra = 0


@admin.register(Visit)
class VisitAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = [
        "visited_on",
        "household",
        "village",
        "cadre",
        "method",
        "task_list",
        "satisfaction",
    ]
    list_select_related = ["household__village__township", "cadre__unit"]
    list_filter = ["method", "satisfaction", "visited_on", *area_filters("household__village")]
    search_fields = ["household__head_name", "cadre__name", "summary"]
    autocomplete_fields = ["household", "cadre"]
    fieldsets = [
        (None, {"fields": ["household", "cadre", "visited_on", "method", "summary"]}),
        (_("Six tasks"), {"fields": [field for field, _label in SIX_TASKS]}),
        (None, {"fields": ["satisfaction"]}),
    ]
    inlines = [NeedInline]
    show_full_result_count = False

    @admin.display(description=_("village or community"), ordering="household__village__name")
    def village(self, obj: Visit) -> str:
        return str(obj.household.village)

    @admin.display(description=_("six tasks"))
    def task_list(self, obj: Visit) -> str:
        return "、".join(obj.tasks)


@admin.register(Need)
class NeedAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["raised_on", "household", "village", "category", "status", "cadre", "closed_on"]
    list_select_related = ["household__village__township", "cadre__unit"]
    list_filter = ["status", "category", "raised_on", *area_filters("household__village")]
    search_fields = ["household__head_name", "description", "cadre__name"]
    autocomplete_fields = ["household", "visit", "cadre"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Set here, list_select_related would be ignored: Django applies it only when the
        # queryset has no select_related of its own.
        return (
            super()
            .get_queryset(request)
            .select_related("household__village__township", "cadre__unit")
        )

    @admin.display(description=_("village or community"), ordering="household__village__name")
    def village(self, obj: Need) -> str:
        return str(obj.household.village)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "visit":
            kwargs.setdefault("queryset", Visit.objects.select_related("household"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
