"""Admin of allocations and disbursements: read-only pages, changed only by the steps.

申报 is taken on the project's page; 审核, 退回, 批复 and 拨付 on the allocation's. A voucher is
downloaded only through ``voucher_view``, which loads it within the user's scope and records the
download in the audit trail: the media URL of a voucher is never shown.
"""

from pathlib import PurePath
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from projects import allocations, rules
from projects.admin.columns import money_column
from projects.admin.forms import ConfirmForm, DisburseForm, GiveBackForm, ReviewForm
from projects.admin.projects import ReadOnlyInline
from projects.admin.steps import Step, StepPagesMixin
from projects.models import GRANTED, Allocation, Disbursement
from shuanglian.audit.trail import record
from villages.admin_filters import area_filters

Status = Allocation.Status

# What a voucher is served as: a PDF or the JPEG the upload was turned into; nothing else.
VOUCHER_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def voucher_link(disbursement: Disbursement) -> str:
    if not disbursement.voucher:
        return ""
    url = reverse("admin:projects_disbursement_voucher", args=[disbursement.pk])
    return format_html('<a href="{}" class="voucher-link">{}</a>', url, gettext("Download"))


def _reviews(user: Any, allocation: Allocation) -> bool:
    return rules.may_review(user, allocation.project)


def _approves(user: Any, allocation: Allocation) -> bool:
    return rules.may_approve(user)


ALLOCATION_STEPS = {
    step.name: step
    for step in [
        Step(
            name="review",
            title=_("Review"),
            form=ReviewForm,
            ready=lambda a: a.status == Status.APPLIED,
            may=_reviews,
            run=lambda a, by, data: allocations.review(allocation=a, by=by, note=data["note"]),
            done=lambda a: gettext("The application is reviewed and sent to the city."),
        ),
        Step(
            name="give_back",
            title=_("Return"),
            form=GiveBackForm,
            ready=lambda a: a.status in (Status.APPLIED, Status.REVIEWED),
            may=lambda user, a: _reviews(user, a) or _approves(user, a),
            run=lambda a, by, data: allocations.give_back(
                allocation=a, by=by, reason=data["reason"]
            ),
            done=lambda a: gettext("The application is returned."),
        ),
        Step(
            name="approve",
            title=_("Approve"),
            form=ConfirmForm,
            ready=lambda a: a.status == Status.REVIEWED,
            may=_approves,
            run=lambda a, by, data: allocations.approve(allocation=a, by=by),
            done=lambda a: (
                gettext("The allocation is approved from %(pool)s.") % {"pool": a.pool.name}
            ),
        ),
        Step(
            name="disburse",
            title=_("Disburse"),
            form=DisburseForm,
            ready=lambda a: a.status in GRANTED and a.unpaid > 0,
            may=_approves,
            run=lambda a, by, data: allocations.disburse(allocation=a, by=by, **data),
            done=lambda a: gettext("The payment is recorded with its voucher."),
            multipart=True,
        ),
    ]
}


class DisbursementInline(ReadOnlyInline):
    model = Disbursement
    fields = ["paid_on", "amount", "voucher_file", "recorded_by", "recorded_at"]
    readonly_fields = fields
    verbose_name_plural = _("payments")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("recorded_by")

    @admin.display(description=_("voucher"))
    def voucher_file(self, obj: Disbursement) -> str:
        return voucher_link(obj)


def _step_row(name: str, who: Any, when: Any, note: str = "") -> tuple[str, str, str, str]:
    empty = "—"
    return (
        name,
        str(who) if who else empty,
        f"{timezone.localtime(when):%Y-%m-%d %H:%M}" if when else empty,
        note or "",
    )


@admin.register(Allocation)
class AllocationAdmin(StepPagesMixin, admin.ModelAdmin):
    steps = ALLOCATION_STEPS
    change_form_template = "admin/projects/change_form.html"
    list_display = [
        "project",
        "village",
        "pool",
        money_column("amount", _("amount (yuan)")),
        money_column("paid", _("paid (yuan)")),
        "status",
        "applied_at",
    ]
    list_filter = ["status", "pool__year", *area_filters("project__village")]
    search_fields = [
        "project__title",
        "project__village__name",
        "project__unit__name",
        "pool__name",
    ]
    list_per_page = LIST_PER_PAGE
    fields = ["project", "pool", "amount", "paid", "status", "purpose", "steps_taken"]
    readonly_fields = fields
    inlines = [DisbursementInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "project__village__township",
                "project__work_group",
                "pool",
                "applied_by",
                "reviewed_by",
                "approved_by",
                "accepted_by",
                "returned_by",
            )
        )

    @admin.display(description=_("village or community"), ordering="project__village__name")
    def village(self, obj: Allocation) -> str:
        return obj.project.village.name

    @admin.display(description=_("steps"))
    def steps_taken(self, obj: Allocation) -> str:
        rows = [
            _step_row(gettext("applied for"), obj.applied_by, obj.applied_at, obj.purpose),
            _step_row(gettext("reviewed"), obj.reviewed_by, obj.reviewed_at, obj.review_note),
            _step_row(gettext("approved"), obj.approved_by, obj.approved_at),
        ]
        if obj.paid:
            rows.append(
                _step_row(
                    gettext("disbursed"),
                    None,
                    None,
                    gettext("%(paid)s of %(amount)s yuan paid")
                    % {"paid": obj.paid, "amount": obj.amount},
                )
            )
        rows.append(_step_row(gettext("accepted"), obj.accepted_by, obj.accepted_at))
        if obj.status == Status.RETURNED:
            rows.append(
                _step_row(gettext("returned"), obj.returned_by, obj.returned_at, obj.return_reason)
            )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("step"),
            gettext("by"),
            gettext("when"),
            gettext("note"),
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html('<table class="allocation-steps">{}{}</table>', head, body)

    # An allocation is added by 申报 on its project's page and moved on by its steps only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Disbursement)
class DisbursementAdmin(admin.ModelAdmin):
    list_display = [
        "paid_on",
        "allocation_project",
        "pool",
        money_column("amount", _("amount (yuan)")),
        "voucher_file",
        "recorded_by",
    ]
    list_filter = ["paid_on", *area_filters("allocation__project__village")]
    search_fields = ["allocation__project__title", "allocation__project__village__name"]
    list_per_page = LIST_PER_PAGE
    fields = [
        "allocation",
        "amount",
        "paid_on",
        "voucher_file",
        "voucher_name",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("allocation__project", "allocation__pool", "recorded_by")
        )

    @admin.display(description=_("project"), ordering="allocation__project__title")
    def allocation_project(self, obj: Disbursement) -> str:
        return obj.allocation.project.title

    @admin.display(description=_("fund pool"))
    def pool(self, obj: Disbursement) -> str:
        return obj.allocation.pool.name

    @admin.display(description=_("voucher"))
    def voucher_file(self, obj: Disbursement) -> str:
        return voucher_link(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.voucher_view)
        return [
            path("<int:pk>/voucher/", view, name="projects_disbursement_voucher"),
            *super().get_urls(),
        ]

    def voucher_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The voucher as a download, for those who see the payment; every download audited."""
        if not self.has_view_permission(request):
            raise Http404
        disbursement = get_object_or_404(Disbursement.objects.visible_to(request.user), pk=pk)
        if not disbursement.voucher:
            raise Http404
        suffix = PurePath(disbursement.voucher.name).suffix.lower()
        content_type = VOUCHER_TYPES.get(suffix, "application/octet-stream")
        record(
            request=request,
            action="voucher_download",
            obj=disbursement,
            allocation=disbursement.allocation_id,
            voucher=disbursement.voucher.name,
        )
        response = FileResponse(
            disbursement.voucher.open("rb"),
            as_attachment=True,
            filename=f"voucher-{disbursement.pk}{suffix if suffix in VOUCHER_TYPES else ''}",
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
