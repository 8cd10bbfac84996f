"""The dashboard's table rows, written in Python (``shuanglian.figures.table_rows``), are the
markup the template wrote before: the template's loops are kept here and rendered on the same
figures, at every level, in both languages, with markup in names and rows of every kind."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from shuanglian.figures import table_rows, visit_stats
from shuanglian.figures.summary import figures_for
from tests.test_dashboard_shuangchuang import city  # noqa: F401 - the fixture
from units.models import Unit
from villages.models import County, Township, Village

pytestmark = pytest.mark.django_db

LOADS = "{% load i18n l10n money %}{% localize off %}"
# The template's loops as they were before the rows were written in Python.
BEFORE = Path(__file__).parent / "data" / "dashboard_table_rows_before.html"
LOOPS = dict(re.findall(r"\{# --- (\w+) --- #\}\n(.*?)(?=\{# ---|\Z)", BEFORE.read_text(), re.S))
COVERAGE, VISITS, PROJECTS, TWIN = (LOOPS[k] for k in ("coverage", "visits", "projects", "twin"))


def normalised(html: str) -> str:
    """The markup without the template's indentation between tags."""
    return re.sub(r">\s+<", "><", html.strip()).replace("\n", "")


def rendered(loop: str, **context: object) -> str:
    return normalised(Template(LOADS + loop + "{% endlocalize %}").render(Context(context)))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_table_row_is_what_the_template_wrote(city: dict, language: str) -> None:  # noqa: F811
    Unit.objects.filter(pk=city["units"][0].pk).update(name="<b>市委组织部</b>")
    Village.objects.filter(pk=city["villages"][1].pk).update(name="蔡寨村&<i>")
    areas = [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]
    with translation.override(language):
        for area in areas:
            both = figures_for(area)
            figures, twin = both.coverage, both.shuangchuang
            is_village = area is not None and area.is_village
            visit_pairs = visit_stats.rows_beside(both.visits, figures.rows)
            project_pairs = [(row, both.projects.row(row.pk)) for row in figures.rows]
            twin_triples = [
                (row, twin.row(row.pk), twin.survey.row(row.pk)) for row in figures.rows
            ]
            expected = rendered(COVERAGE, figures=figures, is_village=is_village)
            written = table_rows.coverage_rows(figures, is_village=is_village)
            assert normalised(written) == expected, area
            expected = rendered(VISITS, visit_rows=visit_pairs)
            assert normalised(table_rows.visit_rows(visit_pairs)) == expected, area
            expected = rendered(PROJECTS, project_rows=project_pairs)
            assert normalised(table_rows.project_rows(project_pairs)) == expected, area
            expected = rendered(TWIN, twin_rows=twin_triples, survey=twin.survey)
            surveyed = twin.survey.latest is not None
            assert normalised(table_rows.twin_rows(twin_triples, surveyed=surveyed)) == expected


def test_empty_tables_say_so_as_before(db: None) -> None:
    with translation.override("zh-hans"):
        assert normalised(table_rows.visit_rows([])) == rendered(VISITS, visit_rows=[])
        assert normalised(table_rows.project_rows([])) == rendered(PROJECTS, project_rows=[])
        empty = rendered(TWIN, twin_rows=[], survey=None)
        assert normalised(table_rows.twin_rows([], surveyed=False)) == empty
