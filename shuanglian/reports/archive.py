"""The report archive: the reports kept per area, made on a schedule by the worker, and what
a user may list and download of them.

The files lie under ``MEDIA_ROOT/reports/``; they are handed out only through the download
view, which checks the area and records the download, never by the web server directly.
"""

import datetime
import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from shuanglian.models import ReportArchive
from shuanglian.reports.build import make_report
from shuanglian.reports.handing import (
    FORMATS,
    KINDS,
    ReportArea,
    check_format,
    check_may_take,
    record_handed_out,
    report_area,
)
from shuanglian.reports.periods import Period
from villages.models import City, County, Township

logger = logging.getLogger(__name__)


@transaction.atomic
def archive_report(
    *,
    user: AbstractBaseUser | None,
    area_code: str,
    period: Period | str,
    fmt: str,
    today: datetime.date | None = None,
) -> ReportArchive:
    """Make the report of an area and a period and keep it in the archive; made again, it
    replaces the file of the area's, period's and format's row. ``user`` None: the system."""
    check_format(fmt)
    area = report_area(area_code)
    check_may_take(user, area)
    report = make_report(user=user, area_code=area.code, period=period, fmt=fmt, today=today)
    row = (
        ReportArchive.objects.select_for_update()
        .filter(area_code=area.code, period=report.period.code, format=fmt)
        .first()
    )
    if row is None:
        row = ReportArchive(area_code=area.code, period=report.period.code, format=fmt)
    old_name = row.file.name if row.file else ""
    row.area_name = area.name
    row.level = area.level
    row.size = len(report.content)
    row.made_at = timezone.now()
    row.made_by = user if user is not None and user.pk is not None else None
    row.file.save(report.ascii_filename, ContentFile(report.content), save=False)
    new_name = row.file.name
    storage = row.file.storage
    # The new file goes if the row is not written; the old one once the new row is.
    try:
        row.save()
    except Exception:
        storage.delete(new_name)
        raise
    if old_name and old_name != new_name:
        transaction.on_commit(partial(storage.delete, old_name))
    return row


@dataclass
class ScheduledRun:
    """What one scheduled run made: the reports archived and those that failed."""

    made: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"made": len(self.made), "failed": self.failed}


def scheduled_areas() -> list[ReportArea]:
    """The city, every county and every township: the areas reports are made for."""
    codes = City.objects.order_by("code").values_list("code", flat=True)
    areas = [report_area(code) for code in codes]
    areas += [ReportArea(c.code, c.name, c.level, c) for c in County.objects.order_by("code")]
    areas += [
        ReportArea(t.code, t.name, t.level, t)
        for t in Township.objects.select_related("county").order_by("code")
    ]
    return areas


def make_scheduled(today: datetime.date | None = None) -> ScheduledRun:
    """Archive, for every area, the last complete week's, month's and quarter's reports in
    both formats that are not archived yet. A report that fails is logged and left for the
    next run; the others are made."""
    today = today or timezone.localdate()
    periods = [Period.last_complete(kind, today) for kind in KINDS]
    codes = {period.code for period in periods}
    kept = set(
        ReportArchive.objects.filter(period__in=codes).values_list("area_code", "period", "format")
    )
    run = ScheduledRun()
    for area in scheduled_areas():
        for period in periods:
            for fmt in FORMATS:
                if (area.code, period.code, fmt) in kept:
                    continue
                label = f"{area.code} {period.code} {fmt}"
                try:
                    archive_report(
                        user=None, area_code=area.code, period=period, fmt=fmt, today=today
                    )
                except Exception:
                    logger.exception("The scheduled report %s could not be made", label)
                    run.failed.append(label)
                else:
                    run.made.append(label)
    logger.info("Scheduled reports: %s made, %s failed", len(run.made), len(run.failed))
    return run


def archived_for(area: ReportArea, *, kind: str = "") -> QuerySet[ReportArchive]:
    """The reports archived for ``area`` and every area within it, newest periods first; the
    caller has checked that the user may see ``area`` (and so everything within it)."""
    rows = ReportArchive.objects.filter(area_code__startswith=area.prefix)
    if kind == "week":
        rows = rows.filter(period__contains="W")
    elif kind == "quarter":
        rows = rows.filter(period__contains="Q")
    elif kind == "month":
        rows = rows.exclude(period__contains="W").exclude(period__contains="Q")
    return rows.select_related("made_by").order_by("-period", "area_code", "format")


def download_name(row: ReportArchive) -> str:
    """The Chinese name an archived report is downloaded under, as ``make_report`` names it."""
    try:
        kind = Period.parse(row.period).kind_label
    except ValueError:
        return f"{row.area_name}_{row.period}.{row.format}"
    return f"{row.area_name}_{kind}_{row.period}.{row.format}"


def archived_area(*, user: AbstractBaseUser, row: ReportArchive) -> ReportArea:
    """The area of an archived report, which the user may take the reports of;
    PermissionDenied or NoSuchArea otherwise."""
    area = report_area(row.area_code)
    check_may_take(user, area)
    return area


def record_archived(
    *,
    user: AbstractBaseUser,
    row: ReportArchive,
    area: ReportArea,
    request: HttpRequest | None = None,
) -> None:
    """Record in the audit trail that an archived report was handed out."""
    record_handed_out(
        user=user,
        request=request,
        area=area,
        period=row.period,
        fmt=row.format,
        source="archive",
        obj=row,
        file_name=download_name(row),
    )
