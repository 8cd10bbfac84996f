"""Recording interviews: only the household's own interviewer, only while the round interviews
and within its dates; a reached household answers every question; a form sent twice counts
once; a household not reached after the round's tries is replaced from the reserve, of the same
category first; nothing is written or changed after the round closes."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from satisfaction.interviews import record_attempt
from satisfaction.models import Answer, Attempt, Round, Sample
from satisfaction.rounds import close_round
from shuanglian.models import AuditEvent
from tests.factories import (
    make_cadre,
    make_household,
    make_open_round,
    make_township,
    make_user,
    make_village,
)

pytestmark = pytest.mark.django_db

Status = Sample.Status


@pytest.fixture
def township() -> object:
    return make_township(name="甲镇")


@pytest.fixture
def village(township: object) -> object:
    village = make_village(township=township, name="甲村")
    for category, count in (("general", 10), ("lifted", 2), ("destitute", 1)):
        for _ in range(count):
            make_household(village=village, category=category)
    return village


@pytest.fixture
def interviewer() -> object:
    return make_cadre(name="测评员", user=make_user("interviewer"))


@pytest.fixture
def round(township, village, interviewer) -> Round:
    return make_open_round(township, interviewers={village: interviewer}, max_tries=2)


def answers_for(round: Round, choice: str = "satisfied") -> dict[int, str]:
    return dict.fromkeys(round.questions.values_list("pk", flat=True), choice)


def try_once(sample: Sample, by: object, **fields: object) -> object:
    values = {
        "method": "phone",
        "reached": False,
        "submission_key": uuid.uuid4(),
        **fields,
    }
    return record_attempt(sample=sample, by=by, **values)


def first_pending(round: Round, **filters: object) -> Sample:
    return Sample.objects.filter(round=round, status=Status.PENDING, **filters).first()


def test_a_reached_household_answers_every_question(round, interviewer) -> None:
    sample = first_pending(round)
    outcome = try_once(
        sample,
        interviewer.user,
        reached=True,
        method="in_person",
        answers=answers_for(round, "fair"),
        comment="路灯坏了",
    )
    sample.refresh_from_db()
    assert sample.status == Status.INTERVIEWED
    assert (sample.method, sample.comment, sample.tries) == ("in_person", "路灯坏了", 1)
    assert outcome.attempt.reached
    assert set(Answer.objects.filter(sample=sample).values_list("choice", flat=True)) == {"fair"}


def test_a_reached_household_missing_an_answer_is_refused(round, interviewer) -> None:
    answers = answers_for(round)
    answers.popitem()
    with pytest.raises(ValidationError) as refused:
        try_once(first_pending(round), interviewer.user, reached=True, answers=answers)
    assert refused.value.messages == ["已联系上的住户须回答全部题目。"]
    assert not Attempt.objects.exists()


def test_a_form_sent_twice_counts_once(round, interviewer) -> None:
    sample = first_pending(round)
    key = uuid.uuid4()
    first = try_once(sample, interviewer.user, submission_key=key)
    again = try_once(sample, interviewer.user, submission_key=key)
    assert again.repeated
    assert again.attempt == first.attempt
    sample.refresh_from_db()
    assert sample.tries == 1
    assert sample.attempts.count() == 1


def test_a_household_not_reached_after_the_tries_is_replaced_from_its_stratum(
    round, interviewer
) -> None:
    sample = first_pending(round, stratum="general")
    try_once(sample, interviewer.user)
    outcome = try_once(sample, interviewer.user)
    sample.refresh_from_db()
    assert sample.status == Status.REPLACED
    replacement = outcome.replacement
    assert replacement.status == Status.PENDING
    assert replacement.replaces == sample
    assert replacement.stratum == "general"
    assert replacement.interviewer == interviewer
    assert AuditEvent.objects.filter(action="sample_replace", object_id=str(sample.pk)).exists()


def test_without_a_reserve_of_its_stratum_the_next_in_draw_order_comes_in(
    round, interviewer
) -> None:
    destitute = first_pending(round, stratum="destitute")
    reserve = list(Sample.objects.filter(round=round, status=Status.RESERVE).order_by("draw_order"))
    assert "destitute" not in {sample.stratum for sample in reserve}
    try_once(destitute, interviewer.user)
    outcome = try_once(destitute, interviewer.user)
    assert outcome.replacement == reserve[0]


def test_when_the_reserve_is_used_up_the_shortfall_is_said(round, interviewer) -> None:
    Sample.objects.filter(round=round, status=Status.RESERVE).delete()
    sample = first_pending(round)
    try_once(sample, interviewer.user)
    outcome = try_once(sample, interviewer.user)
    assert outcome.replaced
    assert outcome.reserve_exhausted


def test_only_the_households_own_interviewer_records(round, interviewer) -> None:
    stranger = make_cadre(user=make_user("stranger"))
    with pytest.raises(PermissionDenied) as refused:
        try_once(first_pending(round), stranger.user)
    assert str(refused.value) == "该住户不是分配给您测评的。"


def test_a_reserve_household_cannot_be_recorded(round, interviewer) -> None:
    reserve = Sample.objects.filter(round=round, status=Status.RESERVE).first()
    reserve.interviewer = interviewer
    reserve.save()
    with pytest.raises(PermissionDenied):
        try_once(reserve, interviewer.user)


def test_a_closed_round_takes_no_more_attempts(round, interviewer) -> None:
    sample = first_pending(round)
    close_round(round=round, by=None)
    with pytest.raises(ValidationError) as refused:
        try_once(sample, interviewer.user)
    assert refused.value.messages == ["本轮测评已结束，测评记录不能再修改。"]
    assert not Attempt.objects.exists()


def test_a_round_past_its_last_day_takes_no_attempts(round, interviewer) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Round.objects.filter(pk=round.pk).update(
        starts_on=yesterday - datetime.timedelta(days=5), ends_on=yesterday
    )
    with pytest.raises(ValidationError) as refused:
        try_once(first_pending(round), interviewer.user)
    assert refused.value.messages[0].startswith("本轮测评时间为")


def test_the_last_day_still_takes_attempts(round, interviewer) -> None:
    Round.objects.filter(pk=round.pk).update(ends_on=timezone.localdate())
    assert try_once(first_pending(round), interviewer.user).attempt.pk


def test_an_interviewed_household_cannot_be_interviewed_again(round, interviewer) -> None:
    sample = first_pending(round)
    try_once(sample, interviewer.user, reached=True, answers=answers_for(round))
    with pytest.raises(ValidationError) as refused:
        try_once(sample, interviewer.user, reached=True, answers=answers_for(round))
    assert refused.value.messages == ["该住户已完成测评。"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite runs one writer at a time; the race needs two connections at once",
)
def test_two_submissions_at_once_count_once(township, village, interviewer) -> None:
    round = make_open_round(township, interviewers={village: interviewer})
    sample = first_pending(round)
    key = uuid.uuid4()
    errors: list[Exception] = []

    def send() -> None:
        try:
            try_once(sample, interviewer.user, submission_key=key)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.refresh_from_db()
    assert (sample.tries, sample.attempts.count(), errors) == (1, 1, [])


# --- the interviewer's phone pages ------------------------------------------------------------


def test_the_list_shows_only_the_households_drawn_for_the_interviewer(
    township, village, interviewer, django_assert_max_num_queries
) -> None:
    other_village = make_village(township=township, name="乙村")
    make_household(village=other_village, head_name="别人的户")
    other = make_cadre(user=make_user("other"))
    make_open_round(township, interviewers={village: interviewer, other_village: other})
    client = Client()
    client.force_login(interviewer.user)
    with django_assert_max_num_queries(8):
        response = client.get("/me/interviews/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('class="row-link"') == 10
    assert "别人的户" not in text


def test_the_interview_page_records_an_answered_interview(round, interviewer) -> None:
    sample = first_pending(round)
    client = Client()
    client.force_login(interviewer.user)
    page = client.get(f"/me/interviews/{sample.pk}/")
    assert page.status_code == 200
    assert f'href="tel:{sample.household.phone}"' in page.content.decode()
    data = {
        "reached": "yes",
        "method": "in_person",
        "comment": "希望修路",
        "note": "",
        "submission_key": str(uuid.uuid4()),
        **{f"question_{pk}": "satisfied" for pk in round.questions.values_list("pk", flat=True)},
    }
    response = client.post(f"/me/interviews/{sample.pk}/", data)
    assert response.status_code == 302
    sample.refresh_from_db()
    assert (sample.status, sample.comment) == (Status.INTERVIEWED, "希望修路")
    again = client.post(f"/me/interviews/{sample.pk}/", data, follow=True)
    assert "此次测评已记录过。" in again.content.decode()
    assert sample.attempts.count() == 1


def test_a_reached_form_without_answers_is_sent_back(round, interviewer) -> None:
    sample = first_pending(round)
    client = Client()
    client.force_login(interviewer.user)
    response = client.post(
        f"/me/interviews/{sample.pk}/",
        {"reached": "yes", "method": "phone", "submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "请选择群众的回答。" in response.content.decode()
    assert not Attempt.objects.exists()


def test_another_cadres_household_is_not_found(round, interviewer) -> None:
    client = Client()
    client.force_login(make_cadre(user=make_user("stranger")).user)
    assert client.get(f"/me/interviews/{first_pending(round).pk}/").status_code == 404


def test_my_households_links_to_the_interviews_when_there_are_some(round, interviewer) -> None:
    client = Client()
    client.force_login(interviewer.user)
    assert 'id="interviews-link"' in client.get("/me/").content.decode()
    Round.objects.filter(pk=round.pk).update(status="closed")
    assert 'id="interviews-link"' not in client.get("/me/").content.decode()
