"""One admin mixin that keeps every admin page within the user's scope.

It also applies the rule on searching by ID and phone digits (``shuanglian.access.search_rules``) to
every list, autocomplete and export, and optimistic locking (``shuanglian.edit_locks``) to every
change form.

The project's admin site (``shuanglian.admin_site``) serves every page it registers behind the
mixin, so that a page cannot be registered without it; the villages, units and visits admins need
not import this module.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import Field
from django.http import HttpRequest

from shuanglian.access import search_rules
from shuanglian.access.rules import has_rule, restrict
from shuanglian.access.scope import scope_of
from shuanglian.edit_locks import EditLockMixin
from shuanglian.models import AuditEvent, RankingWeights, UserScope
from villages.admin_filters import choices_once
from villages.models import City, County, Township
from visits.models import VisitInterval

# Reference tables that only a city coordinator changes.
CITY_WRITES: frozenset[type[models.Model]] = frozenset(
    {City, County, Township, VisitInterval, RankingWeights}
)
# Accounts and roles, like the tables shuanglian.access.rules has no rule for (groups, background
# tasks), are a city coordinator's alone: other roles do not even see the pages.
CITY_ONLY: frozenset[type[models.Model]] = frozenset({UserScope, get_user_model()})


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A sidebar filter by a related object that names only the objects the user may see."""

    def field_choices(
        self, field: models.Field, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[Any, str]]:
        related = field.related_model
        choices = restrict(related._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        return choices_once(
            request,
            ("related", related._meta.label, tuple(ordering or ())),
            lambda: [(obj.pk, str(obj)) for obj in choices],
        )


def scope_formfield(field: Field | None, request: HttpRequest) -> Field | None:
    """Narrow a model choice field to the objects the user may see; a forged key is refused."""
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        field.queryset = restrict(queryset, request.user)
    return field


def _may(request: HttpRequest, model: type[models.Model], *, write: bool) -> bool:
    scope = scope_of(request.user)
    if model is AuditEvent:
        return scope.reads_audit_trail and not write
    if not scope.is_coordinator:
        # Audit viewers read only the trail; cadres use their own pages; users without a
        # role see nothing.
        return False
    if model in CITY_ONLY or not has_rule(model):
        return scope.is_city
    if write and model in CITY_WRITES:
        return scope.is_city
    return True


def _order_field(model_admin: admin.ModelAdmin, name: Any) -> Any:
    """The ordering behind a list column, found as ``ChangeList.get_ordering_field`` does."""
    if isinstance(name, str):
        try:
            return model_admin.model._meta.get_field(name).name
        except FieldDoesNotExist:
            pass
        attr = getattr(model_admin, name, None) or getattr(model_admin.model, name, None)
    else:
        attr = name
    if isinstance(attr, property):
        attr = attr.fget
    return getattr(attr, "admin_order_field", None)


def _sorts_by_number(model: type[models.Model], order: Any) -> bool:
    return isinstance(order, str) and search_rules.touches_numbers(model, order)


_number_safe_changelists: dict[type, type] = {}


def _without_number_ordering(changelist_class: type) -> type:
    """``changelist_class`` that will not sort by a resident ID or phone a column masks."""
    if changelist_class not in _number_safe_changelists:

        class NumberSafeChangeList(changelist_class):
            def get_ordering_field(self, field_name: Any) -> Any:
                order = super().get_ordering_field(field_name)
                return None if _sorts_by_number(self.model, order) else order

        _number_safe_changelists[changelist_class] = NumberSafeChangeList
    return _number_safe_changelists[changelist_class]


class ScopedAdminMixin(EditLockMixin):
    """Applies ``access.rules`` to lists, object pages, choices, filters and permissions."""

    def has_full_personal_data(self, request: HttpRequest) -> bool:
        """Resident IDs and phones in full: the one answer for every page (see common)."""
        return scope_of(request.user).full_personal_data

    def _number_paths(self, request: HttpRequest) -> search_rules.NumberPaths:
        return search_rules.number_paths(self.model, self.get_search_fields(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return search_rules.search(
            request=request,
            queryset=queryset,
            term=search_term,
            paths=self._number_paths(request),
            run=lambda: super(ScopedAdminMixin, self).get_search_results(
                request, queryset, search_term
            ),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return search_rules.counting_duplicate_numbers(form_class, request)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # An add page takes initial values from the address (``?township=12``); a value that
        # is not a key of the related table would break its widget, so it is left out.
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.is_relation and field.related_model):
                continue
            target = field.target_field if field.many_to_one else field.related_model._meta.pk
            values = value if isinstance(value, list) else str(value).split(",")
            try:
                for item in values:
                    target.to_python(item)
            except ValidationError:
                del initial[name]
        return initial

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # ?id_number__endswith=… in the address would be a search past the rule; no page
        # filters by a number.
        if search_rules.touches_numbers(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        changelist_class = super().get_changelist(request, **kwargs)
        if self.has_full_personal_data(request):
            return changelist_class
        # Sorting by a masked number tells where it lies between numbers one can add.
        return _without_number_ordering(changelist_class)

    def get_sortable_by(self, request: HttpRequest) -> Any:
        sortable = super().get_sortable_by(request)
        if self.has_full_personal_data(request):
            return sortable
        return [
            name for name in sortable if not _sorts_by_number(self.model, _order_field(self, name))
        ]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        if not self.has_full_personal_data(request) and self._number_paths(request):
            changelist.search_help_text = search_rules.help_text()
        return changelist

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not _may(request, self.model, write=False):
            # Also for the admin's own views that check a permission of their own.
            return queryset.none()
        return restrict(queryset, request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        return scope_formfield(
            super().formfield_for_foreignkey(db_field, request, **kwargs), request
        )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return scope_formfield(field, request)

    def get_list_filter(self, request: HttpRequest) -> list:
        return [self._scoped_filter(item) for item in super().get_list_filter(request)]

    def _scoped_filter(self, item: Any) -> Any:
        """Plain related-object filters list every object of the table: narrow them."""
        if isinstance(item, str):
            path, filter_class = item, None
        elif isinstance(item, tuple | list) and isinstance(item[0], str):
            path, filter_class = item
        else:
            return item
        if filter_class is not None and (
            not issubclass(filter_class, admin.RelatedFieldListFilter)
            or issubclass(filter_class, admin.RelatedOnlyFieldListFilter)
        ):
            # Only-used values come from the scoped list itself.
            return item
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except FieldDoesNotExist:
            return item
        if not (field.is_relation and field.related_model):
            return item
        return (path, ScopedRelatedFieldListFilter)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list:
        return [
            scoped_class(type(inline))(self.model, self.admin_site)
            if not isinstance(inline, ScopedAdminMixin)
            else inline
            for inline in super().get_inline_instances(request, obj)
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may(request, self.model, write=False) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, self.model, write=False) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _may(request, self.model, write=True) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = _may(request, self.model, write=True)
        return allowed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = _may(request, self.model, write=True)
        return allowed and super().has_delete_permission(request, obj)

    def has_import_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A spreadsheet of units or villages may name rows anywhere in the city.
        return scope_of(request.user).is_city and super().has_import_permission(request, *args)


_scoped_classes: dict[type, type] = {}


def scoped_class(admin_class: type) -> type:
    """``admin_class`` with the mixin in front (itself when it already has it)."""
    if issubclass(admin_class, ScopedAdminMixin):
        return admin_class
    if admin_class not in _scoped_classes:
        _scoped_classes[admin_class] = type(
            admin_class.__name__,
            (ScopedAdminMixin, admin_class),
            {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
        )
    return _scoped_classes[admin_class]
