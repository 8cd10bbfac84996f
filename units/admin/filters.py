"""List filters shared by the admin pages of cadres, assignments, visits and surveys."""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from units.models import Unit, WorkGroup
from villages.admin_filters import area_key, choices_once


class CadreUnitFilter(admin.SimpleListFilter):
    """The unit of the records' cadres, offered once the list is narrowed to a county or a
    township, or when the user sees few units: the city's 3,000 units are a sidebar that takes
    longer to render than the list (the search finds records by the unit's name too)."""

    title = _("unit")
    # Django's own parameter for the unit of the cadre, so that addresses keep working.
    parameter_name = "cadre__unit__id__exact"
    cadre_path = "cadre"
    most_choices = 100

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        township, county = (
            area_key(request.GET.get("township")),
            area_key(request.GET.get("county")),
        )
        chosen = area_key(request.GET.get(self.parameter_name))
        return choices_once(
            request,
            ("cadre_unit", township, county, chosen),
            lambda: self.unit_choices(request.user, township, county, chosen),
        )

    def unit_choices(
        self, user: Any, township: int | None, county: int | None, chosen: int | None
    ) -> list:
        units = Unit.objects.visible_to(user).order_by("level", "name")
        if township is not None:
            linking = WorkGroup.objects.filter(village__township_id=township)
            units = units.filter(Q(township_id=township) | Q(pk__in=linking.values("unit_id")))
        elif county is not None:
            linking = WorkGroup.objects.filter(village__township__county_id=county)
            units = units.filter(Q(county_id=county) | Q(pk__in=linking.values("unit_id")))
        choices = list(units.values_list("pk", "name")[: self.most_choices + 1])
        if len(choices) <= self.most_choices:
            return choices
        # Too many to list: only the one chosen, if any.
        return list(units.filter(pk=chosen).values_list("pk", "name")) if chosen else []

    def has_output(self) -> bool:
        # A unit named in the address filters the list even when it is not offered.
        return super().has_output() or self.value() is not None

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        key = area_key(self.value())
        return queryset if key is None else queryset.filter(**{f"{self.cadre_path}__unit_id": key})


class RecorderUnitFilter(CadreUnitFilter):
    """The unit of the cadre who recorded a village survey, offered as ``CadreUnitFilter``
    offers it."""

    parameter_name = "recorded_by__unit__id__exact"
    cadre_path = "recorded_by"


class HandoverNeededFilter(admin.SimpleListFilter):
    title = _("households to hand over")
    parameter_name = "handover"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("needed", _("left service, still linked to households"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "needed":
            return queryset.needing_handover()
        return queryset


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
