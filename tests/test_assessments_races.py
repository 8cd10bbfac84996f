"""Two coordinators at the same moment, on two connections to PostgreSQL: a village's assessment
is opened once, and an assessment is approved or sent back once."""

import pytest
from django.db import connection

from assessments import assessments as steps
from assessments.models import Assessment, Criterion
from tests.conftest import build_scope_world
from tests.factories import make_checklist
from tests.test_projects_races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time; the race needs two connections at once",
    ),
]


def test_two_openings_at_once_open_one_assessment() -> None:
    world = build_scope_world()
    make_checklist(year=2030)
    village = world.home.village
    outcomes = race(
        lambda: steps.start_assessment(village=village, year=2030, by=world.users["liaison"]),
        lambda: steps.start_assessment(village=village, year=2030, by=world.users["township"]),
    )
    assert outcomes == ["done", "甲村已有2030年的评价。"]
    assert Assessment.objects.filter(village=village).count() == 1


def test_an_approval_and_a_send_back_at_once_take_one_effect() -> None:
    world = build_scope_world()
    make_checklist(year=2030)
    assessment = steps.start_assessment(village=world.home.village, year=2030, by=None)
    full = {c.pk: (c.weight, "") for c in Criterion.objects.all()}
    steps.save_self_assessment(assessment=assessment, scores=full, by=None)
    steps.submit(assessment=assessment, by=None)
    steps.review(assessment=assessment, scores=full, comment="属实", by=world.users["township"])
    outcomes = race(
        lambda: steps.approve(assessment=assessment, comment="", by=world.users["county"]),
        lambda: steps.send_back(assessment=assessment, comment="重审", by=world.users["city"]),
    )
    assert outcomes == ["done", "已审定的评价不能再修改。"]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.stars) == (Assessment.Status.APPROVED, 5)
