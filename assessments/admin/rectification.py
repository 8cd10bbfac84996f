"""Admin of rectification items (整改): a list with the overdue ones marked, and each item's page
with its progress notes and the steps: progress, done, accepted or reopened."""

import mimetypes
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import rectification, rules
from assessments.admin.forms import DoneForm, NoteForm, ReopenForm
from assessments.models import RectificationItem, RectificationNote
from common.paginators import LIST_PER_PAGE
from projects.admin.forms import ConfirmForm
from projects.admin.projects import ReadOnlyInline
from projects.admin.steps import Step, StepPagesMixin
from villages.admin_filters import area_filters

Status = RectificationItem.Status


class DueFilter(admin.SimpleListFilter):
    title = _("overdue or open")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("overdue", _("overdue")), ("open", _("not yet accepted"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "open":
            return queryset.open()
        return queryset


class NoteInline(ReadOnlyInline):
    model = RectificationNote
    fields = ["written_at", "text", "photo_link", "written_by"]
    readonly_fields = fields
    verbose_name_plural = _("progress notes")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("written_by", "item")

    @admin.display(description=_("photo"))
    def photo_link(self, obj: RectificationNote) -> str:
        if not obj.photo:
            return ""
        url = reverse("admin:assessments_rectificationitem_photo", args=[obj.item_id, obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, gettext("View the photo"))


def _fills(user: Any, item: RectificationItem) -> bool:
    return rules.may_fill(user, item.assessment.village)


def _reviews(user: Any, item: RectificationItem) -> bool:
    return rules.may_review(user, item.assessment.village)


ITEM_STEPS = {
    step.name: step
    for step in [
        Step(
            name="note",
            title=_("Report progress"),
            form=NoteForm,
            ready=lambda i: i.status != Status.ACCEPTED,
            may=_fills,
            run=lambda i, by, data: rectification.add_note(item=i, by=by, **data),
            done=lambda i: gettext("The progress note is added."),
            multipart=True,
        ),
        Step(
            name="done",
            title=_("Report done"),
            form=DoneForm,
            ready=lambda i: i.status == Status.OPEN,
            may=_fills,
            run=lambda i, by, data: rectification.mark_done(item=i, by=by, **data),
            done=lambda i: gettext("The item is reported done; the township will check it."),
        ),
        Step(
            name="accept",
            title=_("Accept"),
            form=ConfirmForm,
            ready=lambda i: i.status == Status.DONE,
            may=_reviews,
            run=lambda i, by, data: rectification.accept(item=i, by=by),
            done=lambda i: gettext("The item is accepted and closed."),
        ),
        Step(
            name="reopen",
            title=_("Reopen"),
            form=ReopenForm,
            ready=lambda i: i.status == Status.DONE,
            may=_reviews,
            run=lambda i, by, data: rectification.reopen(item=i, by=by, **data),
            done=lambda i: gettext("The item is reopened."),
        ),
    ]
}


@admin.register(RectificationItem)
class RectificationItemAdmin(StepPagesMixin, admin.ModelAdmin):
    steps = ITEM_STEPS
    change_form_template = "admin/projects/change_form.html"
    list_display = ["task_shown", "village", "year", "responsible", "due", "status"]
    list_select_related = ["assessment__village__township"]
    list_filter = [DueFilter, "status", "assessment__year", *area_filters("assessment__village")]
    search_fields = ["task", "assessment__village__name", "assessment__village__code"]
    list_per_page = LIST_PER_PAGE
    fields = [
        "assessment",
        "criterion",
        "task",
        "responsible",
        "deadline",
        "status",
        "created_by",
        "created_at",
        "accepted_by",
        "accepted_at",
    ]
    readonly_fields = fields
    inlines = [NoteInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "assessment__village__township", "criterion", "created_by", "accepted_by"
            )
        )

    @admin.display(description=_("what is to be put right"), ordering="task")
    def task_shown(self, obj: RectificationItem) -> str:
        return obj.task if len(obj.task) <= 40 else f"{obj.task[:40]}…"

    @admin.display(description=_("village or community"), ordering="assessment__village__code")
    def village(self, obj: RectificationItem) -> str:
        return str(obj.assessment.village)

    @admin.display(description=_("year"), ordering="assessment__year")
    def year(self, obj: RectificationItem) -> int:
        return obj.assessment.year

    @admin.display(description=_("deadline"), ordering="deadline")
    def due(self, obj: RectificationItem) -> str:
        shown = obj.deadline.isoformat()
        if obj.status != Status.ACCEPTED and obj.deadline < timezone.localdate():
            return format_html(
                '{} <strong class="need-late">{}</strong>', shown, gettext("overdue")
            )
        return shown

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Items are set from the assessment's page, by the township.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.photo_view)
        return [
            path(
                "<int:pk>/notes/<int:note>/photo/", view, name="assessments_rectificationitem_photo"
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request: HttpRequest, pk: int, note: int) -> FileResponse:
        """A progress note's photo: media is not served publicly."""
        if not self.has_view_permission(request):
            raise Http404
        item = get_object_or_404(self.get_queryset(request), pk=pk)
        found = get_object_or_404(
            RectificationNote.objects.visible_to(request.user).filter(item=item), pk=note
        )
        if not found.photo:
            raise Http404
        content_type = mimetypes.guess_type(found.photo.name)[0] or "application/octet-stream"
        if not content_type.startswith("image/"):
            content_type = "application/octet-stream"
        response = FileResponse(found.photo.open("rb"), content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response
