"""Handing out the periodic reports (周报、月报、季报): which area a code names, who may take its
reports, the periods offered, and the audit event of every report handed out, whoever asks
(the dashboard, the archive, the command line)."""

import datetime
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from shuanglian.access import decisions
from shuanglian.audit.trail import record
from shuanglian.models import AreaSnapshot, AuditEvent
from shuanglian.reports.build import Report, make_report
from shuanglian.reports.figures import find_area
from shuanglian.reports.periods import Period
from villages.imports.audit import SYSTEM_ACTOR
from villages.models import City, County, Township

REPORT_EXPORT = "report_export"
FORMATS = ("xlsx", "pdf")
AREA_CODE = re.compile(r"[0-9]{12}")
# The report kinds, in the order the dashboard offers them, and how many recent periods each.
KINDS = {
    "week": pgettext_lazy("report kind", "weekly report"),
    "month": pgettext_lazy("report kind", "monthly report"),
    "quarter": pgettext_lazy("report kind", "quarterly report"),
}
RECENT = {"week": 12, "month": 12, "quarter": 8}


class NoSuchArea(ValueError):
    """The code names no area a report is made for: none at all, or a village."""


@dataclass(frozen=True)
class ReportArea:
    """The city, a county or a township, as a report names it."""

    code: str
    name: str
    level: str
    # The county or township; None for the city.
    area: County | Township | None

    @property
    def prefix(self) -> str:
        """The leading digits the codes of this area and of every area within it share."""
        lengths = {"city": City.code_prefix_length, "county": 6, "township": 9}
        return self.code[: lengths[self.level]]


def report_area(code: str) -> ReportArea:
    """The city, county or township with this 12-digit code; NoSuchArea (with the reason)
    for a code that names none, or names a village."""
    code = code.strip()
    if not AREA_CODE.fullmatch(code):
        # Anything but twelve digits names no area (and a NUL byte would upset PostgreSQL).
        shown = "".join(char for char in code[:20] if char.isprintable())
        raise NoSuchArea(
            _("No city, county or township has the area code %(code)s.") % {"code": shown}
        )
    try:
        found = find_area(code)
    except ValueError as error:
        raise NoSuchArea(str(error)) from None
    if isinstance(found, City):
        return ReportArea(found.code, found.name, AreaSnapshot.Level.CITY, None)
    return ReportArea(found.code, found.name, found.level, found)


def city_area() -> ReportArea:
    """The city itself (the dashboard's page without an area)."""
    city = City.objects.order_by("pk").first()
    if city is None:
        raise NoSuchArea(_("No city has been set up yet."))
    return ReportArea(city.code, city.name, AreaSnapshot.Level.CITY, None)


def area_of(area: County | Township | None) -> ReportArea:
    """The report area of a dashboard's area (None: the city)."""
    if area is None:
        return city_area()
    return ReportArea(area.code, area.name, area.level, area)


def may_take_reports(user: Any, area: ReportArea) -> bool:
    """Whether the user may take (and download from the archive) the reports of ``area``: the
    coordinators over it; the system (None) everywhere. Unit liaisons and cadres never."""
    if user is None:
        return True
    return decisions.may_see_area_figures(user, area.area)


def check_may_take(user: Any, area: ReportArea) -> None:
    if not may_take_reports(user, area):
        raise PermissionDenied(
            _("%(name)s may not take the reports of %(area)s.")
            % {"name": user.get_username(), "area": area.name}
        )


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(_("A report is made as xlsx or pdf."))
    return fmt


def make_for(
    *,
    user: AbstractBaseUser | None,
    area_code: str,
    period: Period | str,
    fmt: str,
    today: datetime.date | None = None,
) -> tuple[ReportArea, Report]:
    """The area and its report for a period, made for the user (None: the system).
    PermissionDenied when the user may not take the area's reports; ValueError (NoSuchArea
    for the area) with the reason for the rest."""
    check_format(fmt)
    area = report_area(area_code)
    check_may_take(user, area)
    report = make_report(user=user, area_code=area.code, period=period, fmt=fmt, today=today)
    return area, report


def hand_out(
    *,
    user: AbstractBaseUser | None,
    area_code: str,
    period: Period | str,
    fmt: str,
    source: str,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Report:
    """:func:`make_for`, recorded in the audit trail as handed out."""
    area, report = make_for(user=user, area_code=area_code, period=period, fmt=fmt, today=today)
    record_handed_out(
        user=user,
        request=request,
        area=area,
        period=report.period.code,
        fmt=fmt,
        source=source,
        file_name=report.filename,
    )
    return report


def record_handed_out(
    *,
    user: AbstractBaseUser | None,
    request: HttpRequest | None,
    area: ReportArea,
    period: str,
    fmt: str,
    source: str,
    obj: models.Model | None = None,
    **details: Any,
) -> AuditEvent:
    """The audit event of one report handed out: its area, period and format, and whether it
    came from the dashboard, the archive or the command line."""
    return record(
        request=request,
        user=user,
        username=SYSTEM_ACTOR if user is None and request is None else "",
        action=REPORT_EXPORT,
        obj=obj,
        area=area.code,
        area_name=area.name,
        period=period,
        format=fmt,
        source=source,
        **details,
    )


def attachment(filename: str, ascii_filename: str) -> str:
    """Content-Disposition of a download: the Chinese name (RFC 5987) and, for old clients,
    an ASCII one."""
    fallback = ascii_filename.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def recent_periods(kind: str, today: datetime.date | None = None) -> list[Period]:
    """The last complete periods of a kind, newest first (the dashboard's choices)."""
    period = Period.last_complete(kind, today or timezone.localdate())
    periods = [period]
    while len(periods) < RECENT[kind]:
        period = period.previous()
        periods.append(period)
    return periods


def report_choices(today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Each kind of report with its recent periods, for the dashboard's form; the month is
    chosen first, its last complete period selected."""
    return [
        {"kind": kind, "label": label, "periods": recent_periods(kind, today)}
        for kind, label in KINDS.items()
    ]
