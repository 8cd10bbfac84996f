"""A round's results page and its workbook: each area's figure per question, its sample size
and margin of error, or that too few were interviewed; the cadres' own rate and the gap."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.exports import transferred, write_xlsx
from satisfaction.models import Round, VillageResult
from satisfaction.results import AreaResult, Figure, results_by_area
from villages.models import Village


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _area_name(round: Round, result: AreaResult) -> str:
    if result.level:
        return result.name
    return round.area.name if round.area is not None else gettext("the whole city")


def _row(round: Round, result: AreaResult, figure: Figure) -> dict[str, Any]:
    published = figure.published
    gap = figure.gap_points if published else None
    return {
        "area": _area_name(round, result),
        "level": result.level,
        "question": figure.question,
        "villages": figure.villages,
        "households": figure.households,
        "interviewed": figure.interviewed,
        "rate": _percent(figure.rate)
        if published
        else gettext("too few interviews, not published"),
        "margin": f"±{figure.margin * 100:.1f}" if published and figure.margin is not None else "",
        "self_reported": figure.self_reported or "",
        "self_rate": _percent(figure.self_reported_rate),
        "gap": "" if gap is None else f"{gap:+.1f}",
        "published": published,
    }


def cells(row: dict[str, Any]) -> list[Any]:
    """A row's values in the order of ``HEADERS``."""
    return [row[key] for key, _label in HEADERS]


def results_rows(round: Round, user: Any) -> list[dict[str, Any]]:
    """The rows of the results page, over the villages the user may see; village by village
    only in a township's round (a county's or the city's has too many)."""
    villages = VillageResult.objects.visible_to(user).filter(round=round).values("village_id")
    if not Village.objects.visible_to(user).exists():
        return []
    rows = []
    for result in results_by_area(round, villages):
        if result.level == "village" and round.township_id is None:
            continue
        rows.extend(_row(round, result, figure) for figure in result.figures)
    return rows


HEADERS = (
    ("area", _("area")),
    ("question", _("question")),
    ("villages", _("villages")),
    ("households", _("households")),
    ("interviewed", _("households interviewed")),
    ("rate", _("satisfaction rate")),
    ("margin", _("margin of error (percentage points, 95%)")),
    ("self_reported", _("cadres' own records")),
    ("self_rate", _("cadres' own rate")),
    ("gap", _("gap (percentage points)")),
)


def results_response(round: Round, request: HttpRequest) -> HttpResponse:
    """The results page as an .xlsx workbook, recorded in the audit trail."""
    rows = results_rows(round, request.user)
    data = write_xlsx(
        [str(label) for _key, label in HEADERS],
        (cells(row) for row in rows),
        sheet_title=gettext("Results"),
    )
    transferred.send(
        sender=Round,
        request=request,
        action="results_export",
        model=Round,
        rows=len(rows),
        details={"round": round.pk},
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-results-{round.pk}.xlsx"'
    return response
