"""The report as a PDF, from a template, through WeasyPrint: A4 landscape, Noto Sans CJK.

Nothing is fetched: the HTML names no URL, and a URL fetcher that refuses every fetch
stands guard in case one slips in.
"""

import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import ImageFile

from shuanglian.figures.ranking import RankedRow
from shuanglian.reports import texts
from shuanglian.reports.columns import MONEY, SHARE, Column, groups
from shuanglian.reports.figures import ReportFigures, Row, etc

TEMPLATE = "shuanglian/reports/report.html"
# A long ranking is printed as its head and its tail; the workbook lists every row.
RANKED_HEAD, RANKED_TAIL = 20, 10


def formatted(value: Any, kind: str) -> str:
    """A cell as the workbook shows it: 1,234; 12.5%; 1,234.50; a dash for nothing."""
    if value is None:
        return "—"
    if kind == SHARE:
        return f"{value * 100:.1f}%"
    if kind == MONEY:
        return f"{value:,.2f}"
    return f"{value:,}"


def shortened(ranked: list[RankedRow]) -> tuple[list[RankedRow], list[RankedRow], int]:
    """The first and the last rows of a long ranking, and how many are left out between."""
    if len(ranked) <= RANKED_HEAD + RANKED_TAIL:
        return ranked, [], 0
    return ranked[:RANKED_HEAD], ranked[-RANKED_TAIL:], len(ranked) - RANKED_HEAD - RANKED_TAIL


def _ranking(label: str, ranked: list[RankedRow]) -> dict[str, Any]:
    head, tail, left_out = shortened(ranked)
    return {
        "label": label,
        "head": head,
        "tail": tail,
        "left_out": ngettext(
            "%(count)d more between, listed in the workbook",
            "%(count)d more between, listed in the workbook",
            left_out,
        )
        % {"count": left_out}
        if left_out
        else "",
    }


def _cells(row: Row, columns: list[Column]) -> list[str]:
    return [formatted(column.value(row), column.kind) for column in columns]


def html(figures: ReportFigures, *, made_on: datetime.date) -> str:
    column_groups = groups()
    columns = [column for group in column_groups for column in group.columns]
    return render_to_string(
        TEMPLATE,
        {
            "figures": figures,
            "title": texts.title(figures),
            "reporting_unit": texts.reporting_unit(figures),
            "reporting_time": texts.reporting_time(figures),
            "footer": texts.footer(made_on),
            "notes": texts.notes(figures),
            "rankings_title": texts.rankings_title(figures),
            "groups": column_groups,
            "columns": columns,
            "rows": [(row.name, _cells(row, columns)) for row in figures.rows],
            "total": _cells(figures.total, columns),
            "overdue_more": etc(figures.total.needs_overdue).lstrip(", ，")
            if figures.overdue_more
            else "",
            "rankings": [
                _ranking(_("Townships"), figures.townships),
                _ranking(_("Units"), figures.units),
            ],
        },
    )


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"The report fetches nothing: {url}")


def pdf_bytes(figures: ReportFigures, *, made_on: datetime.date) -> bytes:
    from weasyprint import HTML

    # Importing WeasyPrint tells Pillow, for the whole process, to accept truncated images;
    # the report holds none, and the photo and voucher checks must go on refusing them.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html(figures, made_on=made_on), url_fetcher=_no_fetch).write_pdf()
