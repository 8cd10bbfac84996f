"""An area's dashboard figures, coverage and visits alike, from one recount and one sum.

Every reader goes through ``figures_for``: the marked villages are recounted once, then every
column of the area's village figures is summed once, by row of the dashboard's table.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from shuanglian.figures import rollups
from shuanglian.figures.coverage import Area, Coverage, coverage_from, row_level
from shuanglian.figures.visit_stats import VisitFigures, visit_figures_from


@dataclass
class AreaFigures:
    coverage: Coverage
    visits: VisitFigures


def figures_for(area: Area, *, today: datetime.date | None = None) -> AreaFigures:
    today = today or timezone.localdate()
    rollups.bring_up_to_date(today)
    sums = rollups.sums_by_row(area, row_level(area))
    return AreaFigures(
        coverage=coverage_from(area, sums),
        visits=visit_figures_from(area, sums, today=today),
    )
