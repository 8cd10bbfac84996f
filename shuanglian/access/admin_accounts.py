"""Accounts and groups in admin: roles and scopes, permissions in the reader's language."""

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Permission
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.paginators import EstimatedCountAdminMixin
from shuanglian.models import UserScope


class UserScopeInline(admin.StackedInline):
    model = UserScope
    fields = ["role", "county", "township", "unit", "full_personal_data", "password_changed_at"]
    readonly_fields = ["password_changed_at"]
    autocomplete_fields = ["county", "township", "unit"]
    verbose_name_plural = _("role and scope")


# Django keeps permission names in English in the database ("Can add city"); the four
# standard ones are named here in the reader's language from their codename.
PERMISSION_ACTIONS = {
    "add": _("can add"),
    "change": _("can change"),
    "delete": _("can delete"),
    "view": _("can view"),
}


def permission_label(permission: Permission) -> str:
    """村户管理 | 市 | 可添加, rather than Django's "村户管理 | 市 | Can add city"."""
    action = permission.codename.split("_", 1)[0]
    model = permission.content_type.model_class()
    if action in PERMISSION_ACTIONS and model is not None:
        app = apps.get_app_config(permission.content_type.app_label)
        parts = [app.verbose_name, model._meta.verbose_name, PERMISSION_ACTIONS[action]]
        return " | ".join(str(part) for part in parts)
    return f"{permission.content_type} | {gettext(permission.name)}"


class ReadablePermissionsMixin:
    """The permission pickers of users and groups, labelled in the reader's language."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


class ScopedGroupAdmin(ReadablePermissionsMixin, GroupAdmin):
    pass


class ScopedUserAdmin(EstimatedCountAdminMixin, ReadablePermissionsMixin, UserAdmin):
    """Accounts with their role; only city coordinators see this page (shuanglian.access.rules)."""

    inlines = [*UserAdmin.inlines, UserScopeInline]
    list_display = [*UserAdmin.list_display, "role"]
    list_select_related = ["scope"]

    @admin.display(description=_("role"), ordering="scope__role")
    def role(self, obj: Any) -> str:
        scope = getattr(obj, "scope", None)
        return scope.get_role_display() if scope is not None else self.get_empty_value_display()
