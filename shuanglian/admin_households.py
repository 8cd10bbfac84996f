"""The household pages composed from every app's records: history, cadre status, assigning,
and the recorded reveal of a full resident ID.

Household admin lives in villages, which knows nothing of units; the page that links cadres to
households is added here by subclassing it (registered in ``shuanglian.admin``).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuanglian.access.scope import scope_of
from shuanglian.audit.admin_reveal import IdNumberRevealMixin
from shuanglian.figures import coverage
from shuanglian.models import Role
from units.admin.actions import with_list_filters
from units.admin.forms import error_code
from units.admin.picker import PICKER_VILLAGES_MAX, cadre_autocomplete_field
from units.assignments import assign_households, cadre_responsible_on
from units.coverage import HouseholdCoverageQuerySet
from units.forms import over_maximum_field
from units.models import HouseholdAssignment
from villages.admin import HouseholdAdmin
from villages.admin_filters import area_key
from villages.models import Household, Village
from visits.models import Need, Visit

# With no other parameter than these, the household list is counted from the rollups.
ROLLUP_COUNTED_PARAMETERS = frozenset({"county", "township", "cadre_status", PAGE_VAR, ORDER_VAR})
# The roles whose households are those of whole villages (a cadre's are their own).
AREA_ROLES = frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.LIAISON})

# The chosen households travel in the page's address, which must stay short.
ASSIGN_MAX_HOUSEHOLDS = 500
PAGE_SIZE = 50
# Households named in a message; the rest are counted.
NAMED_MAX = 10


def may_assign(request: HttpRequest) -> bool:
    return request.user.has_perm("units.change_householdassignment")


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


class CadreStatusFilter(admin.SimpleListFilter):
    title = _("linked cadre")
    parameter_name = "cadre_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            (coverage.LINKED_IN_SERVICE, _("has a linked cadre")),
            (coverage.NOT_LINKED, _("no linked cadre")),
            (coverage.LINKED_LEFT_SERVICE, _("linked cadre no longer in service")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        households = HouseholdCoverageQuerySet.of(queryset)
        if self.value() == coverage.LINKED_IN_SERVICE:
            return households.covered()
        if self.value() == coverage.NOT_LINKED:
            return households.uncovered()
        if self.value() == coverage.LINKED_LEFT_SERVICE:
            return households.needing_new_cadre()
        return queryset


class AssignCadreForm(forms.Form):
    started_on = forms.DateField(
        label=_("responsible from"), initial=timezone.localdate, widget=AdminDateWidget
    )
    reason = forms.CharField(
        label=_("reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Recorded on the links that end, for households that had another cadre."),
    )

    def __init__(self, *args: Any, user: Any, villages: list[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The chosen households' villages: their work groups' cadres are offered first.
        self.fields["cadre"] = cadre_autocomplete_field(label=_("linked cadre"), villages=villages)
        # A forged key of a cadre outside the user's scope is refused like an unknown one.
        self.fields["cadre"].queryset = self.fields["cadre"].queryset.visible_to(user)
        self.fields["over_maximum"] = over_maximum_field()
        self.order_fields(["cadre", "started_on", "reason", "over_maximum"])


class ResponsibleOnForm(forms.Form):
    responsible_on = forms.DateField(
        label=_("who was responsible on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def list_as_left(model_admin: admin.ModelAdmin, request: HttpRequest) -> str:
    """The model's list with the search and filters it had when the page was opened from it."""
    preserved = model_admin.get_preserved_filters(request)
    context = {"preserved_filters": preserved, "opts": model_admin.opts}
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    return add_preserved_filters(context, url)


def with_preserved(model_admin: admin.ModelAdmin, request: HttpRequest, query: str) -> str:
    """A page's own ``query``, with the list's filters it carries (for its page links)."""
    preserved = model_admin.get_preserved_filters(request)
    return f"{query}&{preserved}" if preserved else query


def few(keys: QuerySet, limit: int) -> list[int]:
    """The keys when there are at most ``limit`` of them, else none."""
    found = list(keys[: limit + 1])
    return found if len(found) <= limit else []


def chosen_ids(query: QueryDict) -> list[int] | None:
    """Household keys from ``?ids=1,2,3`` or ``?ids=1&ids=2``; None when any is not a number."""
    parts = [part.strip() for value in query.getlist("ids") for part in value.split(",")]
    parts = [part for part in parts if part]
    # ASCII digits that fit a key: int() refuses 4,300 digits and other scripts' digits.
    if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
        return None
    return sorted({int(part) for part in parts})


class FullHouseholdAdmin(IdNumberRevealMixin, HouseholdAdmin):
    # Adds the "import roster" button beside export.
    import_export_change_list_template = "admin/villages/household/change_list.html"
    change_form_template = "admin/villages/household/change_form.html"
    inlines = [AssignmentHistoryInline, VisitHistoryInline, NeedHistoryInline]
    list_display = [*HouseholdAdmin.list_display, "linked_cadre"]
    list_filter = [*HouseholdAdmin.list_filter, CadreStatusFilter]
    actions = ["assign_cadre"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return HouseholdCoverageQuerySet.of(super().get_queryset(request)).with_responsible_cadre()

    def known_count(self, request: HttpRequest) -> int | None:
        """The list's length from the rollups when only the area and linked-cadre filters are
        used: counting the city's uncovered households would read millions of rows."""
        params, scope = request.GET, scope_of(request.user)
        if not set(params) <= ROLLUP_COUNTED_PARAMETERS or scope.role not in AREA_ROLES:
            return None
        county, township = area_key(params.get("county")), area_key(params.get("township"))
        status = params.get("cadre_status")
        if scope.is_city and county is None and township is None and status is None:
            return None  # the whole table: estimated on PostgreSQL, counted where it is small
        villages = Village.objects.visible_to(request.user)
        if county is not None:
            villages = villages.filter(township__county_id=county)
        if township is not None:
            villages = villages.filter(township_id=township)
        return coverage.household_list_length(villages, status)

    @admin.display(description=_("linked cadre"))
    def linked_cadre(self, obj: Household) -> str:
        if obj.responsible_cadre_name is None:
            return self.get_empty_value_display()
        return f"{obj.responsible_cadre_name}（{obj.responsible_unit_name}）"

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return may_assign(request)

    @admin.action(description=_("Assign a responsible cadre"), permissions=["assign"])
    def assign_cadre(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        keys = queryset.order_by("pk").values_list("pk", flat=True)
        ids = list(keys[: ASSIGN_MAX_HOUSEHOLDS + 1])
        if len(ids) > ASSIGN_MAX_HOUSEHOLDS:
            self.message_user(request, self._too_many_message(), messages.ERROR)
            return None
        url = reverse("admin:villages_household_assign")
        return redirect(with_list_filters(request, f"{url}?ids={','.join(map(str, ids))}"))

    @staticmethod
    def _too_many_message() -> str:
        return gettext(
            "Choose at most %(max)s households at a time; filter the list by village first."
        ) % {"max": ASSIGN_MAX_HOUSEHOLDS}

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("assign/", view(self.assign_view), name="villages_household_assign"),
            *super().get_urls(),
        ]

    def assign_view(self, request: HttpRequest) -> HttpResponse:
        """Choose a cadre for the households in ``?ids=``, then assign them on POST."""
        if not may_assign(request):
            raise PermissionDenied
        changelist = list_as_left(self, request)
        ids = chosen_ids(request.GET)
        if not ids:
            self.message_user(request, gettext("No households were chosen."), messages.ERROR)
            return redirect(changelist)
        if len(ids) > ASSIGN_MAX_HOUSEHOLDS:
            self.message_user(request, self._too_many_message(), messages.ERROR)
            return redirect(changelist)
        households = self.get_queryset(request).filter(pk__in=ids)
        villages = households.order_by().values_list("village_id", flat=True).distinct()

        form = AssignCadreForm(
            request.POST if request.method == "POST" else None,
            user=request.user,
            villages=few(villages, PICKER_VILLAGES_MAX),
        )
        if form.is_valid():
            cadre = form.cleaned_data["cadre"]
            try:
                result = assign_households(
                    households=households,
                    cadre=cadre,
                    on=form.cleaned_data["started_on"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    over_maximum=form.cleaned_data["over_maximum"],
                )
            except ValidationError as error:
                fields = {"cadre_not_in_service": "cadre", "over_maximum": "over_maximum"}
                form.add_error(fields.get(error_code(error), "started_on"), error)
            else:
                message = gettext(
                    "%(cadre)s: %(assigned)s households newly assigned, %(moved)s taken over "
                    "from another cadre, %(unchanged)s unchanged."
                ) % {
                    "cadre": cadre.name,
                    "assigned": result.assigned,
                    "moved": result.moved,
                    "unchanged": result.unchanged,
                }
                self.message_user(request, message, messages.SUCCESS)
                return redirect(changelist)

        page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("p"))
        if not page.paginator.count:
            self.message_user(request, gettext("No households were chosen."), messages.ERROR)
            return redirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Assign a responsible cadre"),
            "form": form,
            "media": self.media + form.media,
            "page": page,
            "page_query": with_preserved(self, request, f"ids={','.join(map(str, ids))}"),
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/units/household_assign.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), **self._responsible_on(request, object_id)}
        context["may_assign"] = may_assign(request)
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _responsible_on(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        """The "who was responsible on date D" box of the household page."""
        if not request.user.has_perm("units.view_householdassignment"):
            return {}
        form = ResponsibleOnForm(request.GET if "responsible_on" in request.GET else None)
        context: dict[str, Any] = {"responsible_form": form}
        household = self.get_object(request, unquote(object_id)) if form.is_valid() else None
        if household is not None:
            day = form.cleaned_data["responsible_on"]
            cadre = cadre_responsible_on(household=household, day=day)
            values = {"date": day.isoformat()}
            if cadre is None:
                context["responsible_answer"] = gettext("On %(date)s: none") % values
            else:
                context["responsible_answer"] = gettext("On %(date)s: %(name)s (%(unit)s)") % {
                    **values,
                    "name": cadre.name,
                    "unit": cadre.unit.name,
                }
        return context
