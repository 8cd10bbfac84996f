"""导出台账: the ledger workbook of a year and an area, for coordinators, from admin."""

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.exports import transferred
from projects import ledger, rules
from projects.models import Allocation, FundPool, Project, this_year
from villages.models import County, Township, Village, area_with_code

AREA_CODE = re.compile(r"[0-9]{12}")
# A coordinator over this many villages or fewer chooses among them too; above it (a county,
# the city), a village's ledger is asked for by its code.
VILLAGE_CHOICES_MAX = 300


def _years(user: Any) -> list[tuple[int, int]]:
    """This year and every year with a pool or a project the user sees, newest first."""
    years = {this_year()}
    years.update(FundPool.objects.visible_to(user).values_list("year", flat=True).distinct())
    years.update(Project.objects.visible_to(user).values_list("year", flat=True).distinct())
    return [(year, year) for year in sorted(years, reverse=True)]


def _areas(user: Any) -> list[tuple[Any, Any]]:
    """The areas whose ledger the user may take, grouped by level; "" is all of theirs."""
    counties = [
        (county.code, county.name)
        for county in County.objects.visible_to(user).order_by("code")
        if rules.may_see_ledger(user, county)
    ]
    townships = [
        (township.code, f"{township.county.name} {township.name}")
        for township in Township.objects.visible_to(user).select_related("county").order_by("code")
        if rules.may_see_ledger(user, township)
    ]
    villages = list(
        Village.objects.visible_to(user)
        .select_related("township")
        .order_by("code")[: VILLAGE_CHOICES_MAX + 1]
    )
    groups: list[tuple[Any, Any]] = [("", _("everything you may see"))]
    if counties:
        groups.append((_("counties and districts"), counties))
    if townships:
        groups.append((_("townships and subdistricts"), townships))
    if villages and len(villages) <= VILLAGE_CHOICES_MAX:
        groups.append(
            (
                _("villages and communities"),
                [(village.code, f"{village.township.name} {village.name}") for village in villages],
            )
        )
    return groups


class LedgerForm(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    area = forms.CharField(
        label=_("area"),
        required=False,
        help_text=_("Only the projects and allocations of your own area are included."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _years(user)
        self.fields["year"].initial = this_year()
        # The area is checked by its code (a village may be asked for by code): the list is
        # what the user may choose from, not what is allowed.
        self.fields["area"].widget = forms.Select(choices=_areas(user))


def _requested_area(request: HttpRequest) -> ledger.Area:
    """The area of ``?area=<12-digit code>`` (none: all the user sees), refused if outside."""
    code = request.GET.get("area", "").strip()
    area = None
    if code:
        area = area_with_code(code) if AREA_CODE.fullmatch(code) else None
        if area is None:
            raise Http404(
                gettext("No county, township or village has the code %(code)s.")
                % {"code": code[:20]}
            )
    ledger.check_area(request.user, area)
    return area


@staff_member_required
def export_ledger(request: HttpRequest) -> HttpResponse:
    """The form; with a year chosen, the workbook, recorded in the audit trail."""
    if not rules.may_see_ledger(request.user, None):
        raise PermissionDenied
    area = _requested_area(request)
    form = LedgerForm(request.GET if "year" in request.GET else None, user=request.user)
    if form.is_valid():
        year = form.cleaned_data["year"]
        data, counts = ledger.ledger_bytes(year=year, area=area, by=request.user)
        transferred.send(
            sender=Allocation,
            request=request,
            action="ledger",
            model=Allocation,
            rows=counts.rows,
            details={
                "year": year,
                "area": area.code if area is not None else "",
                "pools": counts.pools,
                "projects": counts.projects,
                "allocations": counts.allocations,
                "disbursements": counts.disbursements,
            },
        )
        response = HttpResponse(data, content_type=ledger.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            True, ledger.file_name(year, area)
        )
        return response
    context = {
        **admin.site.each_context(request),
        "title": gettext("Export the ledger"),
        "form": form,
    }
    return render(request, "projects/ledger_form.html", context)
