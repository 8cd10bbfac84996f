"""The admin site's titles, and the household page composed from every app's records."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from units.models import HouseholdAssignment
from villages.admin import HouseholdAdmin
from villages.models import Household
from visits.models import Need, Visit

admin.site.site_header = _("Shuanglian Shuangchuang work management system")
admin.site.site_title = _("Shuanglian Shuangchuang work management system")
admin.site.index_title = _("Campaign management")


class _ReadOnlyHistoryInline(admin.TabularInline):
    """Records shown on the household page; they are made through their own pages."""

    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AssignmentHistoryInline(_ReadOnlyHistoryInline):
    model = HouseholdAssignment
    fields = ["cadre", "started_on", "ended_on", "end_reason"]
    verbose_name_plural = _("responsible cadres, newest first")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("cadre__unit")


class VisitHistoryInline(_ReadOnlyHistoryInline):
    model = Visit
    fields = ["visited_on", "cadre", "method", "summary", "satisfaction"]
    verbose_name_plural = _("visits, newest first")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("cadre__unit")


class NeedHistoryInline(_ReadOnlyHistoryInline):
    model = Need
    fields = ["raised_on", "category", "description", "status", "closed_on"]
    verbose_name_plural = _("needs and difficulties")


class FullHouseholdAdmin(HouseholdAdmin):
    # Adds the "import roster" button beside export.
    import_export_change_list_template = "admin/villages/household/change_list.html"
    inlines = [AssignmentHistoryInline, VisitHistoryInline, NeedHistoryInline]


admin.site.unregister(Household)
admin.site.register(Household, FullHouseholdAdmin)
