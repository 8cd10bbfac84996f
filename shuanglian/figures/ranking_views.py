"""The ranking page (考核排名) of an area and its workbook; the figures come from ``ranking``."""

from collections.abc import Iterator

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.exports import write_xlsx_sheets
from shuanglian.audit.trail import record
from shuanglian.figures import ranking as scores
from shuanglian.figures.dashboards import XLSX, _area, _attachment, _trail


@staff_member_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    result = scores.ranking(area, today=timezone.localdate())
    output = request.GET.get("format", "")
    if output == "xlsx":
        return _export(request, result)
    if output:
        raise Http404(_("No such format."))
    context = {
        **admin.site.each_context(request),
        "title": _("%(area)s ranking") % {"area": area.name} if area else _("Ranking"),
        "area": area,
        "trail": _trail(request, area),
        "ranking": result,
        "indicators": scores.INDICATORS,
        "weights": [(i.label, getattr(result.weights, i.key)) for i in scores.INDICATORS],
        "detail": _detail(request, result),
        "tables": [
            ("units", _("Units"), _body(request, area, "unit", result.units)),
            (
                "townships",
                _("Townships and subdistricts"),
                _body(request, area, "township", result.townships),
            ),
        ],
    }
    return render(request, "shuanglian/ranking.html", context)


def _detail(request: HttpRequest, result: scores.Ranking) -> scores.RankedRow | None:
    """The row named by ``?row=unit-<key>`` or ``?row=township-<key>``, to show its figures."""
    kind, _dash, key = request.GET.get("row", "").partition("-")
    rows = {"unit": result.units, "township": result.townships}.get(kind, [])
    return next((row for row in rows if str(row.pk) == key), None)


def _body(
    request: HttpRequest, area: object, kind: str, rows: list[scores.RankedRow]
) -> SafeString:
    """The table's rows, written here: thousands of units would take the template engine a
    second; each score links to the same page showing that row's figures."""
    place = f"area={escape(area.code)}&amp;" if area is not None else ""
    if not rows:
        return format_html('<tr><td colspan="9">{}</td></tr>', _("Nothing to rank here yet."))
    out = []
    for row in rows:
        values = "".join(f'<td class="num">{_dash(part.value)}</td>' for part in row.parts)
        out.append(
            f'<tr><td class="num">{_dash(row.rank)}</td><td>{escape(row.name)}</td>'
            f'<td class="num"><a href="?{place}row={kind}-{row.pk}#ranking-detail">'
            f"{_dash(row.score)}</a></td>{values}</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - names escaped, the rest numbers


def _dash(value: object) -> object:
    return "—" if value is None else value


def _export(request: HttpRequest, result: scores.Ranking) -> HttpResponse:
    """Both rankings as sheets of one workbook, each indicator's value and figures."""
    headers = [_("rank"), _("name"), _("score")]
    for indicator in scores.INDICATORS:
        label = str(indicator.label)
        headers += [
            label,
            _("%(indicator)s: numerator") % {"indicator": label},
            _("%(indicator)s: denominator") % {"indicator": label},
            _("%(indicator)s: weight") % {"indicator": label},
        ]

    def rows(ranked: list[scores.RankedRow]) -> Iterator[list[object]]:
        for row in ranked:
            cells: list[object] = [row.rank, row.name, row.score]
            for part in row.parts:
                cells += [part.value, part.numerator, part.denominator, part.weight]
            yield cells

    workbook = write_xlsx_sheets(
        [
            (_("Units"), headers, rows(result.units)),
            (_("Townships and subdistricts"), headers, rows(result.townships)),
        ]
    )
    area = result.area
    record(
        request=request,
        action="export",
        obj=area,
        model="shuanglian.rankingweights",
        rows=len(result.units) + len(result.townships),
        area=area.code if area is not None else "",
    )
    place = area.name if area is not None else _("whole city")
    response = HttpResponse(workbook, content_type=XLSX)
    name = f"{_('Ranking')}-{place}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = _attachment(name)
    return response
