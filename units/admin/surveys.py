"""Admin of village surveys."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.paginators import EstimatedCountAdminMixin, KeysFirstPaginator
from units.admin.filters import RecorderUnitFilter
from units.models import VillageSurvey
from villages.admin_filters import area_filters


@admin.register(VillageSurvey)
class VillageSurveyAdmin(EstimatedCountAdminMixin, admin.ModelAdmin):
    """Surveys are written by the work groups on their phones; coordinators read them here.
    A page's keys are sorted before its long rows are read (``KeysFirstPaginator``)."""

    paginator = KeysFirstPaginator

    list_display = ["village", "county", "year", "recorded_by", "updated_at"]
    list_select_related = ["village__township__county", "recorded_by__unit"]
    list_filter = [
        "year",
        *area_filters("village"),
        RecorderUnitFilter,
    ]
    search_fields = ["village__name", "village__code"]
    autocomplete_fields = ["village", "recorded_by"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("village__township__county", "recorded_by__unit")
        )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # The unit filter answers to Django's own parameter for the recorder's unit.
        allowed = lookup == RecorderUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("county or district"), ordering="village__township__county")
    def county(self, obj: VillageSurvey) -> str:
        return obj.village.township.county.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
