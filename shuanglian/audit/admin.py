"""The audit trail in admin (read-only), and the recorded reveal of one household's full ID."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shuanglian.access.scope import scope_of
from shuanglian.admin_households import FullHouseholdAdmin
from shuanglian.audit import trail
from shuanglian.models import AUDIT_ACTIONS, AuditEvent
from villages.models import Household


def may_read_audit_trail(user: Any) -> bool:
    return scope_of(user).reads_audit_trail


class AuditActionFilter(admin.SimpleListFilter):
    """The recorded actions by name, without reading the (large) table for its values."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return list(AUDIT_ACTIONS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        # As Django's field filter did: a NUL byte is a bad filter (the list's ``?e=1``).
        if "\x00" in value:
            raise IncorrectLookupParameters("NUL in a list filter value")
        return queryset.filter(action=value)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "username",
        "ip",
        "action_name",
        "result",
        "object_type_name",
        "object_repr",
    ]
    list_filter = [AuditActionFilter, "result", "at"]
    search_fields = ["username", "object_repr", "object_id", "=ip"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = [
        "at",
        "user",
        "username",
        "ip",
        "action_name",
        "result",
        "object_type_name",
        "object_id",
        "object_repr",
        "details",
    ]
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, obj: AuditEvent) -> str:
        return obj.action_label

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_name(self, obj: AuditEvent) -> str:
        return obj.object_type_label

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # Filtering by one user from the address bar (?user__id__exact=…).
        return lookup == "user__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_audit_trail(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_read_audit_trail(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PersonalDataHouseholdAdmin(FullHouseholdAdmin):
    """The household pages, where a user with full personal data may reveal one full ID."""

    @admin.display(description=_("resident ID number"), ordering="id_number")
    def masked_id_number(self, obj: Household) -> str:
        request = trail.current_request.get()
        if obj.pk is None or request is None or not self.has_full_personal_data(request):
            return obj.masked_id_number
        # Inside the change form: the button posts the form, with its CSRF token, to the reveal.
        url = reverse("admin:villages_household_reveal", args=[obj.pk])
        return format_html(
            '{} <button type="submit" formaction="{}" formmethod="post" id="reveal-id-number">'
            "{}</button>",
            obj.masked_id_number,
            url,
            _("Show the full resident ID number"),
        )

    def get_list_display(self, request: HttpRequest) -> list:
        # The list keeps the masked text without the button.
        return [
            "masked_id_text" if name == "masked_id_number" else name
            for name in super().get_list_display(request)
        ]

    @admin.display(description=_("resident ID number"), ordering="id_number")
    def masked_id_text(self, obj: Household) -> str:
        return obj.masked_id_number

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(require_POST(self.reveal_view))
        return [
            path("<path:object_id>/reveal/", view, name="villages_household_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show one household's full resident ID once, and record that it was shown."""
        household = self.get_object(request, unquote(object_id))
        if household is None:
            raise Http404
        if not (
            self.has_view_permission(request, household) and self.has_full_personal_data(request)
        ):
            trail.record(
                request=request,
                action=trail.REVEAL,
                obj=household,
                result=AuditEvent.Result.REFUSED,
            )
            raise PermissionDenied
        trail.record(request=request, action=trail.REVEAL, obj=household, field="id_number")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Full resident ID number"),
            "household": household,
            "change_url": reverse("admin:villages_household_change", args=[household.pk]),
        }
        return TemplateResponse(request, "admin/villages/household/reveal.html", context)


admin.site.unregister(Household)
admin.site.register(Household, PersonalDataHouseholdAdmin)
