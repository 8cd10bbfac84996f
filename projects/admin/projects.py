"""Admin of projects: kept by their work group's unit, saved and moved on through the services."""

import mimetypes
from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from projects import allocations, rules
from projects import projects as project_steps
from projects.admin.forms import (
    AcceptForm,
    ApplyForm,
    DateStepForm,
    NoteForm,
    ResolveNeedForm,
    ServiceSaveMixin,
)
from projects.admin.steps import Step, StepPagesMixin
from projects.models import Allocation, Project, ProjectNeed, ProjectNote
from projects.money import yuan
from villages.admin_filters import area_filters

Status = Project.Status


class ReadOnlyInline(admin.TabularInline):
    """Rows the steps write; the project's page only shows them."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fields = ["pool", "amount", "paid", "status", "applied_at", "details"]
    readonly_fields = fields
    verbose_name_plural = _("pooled funds applied for")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("pool", "project")

    @admin.display(description=_("steps"))
    def details(self, obj: Allocation) -> str:
        url = reverse("admin:projects_allocation_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Steps and payments"))


class ProjectNoteInline(ReadOnlyInline):
    model = ProjectNote
    fields = ["noted_on", "text", "photo_link", "author"]
    readonly_fields = fields
    verbose_name_plural = _("progress notes, newest first")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author", "project")

    @admin.display(description=_("photo"))
    def photo_link(self, obj: ProjectNote) -> str:
        if not obj.photo:
            return ""
        url = reverse("admin:projects_project_note_photo", args=[obj.project_id, obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, gettext("View the photo"))


class ProjectNeedInline(ReadOnlyInline):
    model = ProjectNeed
    fields = ["household", "category", "resolution", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("needs resolved by this project")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("need__household__village", "project")

    @admin.display(description=_("household"))
    def household(self, obj: ProjectNeed) -> str:
        return obj.need.household.head_name

    @admin.display(description=_("category"))
    def category(self, obj: ProjectNeed) -> str:
        return obj.need.get_category_display()

    @admin.display(description=_("resolution"))
    def resolution(self, obj: ProjectNeed) -> str:
        return obj.need.resolution


def _keeps(user: Any, project: Project) -> bool:
    return rules.may_keep(user, project.work_group)


def _open(project: Project) -> bool:
    return project.status != Status.ACCEPTED


PROJECT_STEPS = {
    step.name: step
    for step in [
        Step(
            name="start",
            title=_("Start"),
            form=DateStepForm,
            ready=lambda p: p.status == Status.PLANNED,
            may=_keeps,
            run=lambda p, by, data: project_steps.start(project=p, by=by, on=data["on"]),
            done=lambda p: gettext("The project “%(title)s” has started.") % {"title": p.title},
        ),
        Step(
            name="complete",
            title=_("Complete"),
            form=DateStepForm,
            ready=lambda p: p.status == Status.UNDERWAY,
            may=_keeps,
            run=lambda p, by, data: project_steps.complete(project=p, by=by, on=data["on"]),
            done=lambda p: gettext("The project “%(title)s” is completed.") % {"title": p.title},
        ),
        Step(
            name="accept",
            title=_("Accept"),
            form=AcceptForm,
            ready=lambda p: p.status == Status.COMPLETED,
            may=rules.may_review,
            run=lambda p, by, data: project_steps.accept(project=p, by=by, note=data["note"]),
            done=lambda p: gettext("The project “%(title)s” is accepted.") % {"title": p.title},
        ),
        Step(
            name="apply",
            title=_("Apply for funds"),
            form=ApplyForm,
            ready=_open,
            may=_keeps,
            run=lambda p, by, data: allocations.apply_for(project=p, by=by, **data),
            done=lambda p: gettext("The application for pooled funds is sent for review."),
        ),
        Step(
            name="note",
            title=_("Add a progress note"),
            form=NoteForm,
            ready=_open,
            may=_keeps,
            run=lambda p, by, data: project_steps.add_note(project=p, by=by, **data),
            done=lambda p: gettext("The progress note is added."),
            multipart=True,
        ),
        Step(
            name="resolve_need",
            title=_("Resolve a need"),
            form=ResolveNeedForm,
            ready=lambda p: True,
            may=_keeps,
            run=lambda p, by, data: project_steps.resolve_need(project=p, by=by, **data),
            done=lambda p: gettext(
                "The need is resolved by this project; the household's history says so."
            ),
        ),
    ]
}


@admin.register(Project)
class ProjectAdmin(ServiceSaveMixin, StepPagesMixin, admin.ModelAdmin):
    steps = PROJECT_STEPS
    change_form_template = "admin/projects/change_form.html"
    list_display = [
        "title",
        "village",
        "unit",
        "kind",
        "year",
        "status",
        "budget",
        "beneficiary_count",
    ]
    list_select_related = ["village", "unit"]
    list_filter = ["status", "kind", "year", *area_filters("village")]
    search_fields = ["title", "village__name", "unit__name"]
    list_per_page = LIST_PER_PAGE
    autocomplete_fields = ["work_group", "beneficiaries"]
    fieldsets = [
        (None, {"fields": ["work_group", "unit", "village", "kind", "title", "description"]}),
        (
            _("Budget by source (yuan)"),
            {
                "fields": [
                    "year",
                    "budget_pooled",
                    "budget_unit",
                    "budget_donation",
                    "budget_village",
                    "budget",
                ]
            },
        ),
        (
            _("Dates"),
            {"fields": ["planned_start", "planned_end", "actual_start", "actual_end"]},
        ),
        (_("Beneficiaries"), {"fields": ["beneficiaries", "beneficiary_count"]}),
        (
            _("Status and acceptance"),
            {"fields": ["status", "accepted_by", "accepted_at", "acceptance_note"]},
        ),
    ]
    # Status, dates of the work and acceptance are the steps'; unit and village the group's.
    readonly_fields = [
        "unit",
        "village",
        "budget",
        "actual_start",
        "actual_end",
        "status",
        "accepted_by",
        "accepted_at",
        "acceptance_note",
    ]
    inlines = [AllocationInline, ProjectNoteInline, ProjectNeedInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        total = F("budget_pooled") + F("budget_unit") + F("budget_donation") + F("budget_village")
        # Set here, list_select_related would be ignored; the step decisions read the group.
        return (
            super()
            .get_queryset(request)
            .select_related("village__township", "unit", "work_group__village")
            .annotate(n_budget=total)
        )

    @admin.display(description=_("budget total (yuan)"), ordering="n_budget")
    def budget(self, obj: Project) -> str:
        return yuan(obj.budget_total)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return obj.status != Status.ACCEPTED and _keeps(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A project is part of the campaign's record, with its money: it is never deleted here.
        return False

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        self.through_service(
            lambda: project_steps.save_project(
                project=obj, by=request.user, beneficiaries=form.cleaned_data.get("beneficiaries")
            )
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The beneficiaries were set by the service, which checked where they live.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.note_photo_view)
        return [
            path("<int:pk>/notes/<int:note>/photo/", view, name="projects_project_note_photo"),
            *super().get_urls(),
        ]

    def note_photo_view(self, request: HttpRequest, pk: int, note: int) -> FileResponse:
        """A progress note's photo: media is not served publicly."""
        if not self.has_view_permission(request):
            raise Http404
        project = get_object_or_404(self.get_queryset(request), pk=pk)
        found = get_object_or_404(
            ProjectNote.objects.visible_to(request.user).filter(project=project), pk=note
        )
        if not found.photo:
            raise Http404
        content_type = mimetypes.guess_type(found.photo.name)[0] or "application/octet-stream"
        if not content_type.startswith("image/"):
            content_type = "application/octet-stream"
        return FileResponse(found.photo.open("rb"), content_type=content_type)
