"""The admin page that loads a city's geography from the statistical code table: upload and
preview, then confirm. The file waits between the two in storage, named in the session."""

import hashlib
import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from villages.geography_load import (
    LEVEL_NAMES,
    GeographyFileError,
    load_geography,
    parse_code_table,
)
from villages.models import County

SESSION_KEY = "geography_load"
ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_BYTES = 20 * 1024 * 1024


class CodeTableForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Statistical code table"),
        help_text=gettext_lazy(
            "The table of 统计用区划代码 as the National Bureau of Statistics publishes it, as "
            "CSV or Excel: each row a 12-digit code, a name and, for villages and communities, "
            "the urban-rural class code (111–122 urban, 210–220 rural)."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(
                _("Upload an Excel (.xlsx, .xls) or CSV file; %(name)s is neither.")
                % {"name": upload.name}
            )
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_BYTES // 1024 // 1024}
            )
        return upload


def may_load(request: HttpRequest) -> bool:
    """Coordinators who keep villages may load the geography of their area."""
    return request.user.has_perms(
        ["villages.add_village", "villages.change_village", "villages.delete_village"]
    )


def load_geography_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Upload and preview (POST with a file), or confirm the previewed file (POST confirm)."""
    if not may_load(request):
        raise PermissionDenied
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": County._meta,
        "title": _("Load geography from the statistical code table"),
        "level_names": LEVEL_NAMES,
    }
    form = CodeTableForm()
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, context)
    if request.method == "POST":
        form = CodeTableForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                report = load_geography(
                    user=request.user, rows=parse_code_table(data, filename=upload.name)
                )
            except GeographyFileError as error:
                context["errors"] = error.messages
            else:
                _forget(request)
                stored = default_storage.save(
                    f"geography/{secrets.token_hex(16)}{_suffix(upload.name)}", ContentFile(data)
                )
                request.session[SESSION_KEY] = {
                    "path": stored,
                    "name": upload.name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
                context.update(report=report, file_name=upload.name)
    context["form"] = form
    return TemplateResponse(request, "admin/villages/county/load_geography.html", context)


def _confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    if not pending or request.POST.get("sha256") != pending["sha256"]:
        messages.error(request, _("This preview is no longer available: upload the file again."))
        return redirect("admin:villages_county_load_geography")
    try:
        with default_storage.open(pending["path"], "rb") as file:
            data = file.read()
        rows = parse_code_table(data, filename=pending["name"])
        report = load_geography(
            user=request.user, rows=rows, confirm=True, file_name=pending["name"]
        )
    except (OSError, GeographyFileError) as error:
        _forget(request)
        messages.error(request, "\n".join(getattr(error, "messages", [str(error)])))
        return redirect("admin:villages_county_load_geography")
    _forget(request)
    if not report.applied:
        context.update(report=report, file_name=pending["name"], form=CodeTableForm())
        return TemplateResponse(request, "admin/villages/county/load_geography.html", context)
    messages.success(
        request,
        _(
            "The geography is loaded: %(new)s new, %(renamed)s renamed, %(removed)s removed, "
            "%(kept)s kept although gone."
        )
        % {
            "new": len(report.new),
            "renamed": len(report.renamed),
            "removed": len(report.removed),
            "kept": len(report.kept),
        },
    )
    return redirect("admin:villages_county_changelist")


def _forget(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


def _suffix(name: str) -> str:
    lowered = name.lower()
    return next((suffix for suffix in ACCEPTED_SUFFIXES if lowered.endswith(suffix)), "")
