"""Admin of work groups and their members."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.paginators import LIST_PER_PAGE
from units.admin.choices import CadreChoicesMixin
from units.models import WorkGroup, WorkGroupMember
from villages.admin_filters import area_filters


class WorkGroupInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroup
    fields = ["village", "leader", "established_on"]
    autocomplete_fields = ["village", "leader"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("village__township", "leader__unit")


class WorkGroupMemberInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroupMember
    autocomplete_fields = ["cadre"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("cadre__unit")


@admin.register(WorkGroup)
class WorkGroupAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "unit", "village", "county", "leader", "member_count", "board_link"]
    list_select_related = ["unit", "village__township__county", "leader__unit"]
    list_filter = [*area_filters("village"), "unit__level"]
    search_fields = ["unit__name", "village__name", "leader__name"]
    list_per_page = LIST_PER_PAGE
    autocomplete_fields = ["unit", "village", "leader"]
    readonly_fields = ["board_link"]
    inlines = [WorkGroupMemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("unit", "village__township__county", "leader__unit")
            .annotate(n_members=count_subquery(WorkGroupMember.objects, "work_group"))
        )

    @admin.display(description=_("county or district"), ordering="village__township__county")
    def county(self, obj: WorkGroup) -> str:
        return obj.village.township.county.name

    @admin.display(description=_("number of members"), ordering="n_members")
    def member_count(self, obj: WorkGroup) -> int:
        return obj.n_members

    @admin.display(description=_("notice board"))
    def board_link(self, obj: WorkGroup) -> str:
        if obj.pk is None:
            return self.get_empty_value_display()
        url = reverse("units:work_group_board", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print notice board"))
