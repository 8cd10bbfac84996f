"""The periodic reports on the dashboard: made on request, and the area's archive with its
downloads. Who may take which area's reports, and the audit trail, are the services'."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shuanglian.access import decisions
from shuanglian.models import ReportArchive
from shuanglian.reports import archive, handing
from shuanglian.reports.handing import NoSuchArea, ReportArea
from shuanglian.reports.periods import Period

PAGE_SIZE = 50
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_box(user: Any, area: Any) -> dict[str, Any] | None:
    """What the dashboard's "统计报表" box offers for its area; None for a village (reports
    are made for the city, counties and townships) or a user who may not take them."""
    if area is not None and area.is_village:
        return None
    try:
        place = handing.area_of(area)
    except NoSuchArea:
        return None
    if not handing.may_take_reports(user, place):
        return None
    return {
        "area": place,
        "choices": handing.report_choices(),
        "archive_url": f"{reverse('report_archive')}?area={place.code}",
    }


class Refused(Exception):
    """A request for a report answered with a page saying why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _refused(request: HttpRequest, error: Refused) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("The report cannot be made"),
        "message": error.message,
    }
    return render(request, "shuanglian/reports/refused.html", context, status=error.status)


def _requested_area(request: HttpRequest) -> ReportArea:
    """The area of ``?area=<12-digit code>`` (none: the user's own), which the user may take
    the reports of: Refused (404) for a code that names no such area, PermissionDenied for
    an area outside the user's."""
    code = request.GET.get("area", "").strip()
    try:
        if code:
            area = handing.report_area(code)
        else:
            area = handing.area_of(decisions.home_area(request.user))
    except NoSuchArea as error:
        raise Refused(str(error), 404) from None
    if not handing.may_take_reports(request.user, area):
        raise PermissionDenied
    return area


@require_GET
@staff_member_required
def report(request: HttpRequest) -> HttpResponse:
    """``?area=CODE&period=2026-11&format=pdf``: the report as a download, recorded."""
    try:
        area = _requested_area(request)
        fmt = request.GET.get("format", "")
        if fmt not in handing.FORMATS:
            raise Refused(_("A report is made as xlsx or pdf."), 400)
        try:
            made = handing.hand_out(
                user=request.user,
                area_code=area.code,
                period=request.GET.get("period", ""),
                fmt=fmt,
                source="dashboard",
                request=request,
            )
        except NoSuchArea as error:
            raise Refused(str(error), 404) from None
        except ValueError as error:
            raise Refused(str(error), 400) from None
    except Refused as error:
        return _refused(request, error)
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = handing.attachment(made.filename, made.ascii_filename)
    return response


def _trail(request: HttpRequest, area: ReportArea) -> list[Any]:
    """The county and township above and including the area that the user may open."""
    if area.area is None:
        return []
    places = [*area.area.ancestors(), area.area]
    return [place for place in places if decisions.may_see_area_figures(request.user, place)]


@require_GET
@staff_member_required
def archive_page(request: HttpRequest) -> HttpResponse:
    """The reports archived for the area and every area within it, newest periods first."""
    try:
        area = _requested_area(request)
    except Refused as error:
        return _refused(request, error)
    kind = request.GET.get("kind", "")
    if kind not in handing.KINDS:
        kind = ""
    rows = archive.archived_for(area, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.period_label = _period_label(row.period)
    context = {
        **admin.site.each_context(request),
        "title": _("Archived reports of %(area)s") % {"area": area.name},
        "area": area,
        "trail": _trail(request, area),
        "city": _city_for(request.user) if area.area is not None else None,
        "kind": kind,
        "kinds": list(handing.KINDS.items()),
        "page": page,
    }
    return render(request, "shuanglian/reports/archive.html", context)


def _city_for(user: Any) -> ReportArea | None:
    """The city, when the user may take its reports (for the trail's first step)."""
    if not decisions.may_see_area_figures(user, None):
        return None
    try:
        return handing.city_area()
    except NoSuchArea:
        return None


def _period_label(code: str) -> str:
    try:
        return Period.parse(code).label
    except ValueError:
        return code


@require_GET
@staff_member_required
def archive_download(request: HttpRequest, pk: int) -> FileResponse:
    """One archived report, for a user who may take its area's reports (404 otherwise)."""
    row = ReportArchive.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    try:
        area = archive.archived_area(user=request.user, row=row)
    except (NoSuchArea, PermissionDenied):
        raise Http404 from None
    try:
        handle = row.file.open("rb")
    except (OSError, ValueError):
        raise Http404(_("The file of this report is missing.")) from None
    archive.record_archived(user=request.user, row=row, area=area, request=request)
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(row.format))
    name = archive.download_name(row)
    response["Content-Disposition"] = handing.attachment(name, row.file.name.rsplit("/", 1)[-1])
    return response
