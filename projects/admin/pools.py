"""Admin of the fund pools: every coordinator reads what is left; city coordinators keep them."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from projects import rules
from projects.admin.columns import money_column
from projects.models import FundPool


class FundPoolForm(forms.ModelForm):
    def _post_clean(self) -> None:
        super()._post_clean()
        if self._errors:
            return
        # The form leaves out ``allocated``, so Django would skip the rule that the amount
        # covers it; an amount below what was approved is refused here with the rule's message.
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            self._update_errors(error)


@admin.register(FundPool)
class FundPoolAdmin(admin.ModelAdmin):
    form = FundPoolForm
    list_display = [
        "year",
        "source",
        "name",
        money_column("amount", _("amount (yuan)")),
        money_column("allocated", _("allocated (yuan)")),
        money_column("left", _("left to allocate (yuan)"), ordering="n_left"),
    ]
    list_filter = ["year", "source"]
    search_fields = ["name"]
    list_per_page = LIST_PER_PAGE
    fields = ["year", "source", "name", "amount", "allocated", "left_to_allocate"]
    readonly_fields = ["allocated", "left_to_allocate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(n_left=F("amount") - F("allocated"))

    def get_fields(self, request: HttpRequest, obj: FundPool | None = None) -> list[str]:
        # A new pool has allocated nothing yet.
        return self.fields if obj is not None else self.fields[:4]

    @admin.display(description=_("left to allocate (yuan)"), ordering="n_left")
    def left_to_allocate(self, obj: FundPool) -> Decimal:
        return obj.left

    def save_model(self, request: HttpRequest, obj: FundPool, form: Any, change: bool) -> None:
        if not change:
            obj.save()
            return
        # ``allocated`` moves with approvals, which may have come since the page was drawn.
        obj.save(update_fields=["year", "source", "name", "amount"])

    # The pools are the city's money: only those who approve allocations keep them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return rules.may_approve(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.may_approve(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.may_approve(request.user) and super().has_delete_permission(request, obj)
