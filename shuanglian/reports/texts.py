"""The report's sentences, shared by the workbook and the PDF."""

import datetime

from django.utils.translation import gettext as _

from shuanglian.reports.figures import ReportFigures


def title(figures: ReportFigures) -> str:
    """菏泽市双联双创工作统计月报表（2026年11月）"""
    return _("%(area)s twin-linking work statistics, %(kind)s form (%(period)s)") % {
        "area": figures.area_name,
        "kind": figures.period.kind_label,
        "period": figures.period.label,
    }


def reporting_unit(figures: ReportFigures) -> str:
    return _("Reporting unit: %(unit)s") % {"unit": figures.area_name}


def day(value: datetime.date) -> str:
    return _("%(year)d-%(month)02d-%(day)02d") % {
        "year": value.year,
        "month": value.month,
        "day": value.day,
    }


def reporting_time(figures: ReportFigures) -> str:
    return _("Period: %(start)s to %(end)s") % {
        "start": day(figures.period.start),
        "end": day(figures.period.end),
    }


def footer(made_on: datetime.date) -> str:
    return _("Head of unit:            Filled in by:            Date: %(day)s") % {
        "day": day(made_on)
    }


def notes(figures: ReportFigures) -> str:
    return _(
        "Notes: villages, households, coverage, approved assessments and satisfaction as of "
        "%(as_of)s; visits, needs, projects and funds from %(start)s to %(end)s; overdue "
        "needs as of %(end)s. Last period: %(previous)s."
    ) % {
        "as_of": day(figures.as_of),
        "start": day(figures.period.start),
        "end": day(figures.flows_to),
        "previous": figures.previous.label,
    }


def rankings_title(figures: ReportFigures) -> str:
    return _("Rankings of %(area)s as of %(day)s") % {
        "area": figures.area_name,
        "day": day(figures.as_of),
    }
