"""Admin of household assignments, and the list mixin of household records."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.paginators import EstimatedCountAdminMixin, KeysFirstPaginator
from units.admin.choices import CadreChoicesMixin
from units.admin.filters import AssignmentStateFilter, CadreUnitFilter
from units.admin.forms import error_code, with_acting_user
from units.admin.picker import CadrePicker, keys_of
from units.assignments import assign_household, check_assignment
from units.forms import over_maximum_field
from units.models import HouseholdAssignment
from villages.admin_filters import area_filters


class HouseholdRecordListMixin(EstimatedCountAdminMixin):
    """Lists of millions of assignments, visits and needs: searched by prefixes and ID suffixes
    that indexes answer (``HouseholdRecordQuerySet.matching``), the unfiltered total estimated,
    a page's keys found before its rows (``KeysFirstPaginator``)."""

    paginator = KeysFirstPaginator

    # Named for the search box; ``matching`` does the searching.
    search_fields = [
        "household__head_name",
        "household__village__name",
        "cadre__name",
        "cadre__unit__name",
    ]
    search_help_text = _(
        "Search by the start of the head's or the cadre's name, the start of the village's or "
        "the unit's name (two characters or more), or the last 4 or more digits of the head's "
        "ID number."
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return queryset.matching(search_term), False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # The unit filter answers to Django's own parameter for the cadre's unit.
        allowed = lookup == CadreUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)


class AddAssignmentForm(forms.ModelForm):
    """One household to one cadre, checked as every other way of assigning is."""

    over_maximum = over_maximum_field()
    acting_user: Any = None  # set by the admin for each request

    class Meta:
        model = HouseholdAssignment
        fields = ["household", "cadre", "started_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        household, cadre = cleaned.get("household"), cleaned.get("cadre")
        if household is None or cadre is None:
            return cleaned
        try:
            check_assignment(
                household=household,
                cadre=cadre,
                by=self.acting_user,
                over_maximum=cleaned.get("over_maximum", False),
            )
        except ValidationError as error:
            field = "over_maximum" if error_code(error) == "over_maximum" else "cadre"
            self.add_error(field, error)
        except PermissionDenied as refused:
            self.add_error(None, str(refused))
        return cleaned


@admin.register(HouseholdAssignment)
class HouseholdAssignmentAdmin(HouseholdRecordListMixin, CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["household", "village", "cadre", "started_on", "ended_on", "end_reason"]
    list_select_related = ["household__village__township", "village__township", "cadre__unit"]
    list_filter = [AssignmentStateFilter, *area_filters("village"), "started_on"]
    autocomplete_fields = ["household", "cadre"]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "cadre":
            # Opened for one household (``?household=``): its village's work groups first.
            household = keys_of(request.GET.get("household", ""), limit=1)
            kwargs["widget"] = CadrePicker(household=household[0] if household else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=AddAssignmentForm, **kwargs)
        return with_acting_user(form, request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Who was responsible is history: once saved, only the ending may be recorded.
        return ["household", "cadre", "started_on"] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["household", "cadre", "started_on", "over_maximum"]
        return ["household", "cadre", "started_on", "ended_on", "end_reason"]

    def save_model(self, request: HttpRequest, obj: HouseholdAssignment, form: Any, change: bool):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = assign_household(
            household=obj.household,
            cadre=obj.cadre,
            on=obj.started_on,
            by=request.user,
            over_maximum=form.cleaned_data["over_maximum"],
        )
        obj.pk = saved.pk
