"""Admin of the assessments: read-only pages, moved on only by the steps.

The page of an assessment shows its criteria by group with the village's points and evidence
and the township's; the village's ratings year by year; and buttons for the steps the user may
take now (fill, add evidence, submit, review, return, approve, send back, set a rectification
item). An evidence file is downloaded only through ``evidence_view``, which loads it within the
user's scope and records the download in the audit trail.
"""

from itertools import groupby
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from assessments import assessments as steps
from assessments import rectification, rules
from assessments.admin.forms import (
    ApproveForm,
    EvidenceForm,
    ItemForm,
    RemoveEvidenceForm,
    ReturnForm,
    ReviewScoresForm,
    ScoresForm,
    SendBackForm,
    StartForm,
    scores_of,
)
from assessments.evidence import CONTENT_TYPES
from assessments.models import (
    Assessment,
    Criterion,
    CriterionScore,
    EvidenceFile,
    RectificationItem,
)
from assessments.scoring import points_text
from common.paginators import LIST_PER_PAGE
from projects.admin.forms import ConfirmForm
from projects.admin.projects import ReadOnlyInline
from projects.admin.steps import Step, StepPagesMixin
from shuanglian.audit.trail import record
from villages.admin_filters import area_filters
from villages.models import Village

Status = Assessment.Status


def _fills(user: Any, a: Assessment) -> bool:
    return rules.may_fill(user, a.village)


def _reviews(user: Any, a: Assessment) -> bool:
    return rules.may_review(user, a.village)


def _approves(user: Any, a: Assessment) -> bool:
    # The reviewer is not offered the approval: the service would refuse it.
    return rules.may_approve(user, a.village) and a.reviewed_by_id != user.pk


ASSESSMENT_STEPS = {
    step.name: step
    for step in [
        Step(
            name="fill",
            title=_("Fill in the self-assessment"),
            form=ScoresForm,
            ready=lambda a: a.status == Status.DRAFT,
            may=_fills,
            run=lambda a, by, data: steps.save_self_assessment(
                assessment=a, scores=scores_of(data), by=by
            ),
            done=lambda a: gettext("The self-assessment is saved."),
        ),
        Step(
            name="evidence",
            title=_("Add an evidence file"),
            form=EvidenceForm,
            ready=lambda a: a.status == Status.DRAFT,
            may=_fills,
            run=lambda a, by, data: steps.add_evidence(
                score=data["score"], upload=data["upload"], by=by
            ),
            done=lambda a: gettext("The evidence file is added."),
            multipart=True,
        ),
        Step(
            name="remove_evidence",
            title=_("Remove an evidence file"),
            form=RemoveEvidenceForm,
            ready=lambda a: a.status == Status.DRAFT,
            may=_fills,
            run=lambda a, by, data: steps.remove_evidence(evidence=data["evidence"], by=by),
            done=lambda a: gettext("The evidence file is removed."),
        ),
        Step(
            name="submit",
            title=_("Submit for review"),
            form=ConfirmForm,
            ready=lambda a: a.status == Status.DRAFT,
            may=_fills,
            run=lambda a, by, data: steps.submit(assessment=a, by=by),
            done=lambda a: gettext("The self-assessment is submitted to the township."),
        ),
        Step(
            name="review",
            title=_("Review"),
            form=ReviewScoresForm,
            ready=lambda a: a.status == Status.SUBMITTED,
            may=_reviews,
            run=lambda a, by, data: steps.review(
                assessment=a, scores=scores_of(data), comment=data["comment"], by=by
            ),
            done=lambda a: gettext("The review is sent to the county for approval."),
        ),
        Step(
            name="return",
            title=_("Return for changes"),
            form=ReturnForm,
            ready=lambda a: a.status == Status.SUBMITTED,
            may=_reviews,
            run=lambda a, by, data: steps.return_for_changes(
                assessment=a, comment=data["comment"], by=by
            ),
            done=lambda a: gettext("The self-assessment is returned to the village."),
        ),
        Step(
            name="approve",
            title=_("Approve the assessment"),
            form=ApproveForm,
            ready=lambda a: a.status == Status.REVIEWED,
            may=_approves,
            run=lambda a, by, data: steps.approve(assessment=a, comment=data["comment"], by=by),
            done=lambda a: gettext("The assessment is approved."),
        ),
        Step(
            name="send_back",
            title=_("Send back to the township"),
            form=SendBackForm,
            ready=lambda a: a.status == Status.REVIEWED,
            may=lambda user, a: rules.may_approve(user, a.village),
            run=lambda a, by, data: steps.send_back(assessment=a, comment=data["comment"], by=by),
            done=lambda a: gettext("The review is sent back to the township."),
        ),
        Step(
            name="rectify",
            title=_("Add a rectification item"),
            form=ItemForm,
            ready=rectification.may_set_items,
            may=_reviews,
            run=lambda a, by, data: rectification.add_item(assessment=a, by=by, **data),
            done=lambda a: gettext("The rectification item is added."),
        ),
    ]
}


class RectificationInline(ReadOnlyInline):
    model = RectificationItem
    fields = ["task", "responsible", "deadline", "status", "details"]
    readonly_fields = fields
    verbose_name_plural = _("rectification items")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("assessment")

    @admin.display(description=_("progress"))
    def details(self, obj: RectificationItem) -> str:
        url = reverse("admin:assessments_rectificationitem_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Progress and steps"))


def stars_text(assessment: Assessment) -> str:
    if assessment.stars is None:
        return ""
    return "★" * assessment.stars


def evidence_url(evidence: EvidenceFile, assessment: Assessment) -> str:
    return reverse("admin:assessments_assessment_evidence", args=[assessment.pk, evidence.pk])


def criteria_by_group(assessment: Assessment) -> list[dict[str, Any]]:
    """The assessment's scores grouped as the checklist groups them, with their files."""
    rows = list(
        CriterionScore.objects.filter(assessment=assessment)
        .select_related("criterion")
        .prefetch_related(Prefetch("files", queryset=EvidenceFile.objects.order_by("pk")))
        .order_by("criterion__position", "criterion_id")
    )
    order = {value: n for n, value in enumerate(Criterion.Group.values)}
    rows.sort(key=lambda row: (order.get(row.criterion.group, len(order)), row.criterion.position))
    groups = []
    for group, members in groupby(rows, key=lambda row: row.criterion.group):
        scored = list(members)
        groups.append(
            {
                "name": Criterion.Group(group).label,
                "weight": points_text(sum(row.criterion.weight for row in scored)),
                "rows": [
                    {
                        "score": row,
                        "weight": points_text(row.criterion.weight),
                        "self_score": points_text(row.self_score)
                        if row.self_score is not None
                        else "",
                        "review_score": points_text(row.review_score)
                        if row.review_score is not None
                        else "",
                        "files": [(f, evidence_url(f, assessment)) for f in row.files.all()],
                    }
                    for row in scored
                ],
            }
        )
    return groups


@admin.register(Assessment)
class AssessmentAdmin(StepPagesMixin, admin.ModelAdmin):
    steps = ASSESSMENT_STEPS
    change_form_template = "admin/assessments/assessment/change_form.html"
    change_list_template = "admin/assessments/assessment/change_list.html"
    list_display = [
        "village",
        "year",
        "status",
        "self_total",
        "review_total",
        "stars_shown",
        "up_to_standard",
    ]
    list_select_related = ["village__township"]
    list_filter = ["year", "status", "stars", "up_to_standard", *area_filters("village")]
    search_fields = ["village__name", "village__code"]
    list_per_page = LIST_PER_PAGE
    fieldsets = [
        (None, {"fields": ["village", "year", "checklist", "work_group", "status"]}),
        (
            _("Totals and rating"),
            {"fields": ["self_total", "review_total", "stars_shown", "up_to_standard"]},
        ),
        (
            _("Steps taken"),
            {
                "fields": [
                    "submitted_by",
                    "submitted_at",
                    "review_comment",
                    "reviewed_by",
                    "reviewed_at",
                    "approval_comment",
                    "approved_by",
                    "approved_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "village",
        "year",
        "checklist",
        "work_group",
        "status",
        "self_total",
        "review_total",
        "stars_shown",
        "up_to_standard",
        "submitted_by",
        "submitted_at",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "approval_comment",
        "approved_by",
        "approved_at",
    ]
    inlines = [RectificationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Set here, list_select_related would be ignored; the page and the steps read these.
        return (
            super()
            .get_queryset(request)
            .select_related(
                "village__township",
                "checklist",
                "work_group__unit",
                "submitted_by",
                "reviewed_by",
                "approved_by",
            )
        )

    @admin.display(description=_("stars"), ordering="stars")
    def stars_shown(self, obj: Assessment) -> str:
        return stars_text(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Assessments are opened for a year from the start page, with a row per criterion.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "criteria_groups": criteria_by_group(obj),
                "village_path": [
                    (past, stars_text(past))
                    for past in Assessment.objects.visible_to(request.user).path_of(obj.village)
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list[URLPattern]:
        evidence = self.admin_site.admin_view(self.evidence_view)
        start = self.admin_site.admin_view(self.start_view)
        return [
            path("start/", start, name="assessments_assessment_start"),
            path("<int:pk>/evidence/<int:file>/", evidence, name="assessments_assessment_evidence"),
            *super().get_urls(),
        ]

    def evidence_view(self, request: HttpRequest, pk: int, file: int) -> FileResponse:
        """An evidence file as a download, for those who see the assessment; each audited."""
        if not self.has_view_permission(request):
            raise Http404
        assessment = get_object_or_404(self.get_queryset(request), pk=pk)
        evidence = get_object_or_404(
            EvidenceFile.objects.visible_to(request.user).filter(score__assessment=assessment),
            pk=file,
        )
        suffix = "." + evidence.file.name.rsplit(".", 1)[-1].lower()
        try:
            opened = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        record(
            request=request,
            action="evidence_download",
            obj=assessment,
            file=evidence.file.name,
        )
        response = FileResponse(
            opened,
            as_attachment=True,
            filename=f"evidence-{evidence.pk}{suffix if suffix in CONTENT_TYPES else ''}",
            content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """Open a year's assessments for every village the user fills that has none yet."""
        if not self.has_view_permission(request):
            raise Http404
        posted = request.method == "POST"
        form = StartForm(request.POST if posted else None)
        if posted and form.is_valid():
            year = form.cleaned_data["year"]
            try:
                count = steps.start_assessments(
                    villages=Village.objects.visible_to(request.user), year=year, by=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s assessment opened for %(year)s.",
                        "%(count)s assessments opened for %(year)s.",
                        count,
                    )
                    % {"count": count, "year": year},
                    messages.SUCCESS if count else messages.INFO,
                )
                return redirect("admin:assessments_assessment_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Open the assessments of a year"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/assessments/assessment/start.html", context)
