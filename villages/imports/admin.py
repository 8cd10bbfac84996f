"""Admin pages for spreadsheet imports: upload, preview with progress, confirm, error workbook.

One set of pages serves every import kind; ``?kind=`` on the upload page chooses it.
"""

import datetime
import io
import logging
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common import translatable
from common.client_address import client_ip
from common.personal_data import PersonalDataAdminMixin
from villages import tasks
from villages.imports import areas, batches, error_workbooks, framework, leases, parsing, previews
from villages.models import County, ImportBatch, Township, Village

# .xml, .htm and .html: what other systems' 导出Excel writes (common.spreadsheets.markup).
ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv", ".xml", ".htm", ".html")
SCOPE_FIELDS = ("village", "township", "county")
logger = logging.getLogger(__name__)


def expired_message() -> str:
    return _(
        "This preview has expired: it was checked more than %(hours)s hours ago and nothing "
        "was imported. Upload the file again to import it."
    ) % {"hours": settings.IMPORT_PREVIEW_HOURS}


class ImportUploadForm(forms.ModelForm):
    """The file, the area and the kind's options; the admin picks the fields per kind."""

    file = forms.FileField(
        help_text=gettext_lazy(
            "Excel (.xlsx, .xls) or CSV, or the Excel file another system exported (XML or a "
            "web page's table). Title rows above the header, totals and signature lines are fine."
        ),
    )
    # The kind's importer, set by ImportBatchAdmin.get_form: the admin loads before any kind
    # is registered.
    importer: framework.BatchImporter

    class Meta:
        model = ImportBatch
        fields = ["file", "village", "township", "county", "move_households"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.importer.file_label
        for name, text in self.importer.scope_help.items():
            if name in self.fields:
                self.fields[name].help_text = text

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(
                _("Upload an Excel (.xlsx, .xls) or CSV file; %(name)s is neither.")
                % {"name": upload.name}
            )
        if upload.size > framework.max_file_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB; split it by township or village.")
                % {"limit": settings.ROSTER_MAX_MB}
            )
        # An empty file or one without a header is refused here, leaving no batch; a large
        # file is read by the worker, whose batch is refused for the same reasons.
        if upload.size <= settings.ROSTER_BACKGROUND_BYTES:
            problem = parsing.header_problem(
                upload.read(), file_name=upload.name, importer=self.importer
            )
            upload.seek(0)
            if problem:
                raise forms.ValidationError(problem)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [name for name in SCOPE_FIELDS if cleaned.get(name)]
        if len(chosen) > 1 or (not chosen and self.importer.scope_required):
            raise forms.ValidationError(
                _("Choose exactly one village, township or county to import into.")
                if self.importer.scope_required
                else _("Choose at most one village, township or county, or none for the city.")
            )
        return cleaned

    def _post_clean(self) -> None:
        # The batch is made by batches.create_batch, not from this form's instance.
        pass


@admin.register(ImportBatch)
class ImportBatchAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    form = ImportUploadForm
    add_form_template = "admin/villages/importbatch/upload.html"
    change_form_template = "admin/villages/importbatch/batch.html"
    list_display = [
        "created_at",
        "kind",
        "file_name",
        "scope_name",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "created_by",
    ]
    list_select_related = ["village", "township", "county", "created_by"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["file_name", "sha256"]
    # Townships and counties are few, and offered only where the user's area covers them.
    autocomplete_fields = ["village"]

    @admin.display(description=gettext_lazy("imported into"))
    def scope_name(self, obj: ImportBatch) -> str:
        return obj.scope_name

    def importer(
        self, request: HttpRequest, obj: ImportBatch | None = None
    ) -> framework.BatchImporter:
        """The batch's importer, or on the upload page the one ``?kind=`` names."""
        kind = obj.kind if obj is not None else request.GET.get("kind", ImportBatch.Kind.ROSTER)
        try:
            return framework.importer_for(kind)
        except LookupError:
            raise Http404 from None

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A township or county is offered only when one lies wholly inside the user's area.
        offered = [
            name
            for name, model in zip(SCOPE_FIELDS, (Village, Township, County), strict=True)
            if model is Village or areas.targets_for(request.user, model).exists()
        ]
        return ["file", *offered, *self.importer(request, obj).option_fields]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name in SCOPE_FIELDS:
            kwargs["queryset"] = areas.targets_for(request.user, db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        form.importer = self.importer(request, obj)
        return form

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        importer = self.importer(request)
        if not importer.allows(request.user):
            raise PermissionDenied
        context = {**(extra_context or {}), "importer": importer, "title": importer.upload_title}
        return super().add_view(request, form_url, extra_context=context)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The batch page is read-only; confirming is its own action.
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("villages.view_importbatch") or request.user.has_perm(
            "villages.add_importbatch"
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ImportBatch, form: Any, change: bool) -> None:
        upload = form.cleaned_data["file"]
        options = {name: form.cleaned_data[name] for name in form.importer.option_fields}
        # The form offered only targets inside the user's area; create_batch checks again.
        batch = batches.create_batch(
            data=upload.read(),
            file_name=Path(upload.name).name,
            scope=form.cleaned_data.get("village")
            or form.cleaned_data.get("township")
            or form.cleaned_data.get("county"),
            kind=form.importer.kind,
            user=request.user,
            client_address=client_ip(request),
            **options,
        )
        obj.pk = batch.pk
        if batches.runs_in_background(batch):
            transaction.on_commit(lambda: tasks.check_roster.enqueue(batch.pk))
        else:
            batches.check_batch(batch)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_addition(request, ImportBatch.objects.get(pk=obj.pk), message)

    def response_add(self, request: HttpRequest, obj: ImportBatch, post_url_continue: Any = None):
        return redirect("admin:villages_importbatch_change", obj.pk)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The list must not show a batch as still running after its process died, nor one
        # as waiting for confirmation after its preview ran out.
        leases.fail_dead_batches()
        batches.expire_previews()
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404
        batch = batches.expire_if_stale(leases.fail_if_dead(batch))
        importer = self.importer(request, batch)
        full = self.has_full_personal_data(request)
        report = previews.report_for(batch, request.user, full_personal_data=full)
        preview = previews.preview_page(
            batch,
            request.user,
            full_personal_data=full,
            tab=request.GET.get("tab"),
            page=request.GET.get("page", 1),
        )
        if preview is not None:
            labels = dict(zip(previews.OUTCOMES, importer.count_labels, strict=False))
            preview["tabs"] = [
                {"name": name, "label": labels[name], "count": preview["counts"][name]}
                for name in previews.OUTCOMES
            ]
        context = {
            **(extra_context or {}),
            "batch": batch,
            "report": report,
            "preview": preview,
            "importer": importer,
            "count_labels": importer.count_labels,
            "confirm_message": importer.confirm_message
            % {"created": batch.created, "updated": batch.updated},
            "add_url": f"{reverse('admin:villages_importbatch_add')}?kind={batch.kind}",
            "back_url": reverse(importer.back_url_name),
            "previous": batches.previous_import(batch),
            "nothing_to_write": batch.created + batch.updated == 0,
            "nothing_message": batches.nothing_to_import(batch),
            "progress_url": reverse("admin:villages_importbatch_progress", args=[batch.pk]),
            "confirm_url": reverse("admin:villages_importbatch_confirm", args=[batch.pk]),
            "errors_url": reverse("admin:villages_importbatch_errors", args=[batch.pk]),
            "title": importer.batch_title % {"name": batch.file_name},
            "expired_message": expired_message(),
            "failure_message": translatable.render(batch.report.get("message", batch.message)),
            "expires_at": batch.created_at
            + datetime.timedelta(hours=settings.IMPORT_PREVIEW_HOURS),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/progress/", view(self.progress_view), name="villages_importbatch_progress"
            ),
            path("<int:pk>/confirm/", view(self.confirm_view), name="villages_importbatch_confirm"),
            path("<int:pk>/errors/", view(self.errors_view), name="villages_importbatch_errors"),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, pk: int) -> ImportBatch:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(self.get_queryset(request), pk=pk)
        return batches.expire_if_stale(leases.fail_if_dead(batch))

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        batch = self._batch(request, pk)
        return JsonResponse(
            {
                "status": batch.status,
                "status_label": batch.get_status_display(),
                "rows_done": batch.rows_done,
                "rows_total": batch.rows_total,
                "finished": batch.is_finished or batch.status == ImportBatch.Status.PREVIEWED,
            }
        )

    @staticmethod
    def _confirm(request: HttpRequest, batch: ImportBatch) -> None:
        if batches.runs_in_background(batch):
            transaction.on_commit(lambda: tasks.import_roster.enqueue(batch.pk))
            return
        try:
            batches.confirm_batch(batch)
        except Exception:
            # The batch records the failure; the coordinator sees it on the batch page.
            logger.exception("import %s failed", batch.pk)
            messages.error(request, _("The import failed and nothing was written."))

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(self._confirm_post)(request, pk)

    def _confirm_post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("villages.add_importbatch"):
            raise PermissionDenied
        batch = self._batch(request, pk)
        if not self.importer(request, batch).allows(request.user):
            raise PermissionDenied
        if batch.status == ImportBatch.Status.EXPIRED:
            messages.error(request, expired_message())
            return redirect("admin:villages_importbatch_change", batch.pk)
        # A double click or a re-sent form must not import the file twice.
        if not batches.claim_for_import(batch):
            messages.warning(request, _("This import has already been confirmed or cannot be."))
            return redirect("admin:villages_importbatch_change", batch.pk)
        batches.set_confirmer(batch, request.user, client_address=client_ip(request))
        self._confirm(request, batch)
        return redirect("admin:villages_importbatch_change", batch.pk)

    def errors_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The rejected rows: in full for the uploader and for roles with the full-data
        right, masked for everyone else who sees the whole batch; every download recorded."""
        batch = self._batch(request, pk)
        if not batch.error_file or not previews.sees_whole_batch(batch, request.user):
            raise Http404
        full = batch.created_by_id == request.user.pk or self.has_full_personal_data(request)
        # Written afresh for each download: its reasons in the reader's language.
        content = error_workbooks.error_workbook(
            batch, user=request.user, masked=not full, client_address=client_ip(request)
        )
        stem = Path(batch.file_name).stem
        return FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=_("%(name)s-rejected-rows.xlsx") % {"name": stem},
        )
