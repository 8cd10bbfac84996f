"""走访核查: flagged visits for coordinators to review, and cadres' days away."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.admin.filters import CadreUnitFilter
from units.models import CadreAbsence
from villages.admin_filters import area_filters
from visitflags import review
from visitflags.detection import flag_absence
from visitflags.models import VisitFlag
from visits.models import Visit

# Flags dismissed by one action; the chosen ones are listed on the confirmation page.
ACTION_MAX_FLAGS = 200


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("open", _("to review")), ("dismissed", _("dismissed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "open":
            return queryset.open()
        if self.value() == "dismissed":
            return queryset.dismissed()
        return queryset


class FlagUnitFilter(CadreUnitFilter):
    """The unit of the flagged visits' cadres."""

    parameter_name = "visit__cadre__unit__id__exact"
    cadre_path = "visit__cadre"


class DismissForm(forms.Form):
    note = forms.CharField(
        label=_("why the flag is dismissed"), widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(VisitFlag)
class VisitFlagAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "reason",
        "cadre",
        "household",
        "village",
        "visited_on",
        "state",
    ]
    list_select_related = [
        "visit__household",
        "visit__village__township",
        "visit__cadre__unit",
    ]
    list_filter = ["kind", StateFilter, *area_filters("visit__village"), FlagUnitFilter]
    search_fields = ["visit__household__head_name", "visit__cadre__name"]
    search_help_text = _("Search by the start of the head's or the cadre's name.")
    show_full_result_count = False
    list_per_page = 50
    fields = [
        "kind",
        "reason",
        "visit_link",
        "cadre",
        "household",
        "village",
        "visited_on",
        "found_at",
        "state",
        "dismissed_at",
        "dismissed_by",
        "dismissal_note",
    ]
    readonly_fields = fields
    actions = ["dismiss"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        visits = Visit.objects.matching(search_term).values("pk")
        return queryset.filter(visit__in=visits), False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        allowed = lookup == FlagUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Changing a flag is dismissing it, which the area's coordinators do.
        return review.may_review(request.user) and super().has_change_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("reason"))
    def reason(self, obj: VisitFlag) -> str:
        return obj.reason

    @admin.display(description=_("cadre"), ordering="visit__cadre__name")
    def cadre(self, obj: VisitFlag) -> str:
        return str(obj.visit.cadre)

    @admin.display(description=_("household"))
    def household(self, obj: VisitFlag) -> str:
        return obj.visit.household.head_name

    @admin.display(description=_("village"))
    def village(self, obj: VisitFlag) -> str:
        village = obj.visit.village
        return f"{village.township.name}{village.name}"

    @admin.display(description=_("visit date"), ordering="visit__visited_on")
    def visited_on(self, obj: VisitFlag) -> Any:
        return obj.visit.visited_on

    @admin.display(description=_("state"), ordering="dismissed_at")
    def state(self, obj: VisitFlag) -> str:
        return gettext("to review") if obj.is_open else gettext("dismissed")

    @admin.display(description=_("visit"))
    def visit_link(self, obj: VisitFlag) -> str:
        url = reverse("admin:visits_visit_change", args=[obj.visit_id])
        return format_html('<a href="{}">{}</a>', url, obj.visit)

    @admin.action(description=_("Dismiss after review"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        chosen = list(queryset.select_related(*self.list_select_related)[: ACTION_MAX_FLAGS + 1])
        if len(chosen) > ACTION_MAX_FLAGS:
            message = gettext("Choose at most %(max)s flags at a time.") % {"max": ACTION_MAX_FLAGS}
            self.message_user(request, message, messages.ERROR)
            return None
        form = DismissForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            title = gettext("Dismiss after review")
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "chosen": [(flag.pk, str(flag.visit), flag.reason) for flag in chosen],
                "chosen_headers": [gettext("visit"), gettext("reason")],
                "form": form,
                "action": "dismiss",
                "media": self.media + form.media,
            }
            return TemplateResponse(request, "admin/action_confirm.html", context)
        try:
            count = review.dismiss(request.user, chosen, form.cleaned_data["note"])
        except (PermissionDenied, ValidationError):
            self.message_user(
                request, gettext("These flags cannot be dismissed by you."), messages.ERROR
            )
            return None
        self.message_user(
            request, gettext("%(count)s flags dismissed.") % {"count": count}, messages.SUCCESS
        )
        return None


@admin.register(CadreAbsence)
class CadreAbsenceAdmin(admin.ModelAdmin):
    list_display = ["cadre", "unit", "starts_on", "ends_on", "reason", "created_at"]
    list_select_related = ["cadre__unit"]
    list_filter = [CadreUnitFilter, "starts_on"]
    search_fields = ["cadre__name"]
    autocomplete_fields = ["cadre"]
    fields = ["cadre", "starts_on", "ends_on", "reason"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        allowed = lookup == CadreUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("unit"), ordering="cadre__unit__name")
    def unit(self, obj: CadreAbsence) -> str:
        return obj.cadre.unit.name

    def save_model(self, request: HttpRequest, obj: CadreAbsence, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        flag_absence(obj)
