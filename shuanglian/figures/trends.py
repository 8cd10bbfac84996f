"""How an area's headline figures moved: week-on-week and month-on-month change (环比) read from
the nightly snapshots (``AreaSnapshot``), and the last days of them for the dashboard's lines.

Everything comes from one query: the area's snapshots of the last ``days`` days. The latest
snapshot is compared with the one 7 days before it and with the one a calendar month before it
(31 March with the last day of February). Rates are compared in percentage points, counts and
amounts by their relative change in percent. A change is None (shown as "—") when either
snapshot, or the figure in it, is missing, when a count was 0 before, and, for the figures of
the current year (projects, funds, ratings), when the earlier snapshot lies in another year.
"""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuanglian.access import decisions
from shuanglian.figures.coverage import Area
from shuanglian.models import AreaSnapshot

DAYS = 90


class Kind(StrEnum):
    RATE = "rate"  # a percentage: changes in percentage points
    COUNT = "count"  # a count or an amount: changes in percent of the earlier value


@dataclass(frozen=True)
class Figure:
    """A headline figure as the snapshots hold it."""

    key: str
    label: object
    kind: Kind
    read: Callable[[AreaSnapshot], float | None]
    # Whether a rise is good news (coverage) or bad (overdue needs).
    higher_is_better: bool = True
    # Counted within the current year: not comparable with a day of another year.
    this_year: bool = False


@dataclass(frozen=True)
class Change:
    """One figure's change against one earlier day."""

    kind: Kind
    now: float | None
    before: float | None
    before_day: datetime.date
    delta: float | None
    higher_is_better: bool

    @property
    def direction(self) -> str:
        """ "up", "down" or "same"; "" when there is no change to tell."""
        if self.delta is None:
            return ""
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"

    @property
    def verdict(self) -> str:
        """ "better", "worse" or "same" for the colour; "" when there is no change."""
        if self.direction in ("", "same"):
            return self.direction
        return "better" if (self.direction == "up") == self.higher_is_better else "worse"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→"}.get(self.direction, "")

    @property
    def text(self) -> str:
        """The change as shown: "↑2.5个百分点", "↓12.0%", or "—"."""
        if self.delta is None:
            return "—"
        size = f"{abs(self.delta):.1f}"
        if self.kind == Kind.RATE:
            return _("%(arrow)s%(points)s pts") % {"arrow": self.arrow, "points": size}
        return f"{self.arrow}{size}%"

    @property
    def before_text(self) -> str:
        """The earlier value as shown in the tooltip."""
        return _value_text(self.kind, self.before)


@dataclass(frozen=True)
class Trend:
    """One headline figure: its latest value and how it moved in a week and in a month."""

    key: str
    label: object
    kind: Kind
    day: datetime.date
    now: float | None
    week: Change
    month: Change

    def title(self, change: Change) -> str:
        """The tooltip of a change: the earlier value and its day, then the latest."""
        return _("%(then_day)s: %(then)s; %(now_day)s: %(now)s") % {
            "then_day": date_format(change.before_day, "SHORT_DATE_FORMAT"),
            "then": _value_text(self.kind, change.before),
            "now_day": date_format(self.day, "SHORT_DATE_FORMAT"),
            "now": _value_text(self.kind, self.now),
        }

    @property
    def week_title(self) -> str:
        return self.title(self.week)

    @property
    def month_title(self) -> str:
        return self.title(self.month)


@dataclass(frozen=True)
class Trends:
    """An area's snapshots of the last days: the latest figures' changes and the lines."""

    code: str
    days: list[datetime.date]
    by_key: dict[str, Trend]
    chart: dict[str, object] | None

    @property
    def latest(self) -> datetime.date | None:
        return self.days[-1] if self.days else None


def _value_text(kind: Kind, value: float | None) -> str:
    if value is None:
        return "—"
    if kind == Kind.RATE:
        return f"{value:.1f}%"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _rate(done: str, total: str) -> Callable[[AreaSnapshot], float | None]:
    def read(snapshot: AreaSnapshot) -> float | None:
        top, bottom = getattr(snapshot, done), getattr(snapshot, total)
        if top is None or not bottom:
            return None
        return round(100 * top / bottom, 1)

    return read


def _count(name: str) -> Callable[[AreaSnapshot], float | None]:
    def read(snapshot: AreaSnapshot) -> float | None:
        value = getattr(snapshot, name)
        return None if value is None else float(value)

    return read


def _percent(name: str) -> Callable[[AreaSnapshot], float | None]:
    def read(snapshot: AreaSnapshot) -> float | None:
        value = getattr(snapshot, name)
        return None if value is None else round(float(value), 1)

    return read


FIGURES = [
    Figure(
        "units", gettext_lazy("units participating (%)"), Kind.RATE, _rate("units_linking", "units")
    ),
    Figure(
        "cadres",
        gettext_lazy("cadres participating (%)"),
        Kind.RATE,
        _rate("cadres_linking", "cadres"),
    ),
    Figure(
        "villages",
        gettext_lazy("villages covered (%)"),
        Kind.RATE,
        _rate("villages_covered", "villages"),
    ),
    Figure(
        "households",
        gettext_lazy("households covered (%)"),
        Kind.RATE,
        _rate("households_covered", "households"),
    ),
    Figure(
        "visited_30",
        gettext_lazy("visited in 30 days (%)"),
        Kind.RATE,
        _rate("visited_30", "households"),
    ),
    Figure(
        "visited_90",
        gettext_lazy("visited in 90 days (%)"),
        Kind.RATE,
        _rate("visited_90", "households"),
    ),
    Figure("needs_raised", gettext_lazy("needs raised"), Kind.COUNT, _count("needs_raised")),
    Figure(
        "needs_open",
        gettext_lazy("needs still open"),
        Kind.COUNT,
        _count("needs_open"),
        higher_is_better=False,
    ),
    Figure(
        "needs_overdue",
        gettext_lazy("needs overdue"),
        Kind.COUNT,
        _count("needs_overdue"),
        higher_is_better=False,
    ),
    Figure("pleased", gettext_lazy("satisfaction (%)"), Kind.RATE, _rate("pleased", "rated")),
    Figure(
        "money_allocated",
        gettext_lazy("pooled funds allocated"),
        Kind.COUNT,
        _count("money_allocated"),
        this_year=True,
    ),
    Figure("projects", gettext_lazy("projects"), Kind.COUNT, _count("projects"), this_year=True),
    Figure(
        "assessed",
        gettext_lazy("villages rated"),
        Kind.COUNT,
        _count("assessed"),
        this_year=True,
    ),
    Figure(
        "up_to_standard",
        gettext_lazy("up to standard (%)"),
        Kind.RATE,
        _rate("up_to_standard", "assessed"),
        this_year=True,
    ),
    Figure(
        "satisfaction",
        gettext_lazy("measured satisfaction (%)"),
        Kind.RATE,
        _percent("satisfaction"),
    ),
]
FIGURE = {figure.key: figure for figure in FIGURES}

# The lines of the chart: rates on the left axis, counts of households and needs on the right.
CHART_RATES = ["units", "cadres", "villages", "households"]
CHART_COUNTS = [
    ("visited_30", gettext_lazy("households visited in 30 days")),
    ("needs_open", gettext_lazy("needs still open")),
    ("needs_overdue", gettext_lazy("needs overdue")),
]


def month_before(day: datetime.date) -> datetime.date:
    """The same day a calendar month earlier, or that month's last day if it is shorter."""
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def change(
    figure: Figure,
    now: AreaSnapshot | None,
    before: AreaSnapshot | None,
    *,
    before_day: datetime.date,
) -> Change:
    """The change of ``figure`` from the snapshot ``before`` (of ``before_day``) to ``now``."""
    value = figure.read(now) if now is not None else None
    earlier = figure.read(before) if before is not None else None
    delta = None
    other_year = now is not None and figure.this_year and before_day.year != now.day.year
    if value is not None and earlier is not None and not other_year:
        if figure.kind == Kind.RATE:
            delta = round(value - earlier, 1)
        elif earlier:
            delta = round(100 * (value - earlier) / earlier, 1)
        elif value == 0:
            delta = 0.0
    return Change(
        kind=figure.kind,
        now=value,
        before=earlier,
        before_day=before_day,
        delta=delta,
        higher_is_better=figure.higher_is_better,
    )


def area_code(area: Area) -> str:
    """The code the snapshots of ``area`` are kept under; the city's own for the whole city."""
    return settings.CITY_CODE if area is None else area.code


def trends_for(
    *,
    user: object,
    area: Area,
    today: datetime.date | None = None,
    days: int = DAYS,
) -> Trends:
    """The area's snapshots of the last ``days`` days up to ``today``, read in one query."""
    if not decisions.may_see_area_figures(user, area):
        raise PermissionDenied
    today = today or timezone.localdate()
    code = area_code(area)
    snapshots = list(
        AreaSnapshot.objects.for_area(code)
        .filter(day__gt=today - datetime.timedelta(days=days), day__lte=today)
        .order_by("day")
    )
    return trends_from(code, snapshots)


def trends_from(code: str, snapshots: list[AreaSnapshot]) -> Trends:
    """The changes and lines of snapshots already read, in order of their day."""
    if not snapshots:
        return Trends(code=code, days=[], by_key={}, chart=None)
    by_day = {snapshot.day: snapshot for snapshot in snapshots}
    latest = snapshots[-1]
    week_day = latest.day - datetime.timedelta(days=7)
    month_day = month_before(latest.day)
    by_key = {}
    for figure in FIGURES:
        week = change(figure, latest, by_day.get(week_day), before_day=week_day)
        month = change(figure, latest, by_day.get(month_day), before_day=month_day)
        by_key[figure.key] = Trend(
            key=figure.key,
            label=figure.label,
            kind=figure.kind,
            day=latest.day,
            now=week.now,
            week=week,
            month=month,
        )
    return Trends(
        code=code,
        days=[snapshot.day for snapshot in snapshots],
        by_key=by_key,
        chart=_chart(snapshots),
    )


def _chart(snapshots: list[AreaSnapshot]) -> dict[str, object]:
    """The lines of the dashboard's trend chart; a line with no value at all is left out."""
    series = []
    # A village has no units or cadres of its own: its page shows the two coverages only.
    village = snapshots[-1].level == AreaSnapshot.Level.VILLAGE
    for key in CHART_RATES[2:] if village else CHART_RATES:
        figure = FIGURE[key]
        series.append(
            {"name": str(figure.label), "axis": 0, "data": [figure.read(s) for s in snapshots]}
        )
    for key, label in CHART_COUNTS:
        # The counts themselves, not the rates the headlines compare.
        values = [getattr(snapshot, key) for snapshot in snapshots]
        series.append({"name": str(label), "axis": 1, "data": values})
    return {
        "days": [snapshot.day.isoformat() for snapshot in snapshots],
        "axes": [_("percent"), _("households or needs")],
        "series": [line for line in series if any(v is not None for v in line["data"])],
    }
