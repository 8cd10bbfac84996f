"""The report's table: its column groups and columns, shared by the workbook and the PDF."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shuanglian.reports.figures import Row

COUNT, SHARE, MONEY = "count", "share", "money"


@dataclasses.dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Row], Any]
    kind: str = COUNT
    # Whether the total's cell is the sum of the rows' (shares and changes are not).
    summed: bool = True


@dataclasses.dataclass(frozen=True)
class Group:
    label: str
    columns: list[Column]


def groups() -> list[Group]:
    """The column groups, in the active language."""
    return [
        Group(
            pgettext("report group", "Coverage"),
            [
                Column(_("Villages"), lambda r: r.villages),
                Column(_("Villages with a work group"), lambda r: r.villages_linked),
                Column(_("Households"), lambda r: r.households),
                Column(pgettext("report", "Households covered"), lambda r: r.households_covered),
                Column(pgettext("report", "Coverage"), lambda r: r.coverage, SHARE, summed=False),
            ],
        ),
        Group(
            pgettext("report group", "Visits"),
            [
                Column(_("Visits"), lambda r: r.visits),
                Column(_("Households visited"), lambda r: r.households_visited),
                Column(_("Visits last period"), lambda r: r.visits_before),
                Column(
                    pgettext("report", "Change"), lambda r: r.visits_change, SHARE, summed=False
                ),
            ],
        ),
        Group(
            pgettext("report group", "Needs"),
            [
                Column(pgettext("report", "Needs raised"), lambda r: r.needs_raised),
                Column(_("Needs resolved"), lambda r: r.needs_resolved),
                Column(_("Overdue at the period end"), lambda r: r.needs_overdue),
            ],
        ),
        Group(
            pgettext("report group", "Projects and funds"),
            [
                Column(_("New projects"), lambda r: r.projects),
                Column(_("Funds approved (yuan)"), lambda r: r.money_allocated, MONEY),
                Column(_("Funds paid (yuan)"), lambda r: r.money_paid, MONEY),
            ],
        ),
        Group(
            pgettext("report group", "Assessment and satisfaction"),
            [
                Column(_("Assessments approved"), lambda r: r.assessed_approved),
                Column(_("Satisfaction"), lambda r: r.satisfaction, SHARE, summed=False),
            ],
        ),
    ]


def columns() -> list[Column]:
    return [column for group in groups() for column in group.columns]
