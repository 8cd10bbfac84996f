"""The audit trail in admin (read-only)."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuanglian.access.scope import scope_of
from shuanglian.models import AUDIT_ACTIONS, AuditEvent
from villages.imports.audit import SYSTEM_ACTOR


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
        "actor",
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
        "actor",
        "ip",
        "action_name",
        "result",
        "object_type_name",
        "object_id",
        "object_repr",
        "details",
    ]
    readonly_fields = fields

    @admin.display(description=_("username"), ordering="username")
    def actor(self, obj: AuditEvent) -> str:
        """The user name as stored; the system itself (demo data, commands) in words."""
        return gettext("(system)") if obj.username == SYSTEM_ACTOR else obj.username

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
