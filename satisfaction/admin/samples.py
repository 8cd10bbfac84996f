"""Admin of the sampled households, their contact attempts and answers: read only, what the
draw and the interviewers wrote; names and phones masked unless the role has full data."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from satisfaction.models import Answer, Attempt, Sample
from villages.admin_filters import area_filters
from villages.validators import mask_phone


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["at", "method", "reached", "note", "by"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AnswerInline(AttemptInline):
    model = Answer
    fields = ["question", "choice"]
    readonly_fields = fields


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = [
        "head_name",
        "masked_phone",
        "village",
        "stratum",
        "status",
        "tries",
        "interviewer",
        "round",
    ]
    list_filter = ["status", "stratum", "round", *area_filters("village")]
    list_select_related = ["household", "village__township", "interviewer__unit", "round"]
    search_fields = ["household__head_name", "village__name"]
    fields = [
        "round",
        "head_name",
        "masked_phone",
        "village",
        "stratum",
        "draw_order",
        "status",
        "tries",
        "interviewer",
        "replaces",
        "interviewed_at",
        "method",
        "comment",
    ]
    inlines = [AttemptInline, AnswerInline]

    def _phone_column(self, request: HttpRequest) -> str:
        return "full_phone" if self.has_full_personal_data(request) else "masked_phone"

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return [
            self._phone_column(request) if n == "masked_phone" else n for n in self.list_display
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [self._phone_column(request) if n == "masked_phone" else n for n in self.fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    @admin.display(description=_("head of household"), ordering="household__head_name")
    def head_name(self, obj: Sample) -> str:
        return obj.household.head_name

    @admin.display(description=_("phone"))
    def full_phone(self, obj: Sample) -> str:
        return obj.household.phone

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Sample) -> str:
        return mask_phone(obj.household.phone)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["sample", "at", "method", "reached", "by"]
    list_filter = ["reached", "method"]
    list_select_related = ["by__unit", "sample"]
    fields = ["sample", "at", "method", "reached", "note", "by"]
    readonly_fields = fields


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["sample", "question", "choice"]
    list_filter = ["choice"]
    list_select_related = ["sample", "question"]
    fields = ["sample", "question", "choice"]
    readonly_fields = fields
