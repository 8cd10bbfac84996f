"""The reminders sent, in admin: read-only, for city coordinators."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reminders.models import Delivery
from shuanglian.access.scope import scope_of


def may_read_deliveries(user: Any) -> bool:
    return scope_of(user).is_city


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["day", "user", "status", "backend", "claimed_at", "finished_at", "error"]
    list_filter = ["status", "day"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "day"
    fields = list_display
    readonly_fields = list_display
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_deliveries(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_read_deliveries(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
