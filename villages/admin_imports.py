"""Admin pages for roster imports: upload, preview with progress, confirm, error workbook."""

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

from villages import importers, tasks
from villages.models import ImportBatch

ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")
logger = logging.getLogger(__name__)


class RosterUploadForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("roster file"),
        help_text=gettext_lazy(
            "Excel (.xlsx, .xls) or CSV. Title rows above the header, totals and signature "
            "lines are fine."
        ),
    )

    class Meta:
        model = ImportBatch
        fields = ["file", "village", "township", "county", "move_households"]
        help_texts = {
            "village": gettext_lazy("A file for one village: choose the village."),
            "township": gettext_lazy(
                "A file for several villages of a township, with a village column or one "
                "sheet per village: choose the township."
            ),
            "county": gettext_lazy("A county-wide file with a village column: choose the county."),
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(
                _("Upload an Excel (.xlsx, .xls) or CSV file; %(name)s is neither.")
                % {"name": upload.name}
            )
        if upload.size > settings.ROSTER_MAX_MB << 20:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB; split it by township or village.")
                % {"limit": settings.ROSTER_MAX_MB}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [name for name in ("village", "township", "county") if cleaned.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                _("Choose exactly one village, township or county to import into.")
            )
        return cleaned

    def _post_clean(self) -> None:
        # The batch is made by importers.create_batch, not from this form's instance.
        pass


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    form = RosterUploadForm
    add_form_template = "admin/villages/importbatch/upload.html"
    change_form_template = "admin/villages/importbatch/batch.html"
    list_display = [
        "created_at",
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
    list_filter = ["status", "created_at"]
    search_fields = ["file_name", "sha256"]
    autocomplete_fields = ["village", "township", "county"]

    @admin.display(description=gettext_lazy("imported into"))
    def scope_name(self, obj: ImportBatch) -> str:
        return obj.scope.name

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
        batch = importers.create_batch(
            data=upload.read(),
            file_name=Path(upload.name).name,
            scope=form.cleaned_data.get("village")
            or form.cleaned_data.get("township")
            or form.cleaned_data.get("county"),
            move_households=form.cleaned_data["move_households"],
            user=request.user,
        )
        obj.pk = batch.pk
        if importers.runs_in_background(batch):
            transaction.on_commit(lambda: tasks.check_roster.enqueue(batch.pk))
        else:
            importers.check_batch(batch)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_addition(request, ImportBatch.objects.get(pk=obj.pk), message)

    def response_add(self, request: HttpRequest, obj: ImportBatch, post_url_continue: Any = None):
        return redirect("admin:villages_importbatch_change", obj.pk)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404
        context = {
            **(extra_context or {}),
            "batch": batch,
            "previous": importers.previous_import(batch),
            "nothing_to_write": batch.created + batch.updated == 0,
            "progress_url": reverse("admin:villages_importbatch_progress", args=[batch.pk]),
            "confirm_url": reverse("admin:villages_importbatch_confirm", args=[batch.pk]),
            "errors_url": reverse("admin:villages_importbatch_errors", args=[batch.pk]),
            "title": _("Roster import: %(name)s") % {"name": batch.file_name},
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
        return get_object_or_404(self.get_queryset(request), pk=pk)

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
        if importers.runs_in_background(batch):
            transaction.on_commit(lambda: tasks.import_roster.enqueue(batch.pk))
            return
        try:
            importers.confirm_batch(batch)
        except Exception:
            # The batch records the failure; the coordinator sees it on the batch page.
            logger.exception("roster import %s failed", batch.pk)
            messages.error(request, _("The import failed and nothing was written."))

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(self._confirm_post)(request, pk)

    def _confirm_post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("villages.add_importbatch"):
            raise PermissionDenied
        batch = self._batch(request, pk)
        # A double click or a re-sent form must not import the file twice.
        if not importers.claim_for_import(batch):
            messages.warning(request, _("This import has already been confirmed or cannot be."))
            return redirect("admin:villages_importbatch_change", batch.pk)
        self._confirm(request, batch)
        return redirect("admin:villages_importbatch_change", batch.pk)

    def errors_view(self, request: HttpRequest, pk: int) -> FileResponse:
        batch = self._batch(request, pk)
        if not batch.error_file:
            raise Http404
        stem = Path(batch.file_name).stem
        return FileResponse(
            batch.error_file.open("rb"),
            as_attachment=True,
            filename=_("%(name)s-rejected-rows.xlsx") % {"name": stem},
        )
