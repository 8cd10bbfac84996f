"""Admin of interviewers: assigned village by village through the service, which refuses a
cadre the independence rule forbids, with the reason on the form."""

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from projects.admin.forms import ServiceSaveMixin
from satisfaction.interviewers import assign_interviewer
from satisfaction.models import Interviewer, Round
from villages.admin_filters import area_filters


@admin.register(Interviewer)
class InterviewerAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["cadre", "cadre_unit", "village", "round", "assigned_at"]
    list_filter = ["round", *area_filters("village")]
    list_select_related = ["cadre__unit", "village__township", "round"]
    search_fields = ["cadre__name", "village__name"]
    autocomplete_fields = ["village", "cadre"]
    fields = ["round", "village", "cadre"]
    list_per_page = LIST_PER_PAGE

    @admin.display(description=_("unit"), ordering="cadre__unit__name")
    def cadre_unit(self, obj: Interviewer) -> str:
        return obj.cadre.unit.name

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "round" and field is not None:
            field.queryset = field.queryset.exclude(status=Round.Status.CLOSED)
        return field

    def save_model(self, request: HttpRequest, obj: Interviewer, form: Any, change: bool) -> None:
        saved = self.through_service(
            lambda: assign_interviewer(
                round=obj.round, village=obj.village, cadre=obj.cadre, by=request.user
            )
        )
        obj.__dict__.update(saved.__dict__)

    # An assignment stands for the round; a wrong one is followed by another interviewer.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
