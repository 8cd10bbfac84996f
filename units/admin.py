from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from units.assignments import assign_household
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup, WorkGroupMember
from units.resources import CadreResource, UnitResource
from villages.admin_filters import area_filters
from villages.aggregates import count_subquery
from villages.exports import SpreadsheetImportExportMixin


class CadreChoicesMixin:
    """Cadre choices print their unit: load it with them instead of once per option."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is Cadre:
            kwargs.setdefault("queryset", Cadre.objects.select_related("unit"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CadreInline(admin.TabularInline):
    model = Cadre
    fields = ["name", "position", "phone", "is_party_member", "in_service"]
    extra = 0
    show_change_link = True


class WorkGroupInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroup
    fields = ["village", "leader", "established_on"]
    autocomplete_fields = ["village", "leader"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("village__township", "leader__unit")


@admin.register(Unit)
class UnitAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["name", "kind", "level", "county", "cadre_count", "village_count"]
    list_select_related = ["county"]
    list_filter = ["level", "kind", "county"]
    search_fields = ["name"]
    autocomplete_fields = ["county", "township"]
    inlines = [CadreInline, WorkGroupInline]

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


class ActiveAssignmentInline(admin.TabularInline):
    model = HouseholdAssignment
    fk_name = "cadre"
    fields = ["household", "started_on"]
    readonly_fields = fields
    verbose_name_plural = _("households linked now")
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).active().select_related("household__village")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cadre)
class CadreAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [CadreResource]
    list_display = [
        "name",
        "unit",
        "position",
        "masked_phone",
        "is_party_member",
        "in_service",
        "household_count",
    ]
    list_select_related = ["unit"]
    list_filter = ["in_service", "is_party_member", "unit__level", "unit__kind"]
    search_fields = ["name", "position", "unit__name", "phone"]
    autocomplete_fields = ["unit", "user"]
    inlines = [ActiveAssignmentInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .annotate(n_households=count_subquery(HouseholdAssignment.objects.active(), "cadre"))
        )

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, obj: Cadre) -> str:
        return obj.masked_phone

    @admin.display(description=_("number of linked households"), ordering="n_households")
    def household_count(self, obj: Cadre) -> int:
        return obj.n_households


class WorkGroupMemberInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroupMember
    autocomplete_fields = ["cadre"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("cadre__unit")


@admin.register(WorkGroup)
class WorkGroupAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "unit", "village", "county", "leader", "member_count"]
    list_select_related = ["unit", "village__township__county", "leader__unit"]
    list_filter = [*area_filters("village"), "unit__level"]
    search_fields = ["unit__name", "village__name", "leader__name"]
    autocomplete_fields = ["unit", "village", "leader"]
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


class AssignmentStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("active", _("in force")), ("ended", _("ended"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.active()
        if self.value() == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset


@admin.register(HouseholdAssignment)
class HouseholdAssignmentAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["household", "village", "cadre", "started_on", "ended_on", "end_reason"]
    list_select_related = ["household__village__township", "cadre__unit"]
    list_filter = [AssignmentStateFilter, *area_filters("household__village"), "started_on"]
    search_fields = ["household__head_name", "cadre__name", "cadre__unit__name"]
    autocomplete_fields = ["household", "cadre"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Who was responsible is history: once saved, only the ending may be recorded.
        return ["household", "cadre", "started_on"] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["household", "cadre", "started_on"]
        return ["household", "cadre", "started_on", "ended_on", "end_reason"]

    def save_model(self, request: HttpRequest, obj: HouseholdAssignment, form: Any, change: bool):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = assign_household(household=obj.household, cadre=obj.cadre, on=obj.started_on)
        obj.pk = saved.pk

    @admin.display(description=_("village or community"), ordering="household__village__name")
    def village(self, obj: HouseholdAssignment) -> str:
        return str(obj.household.village)
