"""Optimistic locking of admin change forms: a save over someone else's change is refused.

The change page carries a token of the stored state it was opened on: the object's fields and
the rows of every inline the user may write. Saving recomputes the token with the object's row
locked; when it differs, someone saved in between and the form is refused, nothing written,
rather than silently putting back the values it was opened with. The token is keyed with the
secret key: it is made from full resident IDs and phones, which the page may show masked.
"""

import json
from typing import Any

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.forms.models import _get_foreign_key
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

TOKEN_FIELD = "_edit_token"  # noqa: S105 — a form field's name
_SALT = "shuanglian.edit_locks"


def _stored_fields(model: type[models.Model]) -> list[str]:
    """Columns that say what the row holds; timestamps a save refreshes on its own are left out."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not getattr(field, "auto_now", False)
    ]


def _writes(inline: Any, request: HttpRequest, obj: models.Model) -> bool:
    """Whether the inline's formset can change, add or delete rows for this user."""
    if inline.has_add_permission(request, obj):
        return True
    if inline.can_delete and inline.has_delete_permission(request, obj):
        return True
    if not inline.has_change_permission(request, obj):
        return False
    fields = set(flatten_fieldsets(inline.get_fieldsets(request, obj)))
    return bool(fields - set(inline.get_readonly_fields(request, obj)))


def state_token(
    model_admin: Any, request: HttpRequest, obj: models.Model, *, lock: bool = False
) -> str:
    """A token of the stored state of ``obj`` and of the inline rows the user may write."""
    model = type(obj)
    rows = model._base_manager.filter(pk=obj.pk)
    if lock and transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        # Two saves of one object take turns, so the second sees what the first wrote.
        rows = rows.select_for_update()
    state: list[Any] = [list(rows.values_list(*_stored_fields(model)))]
    for inline in model_admin.get_inline_instances(request, obj):
        if not _writes(inline, request, obj):
            continue
        foreign_key = _get_foreign_key(model, inline.model, fk_name=inline.fk_name)
        related = (
            inline.get_queryset(request)
            .filter(**{foreign_key.name: obj})
            .order_by("pk")
            .values_list(*_stored_fields(inline.model))
        )
        state.append([inline.model._meta.label_lower, list(related)])
    payload = json.dumps(state, default=str, ensure_ascii=False)
    return salted_hmac(_SALT, payload).hexdigest()


def changed_meanwhile_message() -> str:
    return gettext(
        "This record was changed by someone else after you opened it. Nothing was saved, so "
        "as not to undo their change: reload the page and make your edits again."
    )


def locked_form(
    form_class: type[forms.BaseForm], *, current: Any, submitted: str
) -> type[forms.BaseForm]:
    """``form_class`` refusing to validate when ``current()`` is no longer ``submitted``."""

    def clean(self: forms.BaseForm) -> Any:
        cleaned = super(locked, self).clean()
        if current() != submitted:
            raise ValidationError(changed_meanwhile_message(), code="changed_meanwhile")
        return cleaned

    locked = type(form_class.__name__, (form_class,), {"clean": clean})
    return locked


class EditLockMixin:
    """Puts the state token on change pages and refuses a save whose token is stale.

    A form posted without a token (opened before the pages carried one) saves as it always did.
    """

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        submitted = request.POST.get(TOKEN_FIELD) if request.method == "POST" else None
        if obj is None or obj.pk is None or not submitted:
            return form_class
        return locked_form(
            form_class,
            current=lambda: state_token(self, request, obj, lock=True),
            submitted=submitted,
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ):
        if change and obj is not None and self.has_change_permission(request, obj):
            # A form shown again after a refused save keeps the token it was opened with.
            submitted = request.POST.get(TOKEN_FIELD) if request.method == "POST" else None
            context["edit_token"] = submitted or state_token(self, request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
