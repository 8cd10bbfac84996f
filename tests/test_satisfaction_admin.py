"""The survey admin: coordinators open and run rounds over their own area, step by step; the
independence rule refuses an interviewer on the form; sampled households are listed to the
coordinators over their village only, masked, and to no liaison; closed rounds and what the
interviewers wrote are read only; the results page and its workbook."""

import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from satisfaction.draw import draw_sample
from satisfaction.interviews import record_attempt
from satisfaction.models import Attempt, Interviewer, Round, Sample
from satisfaction.results import compute_results
from satisfaction.rounds import close_round
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import (
    client_for,
    make_cadre,
    make_household,
    make_open_round,
    make_round,
    make_user,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"admin:satisfaction_{name}", args=args)


@pytest.fixture
def world(scope_world: ScopeWorld) -> ScopeWorld:
    for place in (scope_world.home, scope_world.next_door, scope_world.far):
        for _ in range(6):
            make_household(village=place.village, phone="13912345678")
    return scope_world


def test_a_township_coordinator_opens_a_round_over_their_township(world) -> None:
    client = client_for(world.users["township"])
    response = client.post(
        url("round_add"),
        {
            "name": "2026年第四季度",
            "township": world.home.village.township.pk,
            "starts_on": "2026-10-01",
            "ends_on": "2026-12-31",
            "per_village": "5",
            "reserve_per_village": "2",
            "max_tries": "3",
            "least_interviews": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    round = Round.objects.get()
    assert round.area == world.home.village.township
    assert round.questions.count() == 4
    assert AuditEvent.objects.filter(action="round_open", object_id=str(round.pk)).exists()


def test_a_township_coordinator_cannot_open_a_round_over_another_township(world) -> None:
    client = client_for(world.users["township"])
    response = client.post(
        url("round_add"),
        {
            "name": "越权",
            "township": world.next_door.village.township.pk,
            "starts_on": "2026-10-01",
            "ends_on": "2026-12-31",
            "per_village": "5",
            "reserve_per_village": "2",
            "max_tries": "3",
            "least_interviews": "3",
        },
    )
    assert not Round.objects.exists()
    assert response.status_code == 200


def test_the_steps_draw_start_and_close_a_round(world) -> None:
    client = client_for(world.users["township"])
    round = make_round(world.home.village.township, per_village=4)
    response = client.post(url("round_step", round.pk, "draw"), {"seed": "42"})
    assert response.status_code == 302
    assert Sample.objects.filter(round=round, status="pending").count() == 4
    assert Round.objects.get(pk=round.pk).seed == 42
    client.post(url("round_step", round.pk, "start"), {})
    assert Round.objects.get(pk=round.pk).status == "open"
    client.post(url("round_step", round.pk, "close"), {})
    assert Round.objects.get(pk=round.pk).status == "closed"


def test_another_townships_coordinator_cannot_take_a_step(world) -> None:
    round = make_round(world.home.village.township)
    client = client_for(world.users["other_township"])
    assert client.post(url("round_step", round.pk, "draw"), {}).status_code == 404
    assert Round.objects.get(pk=round.pk).drawn_at is None


def test_the_round_list_shows_only_rounds_over_the_users_area(
    world, django_assert_max_num_queries
) -> None:
    make_round(world.home.village.township, name="甲镇测评")
    make_round(world.far.village.township, name="丙镇测评")
    client = client_for(world.users["township"])
    with django_assert_max_num_queries(14):
        response = client.get(url("round_changelist"))
    text = response.content.decode()
    assert "甲镇测评" in text
    assert "丙镇测评" not in text


def test_the_independence_rule_refuses_an_interviewer_on_the_form(world) -> None:
    round = draw_sample(round=make_round(world.home.village.township), by=None, seed=1)
    client = client_for(world.users["township"])
    response = client.post(
        url("interviewer_add"),
        {"round": round.pk, "village": world.home.village.pk, "cadre": world.home.cadre.pk},
    )
    assert response.status_code == 200
    assert "甲干部不能在甲村测评：其所在单位在该村派有工作组。" in response.content.decode()
    assert not Interviewer.objects.exists()


@pytest.fixture
def interviewing(world) -> Round:
    interviewer = make_cadre(name="测评员", user=make_user("interviewer"))
    villages = {world.home.village: interviewer, world.far.village: interviewer}
    return make_open_round(None, interviewers=villages, per_village=4, least_interviews=3)


def test_samples_are_listed_to_the_coordinators_over_their_village_masked(
    world, interviewing, django_assert_max_num_queries
) -> None:
    client = client_for(world.users["township"])
    with django_assert_max_num_queries(16):
        response = client.get(url("sample_changelist"))
    text = response.content.decode()
    assert text.count("甲镇甲村") >= 4
    assert "丙村" not in text
    assert "139****5678" in text
    assert "13912345678" not in text


def test_a_liaison_sees_no_sampled_household(world, interviewing) -> None:
    response = client_for(world.users["liaison"]).get(url("sample_changelist"))
    assert "甲村" not in response.content.decode().split('id="result_list"')[-1]
    sample = Sample.objects.filter(village=world.home.village).first()
    assert client_for(world.users["liaison"]).get(url("sample_change", sample.pk)).status_code in (
        302,
        404,
    )


def test_attempts_are_read_only(world, interviewing) -> None:
    sample = Sample.objects.filter(village=world.home.village, status="pending").first()
    interviewer = sample.interviewer
    record_attempt(
        sample=sample,
        method="phone",
        reached=False,
        submission_key=uuid.uuid4(),
        by=interviewer.user,
    )
    attempt = Attempt.objects.get()
    client = client_for(world.users["city"])
    page = client.get(url("attempt_change", attempt.pk)).content.decode()
    assert 'name="_save"' not in page
    client.post(url("attempt_change", attempt.pk), {"reached": "on", "method": "phone"})
    attempt.refresh_from_db()
    assert not attempt.reached


def test_a_closed_round_cannot_be_changed_in_admin(world, interviewing) -> None:
    close_round(round=interviewing, by=None)
    client = client_for(world.users["city"])
    page = client.get(url("round_change", interviewing.pk)).content.decode()
    assert 'name="_save"' not in page
    client.post(url("round_change", interviewing.pk), {"name": "改名"})
    assert Round.objects.get(pk=interviewing.pk).name == "2026年第四季度"


def test_the_results_page_suppresses_an_area_with_too_few_interviews(world, interviewing) -> None:
    questions = interviewing.questions.values_list("pk", flat=True)
    for sample in Sample.objects.filter(village=world.home.village, status="pending")[:3]:
        record_attempt(
            sample=sample,
            method="in_person",
            reached=True,
            answers=dict.fromkeys(questions, "satisfied"),
            submission_key=uuid.uuid4(),
            by=sample.interviewer.user,
        )
    compute_results(round=interviewing, by=None)
    client = client_for(world.users["city"])
    text = client.get(url("round_results", interviewing.pk)).content.decode()
    assert "100.0%" in text
    assert "误差范围为95%置信度。受访少于3户的地区不发布结果。" in text
    assert "样本不足，不发布" in text
    export = client.get(url("round_results_export", interviewing.pk))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "地区"
    assert any(row[5] == "样本不足，不发布" for row in rows[1:])
    assert AuditEvent.objects.filter(action="results_export").exists()


def test_a_county_coordinator_sees_only_their_countys_results(world, interviewing) -> None:
    compute_results(round=interviewing, by=None)
    text = client_for(world.users["county"]).get(url("round_results", interviewing.pk))
    assert "丙镇" not in text.content.decode()
    assert "甲镇" in text.content.decode()


def test_a_client_without_staff_rights_is_sent_to_sign_in() -> None:
    assert Client().get(url("round_changelist")).status_code == 302


def test_a_round_page_under_a_malformed_key_is_not_a_server_error(world) -> None:
    round = make_round(world.home.village.township)
    client = client_for(world.users["city"])
    response = client.get(f"/admin/satisfaction/round/{round.pk}/change/results/")
    assert response.status_code in (302, 404)
