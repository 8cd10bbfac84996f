"""Dashboard speed at every level of the generated city, against direct aggregates as baseline.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/dashboards.py [--requests 20] [--baseline-runs 5]

For the city, its largest county, that county's largest township and that township's largest
village, in the same run:
1. the dashboard page (coverage plus visits and needs, read from the per-village figures) as a
   city coordinator, ``--requests`` times: median and p95 server time and the query count;
2. the same, each request just after a visit was recorded in the area (the page first recounts
   that village; recording the visit is not timed);
3. the baseline: the same figures computed by direct aggregate queries over the raw tables
   (``recount_coverage``, ``recount_visit_figures`` and ``recount_project_figures`` of
   tests/oracles.py, the recounts the tests check the dashboards against), ``--baseline-runs``
   times;
4. the "projects and funds" section on its own: read from the per-work-group and per-village
   rollups, ``--requests`` times, against its direct aggregate, ``--baseline-runs`` times;
5. the "双创" section on its own (assessments, rectification, the survey rounds' village
   figures), ``--requests`` times, and the ranking page (考核排名) of the area with its query
   count, ``--requests`` times. Add the 双创 data to a city generated before with
   ``manage.py generate_city_data --shuangchuang-only``.
It checks that both give the same figures and prints the baseline's ratio to the page, and the
section's to its baseline. The change before each request of 2. records a visit and, where the
area has a work group, an activity, so that the recount takes in the project figures too.
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import machine, setup_django, summary, timed


def measure(label: str, area: object, client: object, change: object, options: object) -> None:
    """Print the page's and the baseline's times for one area."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from shuanglian.figures import rollups
    from shuanglian.figures.project_stats import project_figures
    from shuanglian.figures.shuangchuang import shuangchuang_figures
    from shuanglian.figures.summary import figures_for
    from tests.oracles import recount_coverage, recount_project_figures, recount_visit_figures

    url, params = reverse("dashboard"), ({"area": area.code} if area else {})
    client.get(url, params)  # the first request may recount what changed before
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    # Counted now: the next request empties the log the context reads from.
    queries = len(captured)
    page, _ = timed(lambda: client.get(url, params), options.requests)

    changed = []
    for _ in range(options.requests):
        change()  # not timed: only the page that then recounts the village
        seconds, _ = timed(lambda: client.get(url, params), 1)
        changed += seconds
    baseline, (counted, visits, projects) = timed(
        lambda: (
            recount_coverage(area),
            recount_visit_figures(area),
            recount_project_figures(area),
        ),
        options.baseline_runs,
    )
    with CaptureQueriesContext(connection) as captured:
        recount_coverage(area)
        recount_visit_figures(area)
        recount_project_figures(area)
    baseline_queries = len(captured)

    today = timezone.localdate()
    year = today.year
    rollups.bring_up_to_date()
    with CaptureQueriesContext(connection) as captured:
        project_figures(area, year=year)
    section_queries = len(captured)
    section, _ = timed(lambda: project_figures(area, year=year), options.requests)
    section_baseline, _ = timed(lambda: recount_project_figures(area), options.baseline_runs)

    figures = figures_for(area)
    exact = figures.coverage == counted
    exact &= figures.visits.total == visits.total
    exact &= same_projects(figures.projects, projects)
    ratio = statistics.median(baseline) / statistics.median(page)
    section_ratio = statistics.median(section_baseline) / statistics.median(section)
    print(f"\n{label}: figures equal to the recount: {exact}")
    print(f"  dashboard page            {summary(page)}   {queries} queries")
    print(f"  page after a change       {summary(changed)}")
    print(f"  baseline direct aggregate {summary(baseline)}   {baseline_queries} queries")
    print(f"  baseline / page (median)  {ratio:,.0f}×")
    total = figures.projects.total
    print(
        f"  projects and funds: {total.projects.total:,} projects, {total.activities:,} "
        f"activities, {total.allocated:,.2f} yuan allocated"
    )
    print(f"    section from rollups    {summary(section)}   {section_queries} queries")
    print(f"    its direct aggregate    {summary(section_baseline)}")
    print(f"    aggregate / section     {section_ratio:,.0f}×")

    coverage = figures.coverage
    sums = rollups.sums_by_row(area, coverage.row_level)
    twin, _ = timed(
        lambda: shuangchuang_figures(area, sums, coverage.rows, coverage.row_level, today=today),
        options.requests,
    )
    with CaptureQueriesContext(connection) as captured:
        counted_twin = shuangchuang_figures(
            area, sums, coverage.rows, coverage.row_level, today=today
        )
    survey = counted_twin.survey
    print(
        f"  双创: {counted_twin.total.approved:,} approved, "
        f"{counted_twin.total.rectification_overdue:,} rectification items overdue; "
        f"satisfaction {survey.total.percent}% ±{survey.total.margin} "
        f"({survey.total.interviewed:,} interviewed, {len(survey.trend)} rounds)"
    )
    print(f"    section                 {summary(twin)}   {len(captured)} queries")
    ranking_url = reverse("ranking")
    client.get(ranking_url, params)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ranking_url, params).status_code == 200
    ranking_queries = len(captured)
    ranked, _ = timed(lambda: client.get(ranking_url, params), options.requests)
    print(f"  ranking page              {summary(ranked)}   {ranking_queries} queries")


def same_projects(rolled: object, counted: object) -> bool:
    """The section from the rollups equals its recount, row by row."""
    keys = rolled.rows.keys() | counted.rows.keys()
    return (
        rolled.total == counted.total
        and all(rolled.row(pk) == counted.row(pk) for pk in keys)
        and (rolled.sources, rolled.most, rolled.least)
        == (counted.sources, counted.most, counted.least)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=5)
    options = parser.parse_args()
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from projects.models import Activity, Project
    from units.models import Cadre, WorkGroup
    from villages.models import County, Household, Township, Village
    from visits.models import Visit

    user, _ = get_user_model().objects.get_or_create(
        username="bench-city", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    county = County.objects.annotate(n=Count("townships__villages")).order_by("-n").first()
    township = (
        Township.objects.filter(county=county).annotate(n=Count("villages")).order_by("-n").first()
    )
    village = (
        Village.objects.filter(township=township)
        .annotate(n=Count("households"))
        .order_by("-n")
        .first()
    )
    levels = [("city", None), ("county", county), ("township", township), ("village", village)]
    cadre = Cadre.objects.first()
    made: list[int] = []
    held: list[int] = []

    print(f"Machine: {machine()}; database {connection.settings_dict['NAME']}")
    print(
        f"{Household.objects.count():,} households, {Village.objects.count():,} villages; "
        f"{options.requests} requests per level, {options.baseline_runs} baseline runs"
    )
    print(
        f"{Project.objects.count():,} projects, {Activity.objects.count():,} activities, "
        f"{WorkGroup.objects.count():,} work groups"
    )
    for name, area in levels:
        label = f"{name} ({area.name})" if area else name
        households = Household.objects.in_area(area).order_by("pk")
        group = WorkGroup.objects.filter(
            village__in=Village.objects.in_area(area).values("pk")
        ).first()

        def change(households: object = households, group: object = group) -> None:
            visit = Visit.objects.create(
                # A village may have fewer households than requests times seven: wrap around.
                household=households[len(made) * 7 % households.count()],
                cadre=cadre,
                visited_on=timezone.localdate(),
                summary="基准测试",
            )
            made.append(visit.pk)
            if group is not None:
                activity = Activity.objects.create(
                    work_group=group, kind=Activity.Kind.OTHER, title="基准测试"
                )
                held.append(activity.pk)

        measure(label, area, client, change, options)
    Visit.objects.filter(pk__in=made).delete()
    Activity.objects.filter(pk__in=held).delete()
    client.get(reverse("dashboard"))


if __name__ == "__main__":
    main()
