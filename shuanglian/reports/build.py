"""A periodic report of an area, made as a workbook or a PDF: ``make_report``."""

import dataclasses
import datetime
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from shuanglian.reports.figures import ReportArea, find_area, report_figures
from shuanglian.reports.periods import Period

Format = Literal["xlsx", "pdf"]
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
_ASCII_KIND = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}


@dataclasses.dataclass(frozen=True)
class Report:
    filename: str
    ascii_filename: str
    content_type: str
    content: bytes
    area: ReportArea
    period: Period
    rows: int


def make_report(
    *,
    user: Any,
    area_code: str,
    period: Period | str,
    fmt: Format,
    today: datetime.date | None = None,
) -> Report:
    """The report of the area with ``area_code`` over ``period``, as ``fmt``, for ``user``
    (None: the system). ValueError for an unknown area, a village, a period not begun or
    an unknown format; PermissionDenied when the user may not see the area's figures."""
    today = today or timezone.localdate()
    if fmt not in CONTENT_TYPES:
        raise ValueError(_("A report is made as xlsx or pdf."))
    if isinstance(period, str):
        period = Period.parse(period)
    if period.is_future(today):
        raise ValueError(_("The period %(period)s has not begun yet.") % {"period": period.label})
    area = find_area(area_code)
    figures = report_figures(user=user, area=area, period=period, today=today)
    if fmt == "xlsx":
        from shuanglian.reports.workbook import workbook_bytes

        content = workbook_bytes(figures, made_on=today)
    else:
        from shuanglian.reports.pdf import pdf_bytes

        content = pdf_bytes(figures, made_on=today)
    return Report(
        filename=f"{area.name}_{period.kind_label}_{period.code}.{fmt}",
        ascii_filename=f"{area.code}_{_ASCII_KIND[period.kind]}_{period.code}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
        content=content,
        area=area,
        period=period,
        rows=len(figures.rows),
    )
