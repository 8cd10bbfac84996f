"""The ledger (台账) of a year's projects and pooled funds, as an .xlsx workbook.

- "汇总" (summary): the year's fund pools by source department: amount, allocated, left, and
  what the ledger's own rows allocate and disburse.
- "项目" (projects): the year's projects by county, township and village, with their budgets
  by source, households, and the pooled funds allocated and disbursed; a subtotal under each
  township and county and a grand total.
- One sheet per fund pool of the year: its allocations (at every step, returned ones too),
  each followed by its disbursements with their vouchers, then the totals and how they
  reconcile with the pool.

Whoever takes it (``by``; None: the system, for the whole city) sees only their own rows, and
an area outside theirs is refused. Every total is the sum of the rows above it, in ``Decimal``:
amounts go into the cells as exact decimals, formatted with two places. The workbook is written
row by row from a fixed number of queries, whatever the number of projects.
"""

import dataclasses
import datetime
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from common.exports import xlsx_cell, xlsx_sheet_title, xlsx_value
from projects.ledger_rows import (
    Area,
    allocation_rows,
    area_label,
    check_area,
    check_year,
    disbursements_by_allocation,
    projects_rows,
    visible,
)
from projects.models import (
    GRANTED,
    ZERO,
    Allocation,
    FundPool,
    Project,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
# Each sheet's header row, under a title and a subtitle; the panes freeze below it.
HEADER_ROW = 3

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_INDENT = Alignment(indent=2)


@dataclasses.dataclass(frozen=True)
class Column:
    header: Any
    width: int
    format: str | None = None


def _money(header: Any, width: int = 16) -> Column:
    return Column(header, width, MONEY_FORMAT)


def _date(header: Any) -> Column:
    # openpyxl gives a date cell DATE_FORMAT itself, on its fast path for plain values.
    return Column(header, 12)


POOL_COLUMNS = [
    Column(_("project"), 30),
    Column(_("county or district"), 12),
    Column(_("township or subdistrict"), 14),
    Column(_("village or community"), 14),
    Column(_("unit"), 24),
    Column(_("status"), 12),
    _money(_("amount applied for (yuan)")),
    _money(_("allocated (yuan)")),
    _money(_("disbursed (yuan)")),
    _date(_("applied on")),
    Column(_("applied by"), 10),
    _date(_("reviewed on")),
    Column(_("reviewed by"), 10),
    _date(_("approved on")),
    Column(_("approved by"), 10),
    _date(_("paid on")),
    _money(_("payment (yuan)")),
    Column(_("voucher file name"), 24),
]
# Where each figure of a pool sheet sits.
P_APPLIED, P_ALLOCATED, P_DISBURSED, P_PAID_ON, P_PAYMENT, P_VOUCHER = 6, 7, 8, 15, 16, 17

PROJECT_COLUMNS = [
    Column(_("county or district"), 12),
    Column(_("township or subdistrict"), 14),
    Column(_("village or community"), 14),
    Column(_("unit"), 24),
    Column(_("project"), 30),
    Column(_("kind"), 14),
    Column(_("status"), 10),
    _money(_("from the pooled funds (yuan)")),
    _money(_("from the unit's own funds (yuan)")),
    _money(_("from donations (yuan)")),
    _money(_("from the village's own funds (yuan)")),
    _money(_("total budget (yuan)")),
    Column(_("households benefiting"), 10, "#,##0"),
    _money(_("allocated (yuan)")),
    _money(_("disbursed (yuan)")),
]
# The summed columns of the projects sheet, from the budget from the pooled funds on.
PROJECT_SUMMED = range(7, len(PROJECT_COLUMNS))

SUMMARY_COLUMNS = [
    Column(_("source department"), 28),
    Column(_("fund pools"), 10, "#,##0"),
    _money(_("pool amount (yuan)"), 18),
    _money(_("allocated from the pools (yuan)"), 18),
    _money(_("left in the pools (yuan)"), 18),
    _money(_("allocated in this ledger (yuan)"), 18),
    _money(_("disbursed in this ledger (yuan)"), 18),
    _money(_("allocated, not yet disbursed (yuan)"), 18),
]


@dataclasses.dataclass
class LedgerCounts:
    """What a ledger holds, for the audit trail and the command's report."""

    pools: int = 0
    projects: int = 0
    allocations: int = 0
    disbursements: int = 0

    @property
    def rows(self) -> int:
        return self.projects + self.allocations + self.disbursements


def file_name(year: int, area: Area) -> str:
    """台账-2026-沙沃镇.xlsx"""
    place = area.name if area is not None else gettext("whole city")
    return f"{gettext('ledger')}-{year}-{place}.xlsx"


def ledger_bytes(*, year: int, area: Area, by: Any) -> tuple[bytes, LedgerCounts]:
    """The workbook as bytes, and what it holds."""
    buffer = io.BytesIO()
    counts = write_ledger(buffer, year=year, area=area, by=by)
    return buffer.getvalue(), counts


def write_ledger(out: IO[bytes], *, year: int, area: Area, by: Any) -> LedgerCounts:
    """Write the ledger of ``year`` in ``area`` (None: everywhere) as ``by`` sees it."""
    year = check_year(year)
    check_area(by, area)
    workbook = Workbook(write_only=True)
    writer = _LedgerWriter(workbook, year=year, area=area, by=by)
    counts = writer.write()
    workbook.save(out)
    return counts


# --- the workbook -----------------------------------------------------------------------


@dataclasses.dataclass
class _Sheet:
    """A sheet being written and its columns, which say how each cell is formatted."""

    sheet: WriteOnlyWorksheet
    columns: list[Column]


@dataclasses.dataclass
class _PoolTotals:
    applied: Decimal = ZERO
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO
    payments: Decimal = ZERO


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, start=ZERO)


def _name(username: str, first_name: str, last_name: str) -> str:
    """A person as Chinese writes them, family name first; the user name if none is given."""
    return f"{last_name}{first_name}".strip() or username


def _who(row: dict[str, Any], actor: str) -> str:
    """Who took a step: blank for the system, or an account since removed."""
    username = row[f"{actor}__username"]
    if username is None:
        return ""
    return _name(username, row[f"{actor}__first_name"], row[f"{actor}__last_name"])


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


class _LedgerWriter:
    def __init__(self, workbook: Workbook, *, year: int, area: Area, by: Any) -> None:
        self.workbook = workbook
        self.year = year
        self.area = area
        self.by = by
        self.counts = LedgerCounts()
        self.titles: set[str] = set()
        reader = (
            gettext("the system") if by is None else _name(by.username, by.first_name, by.last_name)
        )
        self.subtitle = gettext(
            "Area: %(area)s. Taken by %(reader)s on %(day)s, with the rows they may see."
        ) % {
            "area": area_label(area),
            "reader": reader,
            "day": f"{timezone.localdate():%Y-%m-%d}",
        }

    def write(self) -> LedgerCounts:
        pools = list(
            visible(FundPool.objects.filter(year=self.year), self.by).order_by(
                "source", "name", "pk"
            )
        )
        self.counts.pools = len(pools)
        # The sheets are made in the order they are read; the summary is filled last.
        summary = self._sheet(
            gettext("Summary"),
            SUMMARY_COLUMNS,
            gettext("%(year)s fund pools by source") % {"year": self.year},
        )
        projects = self._sheet(
            gettext("Projects"),
            PROJECT_COLUMNS,
            gettext("%(year)s projects by area") % {"year": self.year},
        )
        self._write_projects(projects)
        pool_sheets = {
            pool.pk: self._sheet(
                f"{pool.get_source_display()} {pool.name}",
                POOL_COLUMNS,
                gettext("%(year)s fund pool: %(source)s, %(name)s")
                % {"year": self.year, "source": pool.get_source_display(), "name": pool.name},
            )
            for pool in pools
        }
        totals = self._write_allocations(pool_sheets)
        for pool in pools:
            self._write_pool_totals(pool_sheets[pool.pk], pool, totals[pool.pk])
        self._write_summary(summary, pools, totals)
        return self.counts

    # --- sheets

    def _sheet(self, name: str, columns: list[Column], title: str) -> _Sheet:
        sheet = self.workbook.create_sheet(title=self._unique_title(name))
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.append([xlsx_cell(sheet, title, font=_TITLE_FONT)])
        sheet.append([xlsx_cell(sheet, self.subtitle)])
        sheet.append([xlsx_cell(sheet, str(column.header), font=_BOLD) for column in columns])
        return _Sheet(sheet, columns)

    def _unique_title(self, name: str) -> str:
        title = xlsx_sheet_title(name)
        number = 2
        while title.casefold() in self.titles:
            suffix = f" ({number})"
            title = xlsx_sheet_title(name[: 31 - len(suffix)].rstrip() + suffix)
            number += 1
        self.titles.add(title.casefold())
        return title

    def _row(
        self,
        target: _Sheet,
        values: list[Any],
        *,
        font: Font | None = None,
        indent: bool = False,
    ) -> None:
        sheet, columns = target.sheet, target.columns
        cells = []
        for index, value in enumerate(values):
            if indent and index == 0:
                cell = xlsx_cell(sheet, value, font=font)
                cell.alignment = _INDENT
                cells.append(cell)
                continue
            form = columns[index].format if index < len(columns) else None
            cells.append(xlsx_value(sheet, value, font=font, number_format=form))
        sheet.append(cells)

    # --- projects

    def _write_projects(self, sheet: _Sheet) -> None:
        kinds = dict(Project.Kind.choices)
        statuses = dict(Project.Status.choices)
        width = len(PROJECT_COLUMNS)
        grand = [ZERO] * width
        county_sum = [ZERO] * width
        township_sum = [ZERO] * width
        county = township = None

        def close(level_sum: list[Decimal], name: str) -> None:
            label = gettext("Subtotal: %(area)s") % {"area": name}
            self._row(sheet, self._summed_row(label, level_sum), font=_BOLD)

        for row in projects_rows(year=self.year, area=self.area, by=self.by).iterator(
            chunk_size=2000
        ):
            row_township = (row["village__township__code"], row["village__township__name"])
            row_county = (
                row["village__township__county__code"],
                row["village__township__county__name"],
            )
            if township is not None and row_township != township:
                close(township_sum, township[1])
                township_sum = [ZERO] * width
            if county is not None and row_county != county:
                close(county_sum, county[1])
                county_sum = [ZERO] * width
            township, county = row_township, row_county
            budget = [
                row["budget_pooled"],
                row["budget_unit"],
                row["budget_donation"],
                row["budget_village"],
            ]
            values = [
                row["village__township__county__name"],
                row["village__township__name"],
                row["village__name"],
                row["unit__name"],
                row["title"],
                str(kinds.get(row["kind"], row["kind"])),
                str(statuses.get(row["status"], row["status"])),
                *budget,
                _sum(budget),
                row["beneficiary_count"],
                row["allocated"],
                row["disbursed"],
            ]
            for index in PROJECT_SUMMED:
                for sums in (township_sum, county_sum, grand):
                    sums[index] += values[index]
            self._row(sheet, values)
            self.counts.projects += 1
        if township is not None:
            close(township_sum, township[1])
            close(county_sum, county[1])
        self._row(sheet, self._summed_row(gettext("Grand total"), grand), font=_BOLD)

    @staticmethod
    def _summed_row(label: str, sums: list[Decimal]) -> list[Any]:
        values: list[Any] = [None] * len(sums)
        values[0] = label
        for index in PROJECT_SUMMED:
            values[index] = sums[index]
        return values

    # --- pools

    def _write_allocations(self, sheets: dict[int, _Sheet]) -> dict[int, _PoolTotals]:
        totals = {pk: _PoolTotals() for pk in sheets}
        payments = disbursements_by_allocation(year=self.year, area=self.area, by=self.by)
        statuses = dict(Allocation.Status.choices)
        payment_label = gettext("payment")
        for row in allocation_rows(year=self.year, area=self.area, by=self.by).iterator(
            chunk_size=2000
        ):
            sheet = sheets.get(row["pool_id"])
            if sheet is None:
                continue
            pool = totals[row["pool_id"]]
            allocated = row["amount"] if row["status"] in GRANTED else None
            values = [None] * len(POOL_COLUMNS)
            values[:P_APPLIED] = [
                row["project__title"],
                row["project__village__township__county__name"],
                row["project__village__township__name"],
                row["project__village__name"],
                row["project__unit__name"],
                str(statuses.get(row["status"], row["status"])),
            ]
            values[P_APPLIED] = row["amount"]
            values[P_ALLOCATED] = allocated
            values[P_DISBURSED] = row["paid"]
            values[P_DISBURSED + 1 : P_PAID_ON] = [
                _day(row["applied_at"]),
                _who(row, "applied_by"),
                _day(row["reviewed_at"]),
                _who(row, "reviewed_by"),
                _day(row["approved_at"]),
                _who(row, "approved_by"),
            ]
            self._row(sheet, values)
            self.counts.allocations += 1
            pool.applied += row["amount"]
            pool.allocated += allocated or ZERO
            pool.disbursed += row["paid"]
            for paid_on, amount, voucher in payments.get(row["pk"], ()):
                line: list[Any] = [None] * len(POOL_COLUMNS)
                line[0] = payment_label
                line[P_PAID_ON], line[P_PAYMENT], line[P_VOUCHER] = paid_on, amount, voucher
                self._row(sheet, line, indent=True)
                self.counts.disbursements += 1
                pool.payments += amount
        return totals

    def _write_pool_totals(self, target: _Sheet, pool: FundPool, totals: _PoolTotals) -> None:
        total: list[Any] = [None] * len(POOL_COLUMNS)
        total[0] = gettext("Total")
        total[P_APPLIED] = totals.applied
        total[P_ALLOCATED] = totals.allocated
        total[P_DISBURSED] = totals.disbursed
        total[P_PAYMENT] = totals.payments
        self._row(target, total, font=_BOLD)
        sheet = target.sheet
        sheet.append([])
        for label, amount in self._pool_figures(pool, totals):
            cells = [
                xlsx_cell(sheet, label, font=_BOLD),
                xlsx_cell(sheet, amount, number_format=MONEY_FORMAT),
            ]
            sheet.append(cells)

    @staticmethod
    def _pool_figures(pool: FundPool, totals: _PoolTotals) -> list[tuple[str, Decimal]]:
        return [
            (gettext("Pool amount"), pool.amount),
            (gettext("Allocated from the pool"), pool.allocated),
            (gettext("Left in the pool"), pool.amount - pool.allocated),
            (gettext("Allocated in this ledger"), totals.allocated),
            (gettext("Disbursed in this ledger"), totals.disbursed),
            (gettext("Allocated, not yet disbursed"), totals.allocated - totals.disbursed),
        ]

    # --- summary

    def _write_summary(
        self, sheet: _Sheet, pools: list[FundPool], totals: dict[int, _PoolTotals]
    ) -> None:
        width = len(SUMMARY_COLUMNS)
        grand: list[Any] = [ZERO] * width
        grand[1] = 0
        for source, label in FundPool.Source.choices:
            mine = [pool for pool in pools if pool.source == source]
            if not mine:
                continue
            values = list(_source_figures(mine, totals))
            for index in range(1, width):
                grand[index] += values[index - 1]
            self._row(sheet, [str(label), *values])
        grand[0] = gettext("Total")
        self._row(sheet, grand, font=_BOLD)


def _source_figures(pools: list[FundPool], totals: dict[int, _PoolTotals]) -> Iterator[Any]:
    """The figures of one source's pools, in the order of the summary's columns."""
    allocated = _sum(totals[pool.pk].allocated for pool in pools)
    disbursed = _sum(totals[pool.pk].disbursed for pool in pools)
    yield len(pools)
    yield _sum(pool.amount for pool in pools)
    yield _sum(pool.allocated for pool in pools)
    yield _sum(pool.amount - pool.allocated for pool in pools)
    yield allocated
    yield disbursed
    yield allocated - disbursed
