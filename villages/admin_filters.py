"""Sidebar filters by county and township, for any model that reaches a village."""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from villages.models import County, Township


def _join(*parts: str) -> str:
    return "__".join(part for part in parts if part)


def area_key(value: object) -> int | None:
    """A row key from the address bar (or a choice's own key, when facets are counted); None
    for anything else: letters, NUL, 10,000 digits, other scripts' digits."""
    text = str(value) if value is not None else ""
    if text.isascii() and text.isdigit() and len(text) <= KEY_DIGITS:
        return int(text)
    return None


# A 64-bit key has at most 19 digits; shorter keeps every value inside the column's range.
KEY_DIGITS = 18


def choices_once(request: HttpRequest, key: tuple, build: Callable[[], list]) -> list:
    """A filter's choices, built once per request: counting facets makes Django build every
    filter again for each filter counted, which would repeat each choices query as often."""
    cache = request.__dict__.setdefault("_filter_choices", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


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
            return choices_once(
                request, ("county",), lambda: list(counties.values_list("pk", "name"))
            )

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            key = area_key(self.value())
            return queryset if key is None else queryset.filter(**{county_path: key})

    class TownshipFilter(admin.SimpleListFilter):
        title = _("township or subdistrict")
        parameter_name = "township"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            townships = Township.objects.visible_to(request.user).order_by("code")
            county = area_key(request.GET.get("county"))
            if county is not None:
                townships = townships.filter(county_id=county)
            return choices_once(
                request, ("township", county), lambda: list(townships.values_list("pk", "name"))
            )

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            key = area_key(self.value())
            return queryset if key is None else queryset.filter(**{township_path: key})

    if not village_path:
        return [CountyFilter, TownshipFilter]

    class VillageKindFilter(admin.SimpleListFilter):
        title = _("village or community")
        parameter_name = "village_kind"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            from villages.models import Village

            return list(Village.Kind.choices)

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            from villages.models import Village

            # Only a known kind filters; anything else (NUL bytes included) lists everything.
            if self.value() in Village.Kind.values:
                return queryset.filter(**{_join(village_path, "kind"): self.value()})
            return queryset

    return [CountyFilter, TownshipFilter, VillageKindFilter]


# --- Django's own filters on a field, with values that cannot be sent to the database -----


class _RefusesNulMixin:
    """A value with a NUL byte makes PostgreSQL refuse the whole query when the list is
    shown; refusing it here answers it like any other bad filter (the list's ``?e=1``)."""

    used_parameters: dict

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        for values in self.used_parameters.values():
            for value in values if isinstance(values, list | tuple) else [values]:
                if "\x00" in str(value):
                    raise IncorrectLookupParameters("NUL in a list filter value")
        return super().queryset(request, queryset)


class ChoicesFilter(_RefusesNulMixin, admin.ChoicesFieldListFilter):
    pass


class AllValuesFilter(_RefusesNulMixin, admin.AllValuesFieldListFilter):
    pass


def _all_values_field(field: models.Field) -> bool:
    # The fields Django would give AllValuesFieldListFilter, after its other filters.
    return not (
        field.remote_field
        or field.choices
        or isinstance(field, models.BooleanField | models.DateField)
    )


# Ahead of Django's own registrations, for every admin list of the project.
admin.FieldListFilter.register(lambda field: bool(field.choices), ChoicesFilter, take_priority=True)
admin.FieldListFilter.register(_all_values_field, AllValuesFilter, take_priority=True)
