from functools import partial
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.exports import SpreadsheetExportMixin, SpreadsheetImportExportMixin
from common.paginators import LIST_PER_PAGE, EstimatedCountAdminMixin
from common.personal_data import PersonalDataAdminMixin
from villages.admin_filters import area_filters
from villages.geography_admin import load_geography_view
from villages.models import City, County, Household, Township, TownshipAlias, Village
from villages.resources import (
    CountyResource,
    HouseholdResource,
    TownshipResource,
    VillageResource,
)
from villages.validators import mask_phone


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "county_count"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_counties=count_subquery(County.objects, "city"))
        )

    @admin.display(description=_("number of counties"), ordering="n_counties")
    def county_count(self, obj: City) -> int:
        return obj.n_counties


@admin.register(County)
class CountyAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [CountyResource]
    # Adds the button of the page that loads the statistical code table.
    import_export_change_list_template = "admin/villages/county/change_list.html"
    list_display = ["name", "code", "city", "township_count"]
    list_select_related = ["city"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_townships=count_subquery(Township.objects, "county"))
        )

    @admin.display(description=_("number of townships"), ordering="n_townships")
    def township_count(self, obj: County) -> int:
        return obj.n_townships

    def get_urls(self) -> list[URLPattern]:
        load = path(
            "load-geography/",
            self.admin_site.admin_view(partial(load_geography_view, self)),
            name="villages_county_load_geography",
        )
        return [load, *super().get_urls()]


class TownshipAliasInline(admin.TabularInline):
    model = TownshipAlias
    extra = 0


@admin.register(Township)
class TownshipAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [TownshipResource]
    list_display = ["name", "code", "county", "village_count"]
    list_select_related = ["county"]
    list_filter = ["county"]
    # Other names too: the launch report's 沙沃镇 finds 沙窝镇.
    search_fields = ["name", "code", "county__name", "aliases__name"]
    autocomplete_fields = ["county"]
    inlines = [TownshipAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_villages=count_subquery(Village.objects, "township"))
        )

    @admin.display(description=_("number of villages"), ordering="n_villages")
    def village_count(self, obj: Township) -> int:
        return obj.n_villages


# Village and Household are registered by the project (shuanglian.admin), with the pages that
# other apps add to them; these classes are their bases.
class VillageAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [VillageResource]
    list_display = ["name", "code", "kind", "township", "county", "household_count"]
    list_select_related = ["township__county"]
    list_per_page = LIST_PER_PAGE
    list_filter = [*area_filters(""), "kind"]
    search_fields = ["name", "code", "township__name", "township__aliases__name"]
    autocomplete_fields = ["township"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("township__county")
            .annotate(n_households=count_subquery(Household.objects, "village"))
        )

    @admin.display(description=_("county or district"), ordering="township__county__code")
    def county(self, obj: Village) -> str:
        return obj.township.county.name

    @admin.display(description=_("number of households"), ordering="n_households")
    def household_count(self, obj: Village) -> int:
        return obj.n_households


class HouseholdAdmin(
    PersonalDataAdminMixin, EstimatedCountAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin
):
    # Export only: rosters are imported through villages.imports. The export masks resident
    # ID and phone numbers for every role, also those who see phones in full on screen: a
    # downloaded file leaves the system and its access checks behind.
    resource_classes = [HouseholdResource]
    list_display = [
        "head_name",
        "masked_id_number",
        "village",
        "township",
        "category",
        "members",
        "updated_at",
    ]
    list_select_related = ["village__township"]
    list_filter = [*area_filters("village"), "category"]
    # Searched by HouseholdQuerySet.matching (prefixes and ID suffixes that indexes answer); the
    # fields are named for the search box and for other pages' autocomplete.
    search_fields = ["head_name", "village__name"]
    search_help_text = _(
        "Search by the start of the head's name, the start of the village's name (two "
        "characters or more), or the last 4 or more digits of the head's ID number."
    )
    autocomplete_fields = ["village"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["village", "head_name", "id_number", "phone"]}),
        (_("Household"), {"fields": ["members", "category", "address"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    list_per_page = LIST_PER_PAGE

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("village__township")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return queryset.matching(search_term), False

    @admin.display(description=_("resident ID number"), ordering="id_number")
    def masked_id_number(self, obj: Household) -> str:
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Household) -> str:
        return mask_phone(obj.phone) or self.get_empty_value_display()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None:
            return self.fieldsets
        # A saved household's ID is shown masked (revealing it is a separate, recorded step),
        # and so is the phone for users without full personal data.
        phone = "phone" if self.has_full_personal_data(request) else "masked_phone"
        first = (None, {"fields": ["village", "head_name", "masked_id_number", phone]})
        return [first, *self.fieldsets[1:]]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(self.readonly_fields)
        return [*self.readonly_fields, "masked_id_number", "masked_phone"]

    @admin.display(description=_("township"), ordering="village__township__code")
    def township(self, obj: Household) -> str:
        return obj.village.township.name


# Registered here so the roster import pages load with the rest of the villages admin.
from villages.imports import admin as imports_admin  # noqa: E402, F401
