"""Sidebar filters by county and township, for any model that reaches a village."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from villages.models import County, Township


def _join(*parts: str) -> str:
    return "__".join(part for part in parts if part)


def area_filters(village_path: str) -> list[type[admin.SimpleListFilter]]:
    """County and township filters for a model whose village is at ``village_path``.

    ``village_path`` is empty for the Village model itself. The choices are the areas the user
    may see; the township choices follow the chosen county, so the list stays short.
    """
    township_path = _join(village_path, "township")
    county_path = _join(township_path, "county")

    class CountyFilter(admin.SimpleListFilter):
        title = _("county or district")
        parameter_name = "county"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            counties = County.objects.visible_to(request.user).order_by("code")
            return list(counties.values_list("pk", "name"))

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{county_path: value})
            return queryset

    class TownshipFilter(admin.SimpleListFilter):
        title = _("township or subdistrict")
        parameter_name = "township"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            townships = Township.objects.visible_to(request.user).order_by("code")
            county = request.GET.get("county", "")
            if county.isdigit():
                townships = townships.filter(county_id=county)
            return list(townships.values_list("pk", "name"))

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{township_path: value})
            return queryset

    if not village_path:
        return [CountyFilter, TownshipFilter]

    class VillageKindFilter(admin.SimpleListFilter):
        title = _("village or community")
        parameter_name = "village_kind"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            from villages.models import Village

            return list(Village.Kind.choices)

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value():
                return queryset.filter(**{_join(village_path, "kind"): self.value()})
            return queryset

    return [CountyFilter, TownshipFilter, VillageKindFilter]
