"""双创: the dashboard's section on party organisations rated against the standard and on the
satisfaction measured by independent interviews.

- This year's assessments of the area's villages: by status, the approved ones by stars, and
  how many are up to the standard; the villages not yet approved.
- Rectification items still open, and how many of them are past their deadline.
- The latest closed survey round covering the area, for the area and each area one level down,
  and the trend across the closed rounds (``survey_stats``).

Each village's assessment of the year and its open rectification items are counted in its
figures (``VillageFigures``, kept up to date by the rollups' triggers): the section adds them up
with the rest of the dashboard's columns, in the same query. The survey rounds' figures are
rolled up once per closed round (``survey_stats``).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from assessments.models import Assessment
from shuanglian.figures.coverage import Area, AreaRow, Rate
from shuanglian.figures.survey_stats import SurveyFigures, survey_figures

STARS = (1, 2, 3, 4, 5)
STATUSES = [status for status, _ in Assessment.Status.choices]


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
    area: Area,
    sums: list[dict[str, Any]],
    rows: list[AreaRow],
    row_key: str,
    *,
    today: datetime.date,
) -> ShuangchuangFigures:
    """The section's figures from the village figures summed by row (``rollups.sums_by_row``),
    which hold this year's assessments and the open rectification items; one query, and a few
    more the first time a closed round is read.

    ``rows`` are the dashboard table's areas with their villages counted (the coverage rows).
    """
    by_key = {row[row_key]: row for row in sums}
    by_row = {}
    for area_row in rows:
        counted = by_key.get(area_row.pk, {})
        by_row[area_row.pk] = RatingRow(
            villages=1 if row_key == "village" else area_row.villages.total,
            by_status={s: counted.get(f"assessed_{s}", 0) for s in STATUSES},
            by_stars={n: counted.get(f"stars_{n}", 0) for n in STARS},
            up_to_standard=counted.get("up_to_standard", 0),
            rectification_open=counted.get("rectification_open", 0),
            rectification_overdue=counted.get("rectification_overdue", 0),
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
