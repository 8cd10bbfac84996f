"""The periods a report covers: an ISO week, a calendar month or a quarter.

Written ``2026-W47``, ``2026-11`` or ``2026-Q4``; every period knows its first and last day
(both inclusive), the one before it, and whether it has begun or ended by a given day.
"""

import dataclasses
import datetime
import re
from typing import Literal, Self

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

Kind = Literal["week", "month", "quarter"]
KINDS: tuple[Kind, ...] = ("week", "month", "quarter")

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$")
ONE_DAY = datetime.timedelta(days=1)


def _weeks_in(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last."""
    return datetime.date(year, 12, 28).isocalendar().week


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - ONE_DAY


def _malformed() -> ValueError:
    return ValueError(_("Write the report period as 2026-11, 2026-W47 or 2026-Q4."))


@dataclasses.dataclass(frozen=True)
class Period:
    kind: Kind
    start: datetime.date
    end: datetime.date

    # --- making one ------------------------------------------------------------------

    @classmethod
    def week(cls, year: int, week: int) -> Self:
        if not 1 <= week <= _weeks_in(year):
            raise ValueError(
                _("%(year)d has no week %(week)d: its weeks run from 1 to %(last)d.")
                % {"year": year, "week": week, "last": _weeks_in(year)}
            )
        start = datetime.date.fromisocalendar(year, week, 1)
        return cls("week", start, start + datetime.timedelta(days=6))

    @classmethod
    def month(cls, year: int, month: int) -> Self:
        if not 1 <= month <= 12:
            raise ValueError(_("A month is numbered 01 to 12, not %(month)02d.") % {"month": month})
        return cls("month", datetime.date(year, month, 1), _month_end(year, month))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Self:
        if not 1 <= quarter <= 4:
            raise ValueError(
                _("A quarter is numbered Q1 to Q4, not Q%(quarter)d.") % {"quarter": quarter}
            )
        first = 3 * quarter - 2
        return cls("quarter", datetime.date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def parse(cls, text: str) -> Self:
        """The period written ``2026-11``, ``2026-W47`` or ``2026-Q4``; ValueError otherwise."""
        if not isinstance(text, str):
            raise _malformed()
        text = text.strip().upper()
        for pattern, make in ((_WEEK, cls.week), (_MONTH, cls.month), (_QUARTER, cls.quarter)):
            match = pattern.match(text)
            if match:
                year, number = int(match.group(1)), int(match.group(2))
                if year < 1900:
                    raise _malformed()
                return make(year, number)
        raise _malformed()

    @classmethod
    def containing(cls, kind: Kind, day: datetime.date) -> Self:
        """The period of ``kind`` that ``day`` falls in."""
        if kind == "week":
            iso = day.isocalendar()
            return cls.week(iso.year, iso.week)
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        raise ValueError(_("A report is weekly, monthly or quarterly."))

    @classmethod
    def last_complete(cls, kind: Kind, today: datetime.date) -> Self:
        """The latest period of ``kind`` that ended before ``today``."""
        return cls.containing(kind, today).previous()

    # --- reading one -----------------------------------------------------------------

    @property
    def year(self) -> int:
        """The year the period is numbered in (an ISO week's year for a week)."""
        if self.kind == "week":
            return self.start.isocalendar().year
        return self.start.year

    @property
    def number(self) -> int:
        """The week, month or quarter number within its year."""
        if self.kind == "week":
            return self.start.isocalendar().week
        if self.kind == "month":
            return self.start.month
        return (self.start.month - 1) // 3 + 1

    @property
    def code(self) -> str:
        """``2026-W47``, ``2026-11`` or ``2026-Q4``: what ``parse`` reads back."""
        if self.kind == "week":
            return f"{self.year:04d}-W{self.number:02d}"
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"

    @property
    def label(self) -> str:
        """The period in words: 2026年11月, 2026年第47周（11月16日—11月22日）, 2026年第四季度."""
        if self.kind == "week":
            return pgettext("report period", "Week %(week)d of %(year)d (%(start)s-%(end)s)") % {
                "year": self.year,
                "week": self.number,
                "start": _short_day(self.start),
                "end": _short_day(self.end),
            }
        if self.kind == "month":
            return pgettext("report period", "%(year)d-%(month)02d") % {
                "year": self.year,
                "month": self.number,
            }
        return pgettext("report period", "%(ordinal)s quarter of %(year)d") % {
            "year": self.year,
            "ordinal": _quarter_ordinal(self.number),
        }

    @property
    def kind_label(self) -> str:
        """周报, 月报 or 季报."""
        return {
            "week": pgettext("report kind", "weekly report"),
            "month": pgettext("report kind", "monthly report"),
            "quarter": pgettext("report kind", "quarterly report"),
        }[self.kind]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Self:
        """The period of the same kind just before this one."""
        return type(self).containing(self.kind, self.start - ONE_DAY)

    def next(self) -> Self:
        return type(self).containing(self.kind, self.end + ONE_DAY)

    def is_future(self, today: datetime.date) -> bool:
        """Whether the period has not begun by ``today``."""
        return self.start > today

    def is_complete(self, today: datetime.date) -> bool:
        """Whether the period ended before ``today``."""
        return self.end < today

    def __str__(self) -> str:
        return self.code


def _short_day(day: datetime.date) -> str:
    return pgettext("report period", "%(month)d/%(day)d") % {"month": day.month, "day": day.day}


def _quarter_ordinal(number: int) -> str:
    return [
        pgettext("quarter", "first"),
        pgettext("quarter", "second"),
        pgettext("quarter", "third"),
        pgettext("quarter", "fourth"),
    ][number - 1]
