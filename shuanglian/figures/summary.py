"""An area's dashboard figures, coverage, visits, projects and 双创 alike, from one recount.

Every reader goes through ``figures_for``: the marked villages are recounted once, then every
column of the area's village figures is summed once, by row of the dashboard's table, and the
area's work group and fund figures likewise.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from shuanglian.figures import rollups
from shuanglian.figures.coverage import Area, Coverage, coverage_from, row_level
from shuanglian.figures.project_stats import ProjectFigures, project_figures
from shuanglian.figures.shuangchuang import ShuangchuangFigures, shuangchuang_figures
from shuanglian.figures.visit_stats import VisitFigures, visit_figures_from


@dataclass
class AreaFigures:
    coverage: Coverage
    visits: VisitFigures
    projects: ProjectFigures
    shuangchuang: ShuangchuangFigures


def figures_for(area: Area, *, today: datetime.date | None = None) -> AreaFigures:
    today = today or timezone.localdate()
    rollups.bring_up_to_date(today)
    sums = rollups.sums_by_row(area, row_level(area))
    coverage = coverage_from(area, sums)
    return AreaFigures(
        coverage=coverage,
        visits=visit_figures_from(area, sums, today=today),
        projects=project_figures(area, year=today.year),
        shuangchuang=shuangchuang_figures(
            area, sums, coverage.rows, coverage.row_level, today=today
        ),
    )
