"""The cadre picker: cadres found as one types, with their load, a village's work groups first."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from units.models import Cadre, HouseholdAssignment
from villages.models import Household, Village


def keys_of(value: str, *, limit: int) -> list[int]:
    """Up to ``limit`` keys from "1,2,3"; whatever is not a key is left out."""
    parts = [part.strip() for part in value.split(",")]
    keys = {int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 18}
    return sorted(keys)[:limit]


# Villages whose work groups a picker puts first: those of one page of chosen households.
PICKER_VILLAGES_MAX = 20


class CadrePicker(AutocompleteSelect):
    """The cadre to give households to, found as one types (``CadrePickerView``): each with
    their households and the maximum, the work groups of ``villages`` (or of ``household``'s
    village) first."""

    def __init__(
        self,
        *,
        villages: list[int] | tuple[int, ...] = (),
        household: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(HouseholdAssignment._meta.get_field("cadre"), admin.site, attrs=attrs)
        self.villages = sorted(villages)[:PICKER_VILLAGES_MAX]
        self.household = household

    def get_url(self) -> str:
        url = reverse("admin:units_cadre_pick")
        query = {}
        if self.villages:
            query["villages"] = ",".join(map(str, self.villages))
        if self.household:
            query["household"] = self.household
        return f"{url}?{urlencode(query)}" if query else url


def picker_label(cadre: Cadre) -> str:
    """ "张三 · 市农业农村局 · 本村工作组 · 联系12户/上限15户": what a coordinator weighs."""
    parts = [cadre.name, cadre.unit.name]
    if getattr(cadre, "in_group", False):
        parts.append(gettext("work group of this village"))
    load = gettext("links %(households)s households / maximum %(max)s") % {
        "households": cadre.load,
        "max": settings.ASSIGNMENT_MAX_PER_CADRE,
    }
    return " · ".join([*parts, load])


def picked_villages(user: Any, query: QueryDict) -> QuerySet:
    """Keys of the villages, of those the user sees, whose work groups the picker puts first."""
    villages = Village.objects.visible_to(user)
    wanted = Q(pk__in=keys_of(query.get("villages", ""), limit=PICKER_VILLAGES_MAX))
    household = keys_of(query.get("household", ""), limit=1)
    if household:
        wanted |= Q(pk__in=Household.objects.filter(pk=household[0]).values("village_id"))
    return villages.filter(wanted).values("pk")


class CadrePickerView(AutocompleteJsonView):
    """The admin's autocomplete of cadres, labelled with their load and ordered for a village:
    scoped, searched and paged as the admin's own."""

    def process_request(self, request: HttpRequest) -> tuple:
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if source_field.remote_field.model is not Cadre:
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name

    def get_queryset(self) -> QuerySet:
        cadres = super().get_queryset()
        return cadres.for_picking(picked_villages(self.request.user, self.request.GET))

    def serialize_result(self, obj: Cadre, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": picker_label(obj)}


def cadre_autocomplete_field(
    *, label: str, villages: list[int] | tuple[int, ...] = ()
) -> forms.ModelChoiceField:
    """A cadre field that searches as one types, with each cadre's load, the work groups of
    ``villages`` first."""
    return forms.ModelChoiceField(
        queryset=Cadre.objects.select_related("unit"),
        widget=CadrePicker(villages=villages),
        label=label,
    )
