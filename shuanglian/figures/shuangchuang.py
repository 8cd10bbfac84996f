"""双创: the dashboard's section on party organisations rated against the standard and on the
satisfaction measured by independent interviews.

- This year's assessments of the area's villages: by status, the approved ones by stars, and
  how many are up to the standard; the villages not yet approved.
- Rectification items still open, and how many of them are past their deadline.
- The latest closed survey round covering the area, for the area and each area one level down,
  and the trend across the closed rounds (``survey_stats``).

The assessment and rectification tables hold one row per village and year, and a few per
village below the standard (about 6,000 and some thousands a year in the whole city): they are
aggregated as they are, in one query each, grouped by row of the dashboard's table.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext

from assessments.models import Assessment, RectificationItem
from shuanglian.figures.coverage import Area, AreaRow, Rate
from shuanglian.figures.survey_stats import SurveyFigures, survey_figures

STARS = (1, 2, 3, 4, 5)
STATUSES = [status for status, _ in Assessment.Status.choices]
# The path from an assessment, and from a rectification item, to the area of a table row.
ROW_PATHS = {
    "county": "village__township__county",
    "township": "village__township",
    "village": "village",
}


@dataclass(frozen=True)
class RatingRow:
    """One area's assessments of the year."""

    villages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_stars: dict[int, int] = field(default_factory=dict)
    up_to_standard: int = 0
    rectification_open: int = 0
    rectification_overdue: int = 0

    @property
    def approved(self) -> int:
        return self.by_status.get(Assessment.Status.APPROVED, 0)

    @property
    def not_approved(self) -> int:
        """The villages without an approved assessment this year, begun or not."""
        return max(self.villages - self.approved, 0)

    @property
    def standard(self) -> Rate:
        """Up to standard, of the approved assessments."""
        return Rate(self.up_to_standard, self.approved)

    @property
    def stars(self) -> list[int]:
        return [self.by_stars.get(stars, 0) for stars in STARS]


@dataclass
class ShuangchuangFigures:
    year: int
    total: RatingRow
    rows: dict[int, RatingRow]
    survey: SurveyFigures

    def row(self, pk: int) -> RatingRow:
        return self.rows.get(pk, RatingRow())

    @property
    def statuses(self) -> list[tuple[str, int]]:
        labels = dict(Assessment.Status.choices)
        return [(labels[s], self.total.by_status.get(s, 0)) for s in STATUSES]


def shuangchuang_figures(
    area: Area, rows: list[AreaRow], row_key: str, *, today: datetime.date
) -> ShuangchuangFigures:
    """The section's figures: four queries, a few more the first time a closed round is read.

    ``rows`` are the dashboard table's areas with their villages counted (the coverage rows).
    """
    path = ROW_PATHS[row_key]
    assessments = (
        Assessment.objects.in_area(area)
        .filter(year=today.year)
        .order_by()
        .values(path)
        .annotate(
            **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in STATUSES},
            **{
                f"stars_{n}": Count("pk", filter=Q(status=Assessment.Status.APPROVED, stars=n))
                for n in STARS
            },
            up=Count("pk", filter=Q(status=Assessment.Status.APPROVED, up_to_standard=True)),
        )
    )
    items = (
        RectificationItem.objects.in_area(area)
        .open()
        .order_by()
        .values(f"assessment__{path}")
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=Q(deadline__lt=today)))
    )
    counted: dict[int, dict] = {}
    for sums in assessments:
        counted.setdefault(sums[path], {}).update(sums)
    for sums in items:
        counted.setdefault(sums[f"assessment__{path}"], {}).update(sums)
    by_row = {}
    for area_row in rows:
        sums = counted.get(area_row.pk, {})
        by_row[area_row.pk] = RatingRow(
            villages=1 if row_key == "village" else area_row.villages.total,
            by_status={s: sums.get(f"status_{s}", 0) for s in STATUSES},
            by_stars={n: sums.get(f"stars_{n}", 0) for n in STARS},
            up_to_standard=sums.get("up", 0),
            rectification_open=sums.get("n_open", 0),
            rectification_overdue=sums.get("n_overdue", 0),
        )
    total = RatingRow(
        villages=sum(r.villages for r in by_row.values()),
        by_status={s: sum(r.by_status[s] for r in by_row.values()) for s in STATUSES},
        by_stars={n: sum(r.by_stars[n] for r in by_row.values()) for n in STARS},
        up_to_standard=sum(r.up_to_standard for r in by_row.values()),
        rectification_open=sum(r.rectification_open for r in by_row.values()),
        rectification_overdue=sum(r.rectification_overdue for r in by_row.values()),
    )
    return ShuangchuangFigures(today.year, total, by_row, survey_figures(area, row_key))


def rating_chart(figures: ShuangchuangFigures) -> dict[str, object]:
    """The area's villages by stars this year, and those not yet approved."""
    names = [gettext("%(stars)s stars") % {"stars": n} for n in STARS]
    names.append(gettext("not yet approved"))
    return {
        "names": names,
        "percent": False,
        "series": [
            {
                "name": gettext("villages"),
                "data": [*figures.total.stars, figures.total.not_approved],
            }
        ],
    }


def trend_chart(figures: ShuangchuangFigures) -> dict[str, object]:
    """Measured and self-reported satisfaction in each closed round, in percent."""
    trend = figures.survey.trend
    return {
        "names": [r.name for r, _ in trend],
        "percent": True,
        "line": True,
        "series": [
            {"name": gettext("measured (%)"), "data": [e.percent for _, e in trend]},
            {
                "name": gettext("cadres' own records (%)"),
                "data": [e.self_percent for _, e in trend],
            },
        ],
    }
