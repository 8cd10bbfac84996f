"""Coverage dashboard and gap lists for coordinators; the figures come from ``coverage``."""

import re
from collections.abc import Iterator
from urllib.parse import quote

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.exports import write_xlsx
from common.paginators import KnownCountPaginator
from shuanglian.access import decisions
from shuanglian.audit.trail import record
from shuanglian.figures import (
    coverage,
    project_stats,
    report_views,
    shuangchuang,
    summary,
    table_rows,
    trends,
    visit_stats,
)
from villages.models import area_with_code
from visitflags.models import VisitFlag

PAGE_SIZE = 50
AREA_CODE = re.compile(r"[0-9]{12}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _area(request: HttpRequest) -> coverage.Area:
    """The county, township or village named by ``?area=<12-digit code>``, within the user's area.

    Without ``?area=`` it is the user's own county or township; none means the city.
    """
    code = request.GET.get("area", "").strip()
    area = _find_area(code) if code else decisions.home_area(request.user)
    if not decisions.may_see_area_figures(request.user, area):
        raise PermissionDenied
    return area


def _find_area(code: str) -> coverage.Area:
    # Anything but twelve ASCII digits names no area (and a NUL would upset PostgreSQL).
    found = area_with_code(code) if AREA_CODE.fullmatch(code) else None
    if found is None:
        raise Http404(
            _("No county, township or village has the code %(code)s.") % {"code": code[:20]}
        )
    return found


def _trail(request: HttpRequest, area: coverage.Area) -> list[coverage.Area]:
    """The areas above and including ``area`` that the user may open, for the breadcrumbs."""
    trail = [] if area is None else [*area.ancestors(), area]
    return [place for place in trail if decisions.may_see_area_figures(request.user, place)]


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    both = summary.figures_for(area)
    figures, visits, projects = both.coverage, both.visits, both.projects
    twin = both.shuangchuang
    is_village = area is not None and area.is_village
    village_cadres = visit_stats.cadres_in_village(area) if is_village else []
    chart = _village_chart(figures, village_cadres) if is_village else _area_chart(figures)
    history = trends.trends_for(user=request.user, area=area)
    context = {
        **admin.site.each_context(request),
        "title": _("%(area)s coverage") % {"area": area.name} if area else _("Coverage"),
        "headlines": [
            {**headline, "trend": history.by_key.get(str(headline["slug"]))}
            for headline in _headlines(figures, area)
        ],
        "trends": history.by_key,
        "snapshot_chart": history.chart,
        "is_village": is_village,
        "village_cadres": village_cadres,
        "area": area,
        "trail": _trail(request, area),
        "figures": figures,
        "chart": chart,
        "gaps": coverage.GAPS,
        "max_per_cadre": coverage.max_households_per_cadre(),
        "visits": visits,
        "coverage_body": table_rows.coverage_rows(figures, is_village=is_village),
        "visit_body": table_rows.visit_rows(visit_stats.rows_beside(visits, figures.rows)),
        "visit_headlines": [
            (_("Households visited in the last 30 days"), visits.total.visited_30, "30"),
            (_("Households visited in the last 90 days"), visits.total.visited_90, "90"),
        ],
        "projects": projects,
        "project_body": table_rows.project_rows(
            (row, projects.row(row.pk)) for row in figures.rows
        ),
        "money_chart": project_stats.money_chart(projects),
        "unit_ranks": [
            (projects.most, _("Units that did most here"), "units-most"),
            (projects.least, _("Units that did least here"), "units-least"),
        ],
        "status_chart": None
        if is_village
        else project_stats.status_chart(projects, {row.pk: row.name for row in figures.rows}),
        "twin": twin,
        "twin_body": table_rows.twin_rows(
            ((row, twin.row(row.pk), twin.survey.row(row.pk)) for row in figures.rows),
            surveyed=twin.survey.latest is not None,
        ),
        "rating_chart": shuangchuang.rating_chart(twin),
        "trend_chart": shuangchuang.trend_chart(twin) if twin.survey.trend else None,
        "report_box": report_views.report_box(request.user, area),
        "flags_open": VisitFlag.objects.visible_to(request.user).in_area(area).open().count(),
    }
    return render(request, "shuanglian/dashboard.html", context)


def _area_chart(figures: coverage.Coverage) -> dict[str, object]:
    """Villages and households covered in each area one level down, in percent."""
    return {
        "names": [row.name for row in figures.rows],
        "percent": True,
        "series": [
            {
                "name": _("villages covered (%)"),
                "data": [row.villages.percent or 0 for row in figures.rows],
            },
            {
                "name": _("households covered (%)"),
                "data": [row.households.percent or 0 for row in figures.rows],
            },
        ],
    }


def _village_chart(
    figures: coverage.Coverage, cadres: list[visit_stats.CadreRow]
) -> dict[str, object]:
    """A village's households by who is responsible for them, and how many were visited.

    One bar for the village itself would say nothing; the households without a cadre get a
    bar of their own, so the bars add up to the village's households.
    """
    # A departed cadre's households are gaps, counted in the last bar.
    serving = [cadre for cadre in cadres if cadre.in_service]
    names = [cadre.name for cadre in serving]
    households = [cadre.households for cadre in serving]
    visited = [cadre.visited_30.done for cadre in serving]
    if figures.households.missing:
        names.append(_("no responsible cadre"))
        households.append(figures.households.missing)
        visited.append(None)
    return {
        "names": names,
        "percent": False,
        "series": [
            {"name": _("households"), "data": households},
            {"name": _("visited in 30 days"), "data": visited},
        ],
    }


def _headlines(figures: coverage.Coverage, area: coverage.Area) -> list[dict[str, object]]:
    """The four headline rates, each with the counts behind it and the size of its gap.

    A village has no units or cadres of its own: its page shows the two coverages only. In a
    county or township the participation rates count the units based there, which may be
    none where city-level units link every village: the card then says so, and how many
    units link the area's villages, rather than showing an empty rate as a gap.
    """
    is_village = area is not None and area.is_village
    local = area is not None and not is_village
    name = area.name if area is not None else ""
    texts = [
        (
            "units",
            _("Units participating"),
            _("%(done)s of %(total)s units based in %(area)s link a village")
            if local
            else _("%(done)s of %(total)s units link a village"),
            _("%(missing)s without a village"),
        ),
        (
            "cadres",
            _("In-service cadres participating"),
            _("%(done)s of %(total)s in-service cadres of units based in %(area)s link households")
            if local
            else _("%(done)s of %(total)s cadres link households"),
            _("%(missing)s without households"),
        ),
        (
            "villages",
            _("Villages covered"),
            _("%(done)s of %(total)s villages have a linked unit"),
            _("%(missing)s without a unit"),
        ),
        (
            "households",
            _("Households covered"),
            _("%(done)s of %(total)s households have a responsible cadre"),
            _("%(missing)s without a cadre"),
        ),
    ]
    headlines = []
    if is_village:
        texts = texts[2:]
    for slug, label, counts, gap in texts:
        rate = getattr(figures, slug)
        numbers = {"done": rate.done, "total": rate.total, "missing": rate.missing, "area": name}
        note = ""
        if local and slug in ("units", "cadres") and not rate.total:
            counts = _("No unit is based in %(area)s") % numbers
        else:
            counts = counts % numbers
        if local and slug == "units":
            linking = coverage.units_linking_villages_in(area)
            note = ngettext(
                "%(count)s unit, wherever based, links villages in %(area)s",
                "%(count)s units, wherever based, link villages in %(area)s",
                linking,
            ) % {"count": linking, "area": name}
        headlines.append(
            {
                "slug": slug,
                "label": label,
                "rate": rate,
                "counts": counts,
                "note": note,
                # Nothing missing is no gap: no red line saying "0 without".
                "gap": gap % numbers if rate.missing else "",
            }
        )
    return headlines


@staff_member_required
def gap_list(request: HttpRequest, slug: str) -> HttpResponse:
    gap = coverage.GAPS.get(slug)
    if gap is None:
        raise Http404
    area = _area(request)
    rows = coverage.gap_queryset(slug, area)
    output = request.GET.get("format", "")
    if output == "xlsx":
        return _export(request, gap, area, rows)
    if output:
        raise Http404(_("No such format."))
    page = KnownCountPaginator(
        rows, PAGE_SIZE, known_count=coverage.gap_count(slug, area)
    ).get_page(request.GET.get("page"))
    if slug == "cadres":
        coverage.attach_group_villages(list(page.object_list))
    levels = _levels_at_and_above(area)
    context = {
        **admin.site.each_context(request),
        "title": gap.title,
        "gap": gap,
        "area": area,
        "trail": _trail(request, area),
        "page": page,
        "subareas": coverage.subareas(area).only("code", "name"),
        "max_per_cadre": coverage.max_households_per_cadre(),
        "show_county": "county" not in levels,
        "show_township": "township" not in levels,
    }
    return render(request, f"shuanglian/gaps/{slug}.html", context)


def _export(
    request: HttpRequest, gap: coverage.Gap, area: coverage.Area, rows: QuerySet
) -> HttpResponse:
    """The whole gap list as a workbook; who took which list of which area is recorded."""
    headers, values = GAP_COLUMNS[gap.slug]
    keep = [
        index
        for index, header in enumerate(headers)
        if str(header) not in {str(name) for name in _constant_columns(area)}
    ]
    written = 0

    def counted() -> Iterator[list[object]]:
        nonlocal written
        for row in rows.iterator(chunk_size=2000):
            written += 1
            cells = values(row)
            yield [cells[index] for index in keep]

    workbook = write_xlsx(
        [str(headers[index]) for index in keep], counted(), sheet_title=str(gap.title)
    )
    record(
        request=request,
        action="export",
        obj=area,
        model=rows.model._meta.label_lower,
        rows=written,
        gap_list=gap.slug,
        area=area.code if area is not None else "",
    )
    place = area.name if area is not None else _("whole city")
    stamp = f"{timezone.localdate():%Y%m%d}"
    response = HttpResponse(workbook, content_type=XLSX)
    name = f"{gap.title}-{place}-{stamp}.xlsx"
    response["Content-Disposition"] = _attachment(name)
    return response


def _levels_at_and_above(area: coverage.Area) -> set[str]:
    """The levels of ``area`` and of the areas above it: a list of its rows holds one county,
    township or village of each."""
    return set() if area is None else {place.level for place in (*area.ancestors(), area)}


def _constant_columns(area: coverage.Area) -> list[object]:
    """The area columns that hold one value throughout a list of this area's rows."""
    levels = _levels_at_and_above(area)
    return [column for level, column in GAP_AREA_COLUMNS.items() if level in levels]


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


# The columns that name the area a row lies in; a list of one area drops those above it.
GAP_AREA_COLUMNS = {
    "county": gettext_lazy("county or district"),
    "township": gettext_lazy("township or subdistrict"),
}

GAP_COLUMNS = {
    "villages": (
        [
            gettext_lazy("county or district"),
            gettext_lazy("township or subdistrict"),
            gettext_lazy("village or community"),
            gettext_lazy("code"),
            gettext_lazy("number of households"),
        ],
        lambda v: [v.township.county.name, v.township.name, v.name, v.code, v.household_count],
    ),
    "households": (
        [
            gettext_lazy("county or district"),
            gettext_lazy("township or subdistrict"),
            gettext_lazy("village or community"),
            gettext_lazy("head of household"),
            gettext_lazy("resident ID number"),
            gettext_lazy("household category"),
            gettext_lazy("family members"),
        ],
        lambda h: [
            h.village.township.county.name,
            h.village.township.name,
            h.village.name,
            h.head_name,
            h.masked_id_number,
            h.get_category_display(),
            h.members,
        ],
    ),
    "units": (
        [
            gettext_lazy("unit"),
            gettext_lazy("kind"),
            gettext_lazy("level"),
            gettext_lazy("county or district"),
            gettext_lazy("township or subdistrict"),
            gettext_lazy("in-service cadres"),
        ],
        lambda u: [
            u.name,
            u.get_kind_display(),
            u.get_level_display(),
            u.county.name if u.county else "",
            u.township.name if u.township else "",
            u.cadre_count,
        ],
    ),
    "cadres": (
        [
            gettext_lazy("unit"),
            gettext_lazy("full name"),
            gettext_lazy("position"),
            gettext_lazy("phone"),
        ],
        lambda c: [c.unit.name, c.name, c.position, c.masked_phone],
    ),
    "overloaded": (
        [
            gettext_lazy("unit"),
            gettext_lazy("full name"),
            gettext_lazy("position"),
            gettext_lazy("number of households"),
        ],
        lambda c: [c.unit.name, c.name, c.position, c.load],
    ),
    "groups": (
        [
            gettext_lazy("county or district"),
            gettext_lazy("township or subdistrict"),
            gettext_lazy("village or community"),
            gettext_lazy("unit"),
            gettext_lazy("group leader"),
            gettext_lazy("established on"),
        ],
        lambda g: [
            g.village.township.county.name,
            g.village.township.name,
            g.village.name,
            g.unit.name,
            g.leader.name if g.leader else "",
            g.established_on,
        ],
    ),
    "rectification": (
        [
            gettext_lazy("county or district"),
            gettext_lazy("township or subdistrict"),
            gettext_lazy("village or community"),
            gettext_lazy("year"),
            gettext_lazy("rectification task"),
            gettext_lazy("person responsible"),
            gettext_lazy("due by"),
            gettext_lazy("status"),
        ],
        lambda i: [
            i.assessment.village.township.county.name,
            i.assessment.village.township.name,
            i.assessment.village.name,
            i.assessment.year,
            i.task,
            i.responsible,
            i.deadline,
            i.get_status_display(),
        ],
    ),
}
