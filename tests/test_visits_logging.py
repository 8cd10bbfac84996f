"""Logging a visit, with the needs raised in it, once per submission key."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_user,
    make_visit,
    make_visit_intervals,
)
from units.models import Cadre
from villages.models import Household
from visits.models import Need, NeedNote, Visit
from visits.schedule import households_due
from visits.visits import RaisedNeed, record_visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals()
    return make_cadre(name="刘干部", user=make_user("liu"))


@pytest.fixture
def household(cadre: Cadre) -> Household:
    return make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household


@pytest.fixture
def cadre_client(cadre: Cadre) -> Client:
    client = Client()
    client.force_login(cadre.user)
    return client


def visit_data(**overrides: object) -> dict[str, object]:
    data = {
        "client_key": str(uuid.uuid4()),
        "visited_on": f"{TODAY:%Y-%m-%d}",
        "method": "home",
        "outcome": "met",
        "summary": "了解今年小麦收成",
        "tasks": ["task_policy", "task_voices"],
        "satisfaction": "satisfied",
        "needs-TOTAL_FORMS": "3",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


def post(client: Client, household: Household, **overrides: object) -> object:
    return client.post(reverse("visits:log_visit", args=[household.pk]), visit_data(**overrides))


def errors(response: object) -> list[str]:
    form, needs = response.context["form"], response.context["needs"]
    found = [e for field_errors in form.errors.values() for e in field_errors]
    return found + [e for row in needs.errors for field in row.values() for e in field]


def test_the_form_offers_today_the_methods_outcomes_tasks_and_a_submission_key(
    cadre_client: Client, household: Household
) -> None:
    response = cadre_client.get(reverse("visits:log_visit", args=[household.pk]))
    text = response.text
    assert f'type="date" name="visited_on" value="{TODAY:%Y-%m-%d}"' in text
    assert f'max="{TODAY:%Y-%m-%d}"' in text
    for label in [
        "入户",
        "电话",
        "座谈",
        "集中活动",
        "见到户主或家人",
        "不在家",
        "拒访",
        "约定再访",
    ]:
        assert f" {label}</label>" in text
    assert 'type="radio" name="method"' in text
    assert 'type="checkbox" name="tasks" value="task_organization"' in text
    assert "加强基层组织" in text
    assert "其他结果会记录下来，但不计入走访次数" in text
    key = response.context["form"]["client_key"].value()
    assert f'type="hidden" name="client_key" value="{key}"' in text
    assert uuid.UUID(str(key))
    assert text.count('name="needs-') > 6
    assert "再添一条诉求" in text
    # Each render makes a new key, so a form opened again is a new visit.
    again = cadre_client.get(reverse("visits:log_visit", args=[household.pk]))
    assert again.context["form"]["client_key"].value() != key


def test_a_visit_is_recorded_and_the_cadre_returns_to_the_household(
    cadre: Cadre, cadre_client: Client, household: Household
) -> None:
    response = post(cadre_client, household)
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:household", args=[household.pk])
    visit = Visit.objects.get()
    assert (visit.household, visit.cadre, visit.visited_on) == (household, cadre, TODAY)
    assert visit.method == "home"
    assert visit.outcome == "met"
    assert visit.tasks == ["宣传党的政策", "反映群众心声"]
    assert visit.satisfaction == "satisfied"
    page = cadre_client.get(response["Location"])
    assert "走访已记录。" in page.text
    assert "了解今年小麦收成" in page.text


def test_a_visit_date_in_the_future_is_refused(cadre_client: Client, household: Household) -> None:
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = post(cadre_client, household, visited_on=f"{tomorrow:%Y-%m-%d}")
    assert response.status_code == 400
    assert errors(response) == ["走访日期不能晚于今天，请核对。"]
    assert "走访日期不能晚于今天，请核对。" in response.text
    assert not Visit.objects.exists()


def test_what_was_discussed_is_required_only_when_the_household_was_met(
    cadre_client: Client, household: Household
) -> None:
    response = post(cadre_client, household, summary="  ")
    assert response.status_code == 400
    assert errors(response) == ["请填写走访内容。"]
    assert not Visit.objects.exists()
    response = post(cadre_client, household, summary="", outcome="away", tasks=[])
    assert response.status_code == 302
    assert Visit.objects.get().outcome == "away"


def test_an_unknown_task_is_refused(cadre_client: Client, household: Household) -> None:
    response = post(cadre_client, household, tasks=["task_policy", "task_parade"])
    assert response.status_code == 400
    assert errors(response) == ["没有这项任务：task_parade。"]
    assert not Visit.objects.exists()


def test_needs_raised_in_the_visit_are_created_with_a_first_note(
    cadre: Cadre, cadre_client: Client, household: Household
) -> None:
    three_days_ago = TODAY - datetime.timedelta(days=3)
    response = post(
        cadre_client,
        household,
        visited_on=f"{three_days_ago:%Y-%m-%d}",
        **{
            "needs-0-category": "medical",
            "needs-0-description": "慢性病用药报销",
            "needs-2-category": "housing",
            "needs-2-description": "房屋漏雨",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    needs = Need.objects.order_by("pk")
    assert [(n.category, n.description) for n in needs] == [
        ("medical", "慢性病用药报销"),
        ("housing", "房屋漏雨"),
    ]
    for need in needs:
        assert (need.visit, need.household, need.cadre) == (visit, household, cadre)
        assert need.raised_on == need.progressed_on == three_days_ago
        assert (need.status, need.level) == ("pending", "cadre")
        note = NeedNote.objects.get(need=need)
        assert (note.text, note.status, note.level) == ("记录诉求", "pending", "cadre")
        assert (note.noted_on, note.author) == (three_days_ago, cadre.user)
    page = cadre_client.get(response["Location"])
    assert "走访已记录，登记诉求2条。" in page.text
    assert "提出诉求：住房，房屋漏雨" in page.text


def test_a_half_filled_need_is_sent_back(cadre_client: Client, household: Household) -> None:
    response = post(
        cadre_client,
        household,
        **{"needs-0-description": "房屋漏雨", "needs-1-category": "medical"},
    )
    assert response.status_code == 400
    assert errors(response) == ["请选择诉求类别。", "请填写诉求的具体内容。"]
    assert not Visit.objects.exists()
    assert not Need.objects.exists()


def test_the_same_submission_twice_records_one_visit(
    cadre_client: Client, household: Household
) -> None:
    key = str(uuid.uuid4())
    extra = {"client_key": key, "needs-0-category": "medical", "needs-0-description": "看病"}
    first = post(cadre_client, household, **extra)
    second = post(cadre_client, household, **extra)
    assert first.status_code == second.status_code == 302
    assert Visit.objects.count() == 1
    assert Need.objects.count() == 1
    assert str(Visit.objects.get().client_key) == key
    page = cadre_client.get(second["Location"])
    assert "这次走访已经记录过了。" in page.text


def test_a_draft_sent_by_the_page_script_gets_json_and_is_stored_once(
    cadre_client: Client, household: Household
) -> None:
    url = reverse("visits:log_visit", args=[household.pk])
    data = visit_data()
    first = cadre_client.post(url, data, headers={"accept": "application/json"})
    again = cadre_client.post(url, data, headers={"accept": "application/json"})
    visit = Visit.objects.get()
    household_url = reverse("visits:household", args=[household.pk])
    assert (first.status_code, first.json()) == (
        201,
        {"visit": visit.pk, "created": True, "url": household_url},
    )
    assert (again.status_code, again.json()["created"]) == (200, False)
    refused = cadre_client.post(url, visit_data(summary=""), headers={"accept": "application/json"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["summary"][0]["message"] == "请填写走访内容。"


def test_the_service_returns_the_visit_already_stored_under_a_key(
    cadre: Cadre, household: Household
) -> None:
    key = uuid.uuid4()
    values = {
        "cadre": cadre,
        "household": household,
        "visited_on": TODAY,
        "method": "phone",
        "outcome": "met",
        "summary": "电话询问",
        "tasks": ["task_policy"],
        "satisfaction": "",
        "needs": [RaisedNeed(category="other", description="咨询政策")],
        "client_key": key,
    }
    visit, created = record_visit(**values)
    again, created_again = record_visit(**values)
    assert (created, created_again) == (True, False)
    assert again == visit
    assert Need.objects.count() == NeedNote.objects.count() == 1


def test_a_key_used_for_another_household_is_refused(
    cadre: Cadre, cadre_client: Client, household: Household
) -> None:
    other = make_assignment(cadre=cadre, household=make_household()).household
    key = str(uuid.uuid4())
    post(cadre_client, household, client_key=key)
    response = post(cadre_client, other, client_key=key)
    assert response.status_code == 400
    assert errors(response) == ["这张表单已用于另一次走访，请重新打开走访表单。"]
    assert Visit.objects.count() == 1
    with pytest.raises(ValidationError):
        record_visit(
            cadre=cadre,
            household=other,
            visited_on=TODAY,
            method="home",
            outcome="met",
            summary="x",
            tasks=[],
            satisfaction="",
            needs=[],
            client_key=uuid.UUID(key),
        )


def test_a_visit_that_did_not_meet_anyone_is_recorded_but_not_counted(
    cadre: Cadre, cadre_client: Client, household: Household
) -> None:
    last_month = TODAY - datetime.timedelta(days=40)
    make_visit(household=household, cadre=cadre, visited_on=last_month)
    response = post(cadre_client, household, outcome="refused", summary="")
    assert response.status_code == 302
    assert Visit.objects.filter(outcome="refused", visited_on=TODAY).count() == 1
    page = cadre_client.get(response["Location"])
    assert "已记录：拒访。这次不计入走访次数。" in page.text
    assert f"{last_month:%Y-%m-%d}，已40天" in page.text
    row = households_due(cadre=cadre)[0]
    assert row.last_contact_on == last_month
    assert Visit.objects.filter(household=household).contacts().count() == 1
    listing = cadre_client.get(reverse("visits:my_households")).text
    assert f"上次走访{last_month:%Y-%m-%d}，已40天" in listing


def test_a_cadre_cannot_log_a_visit_for_another_cadres_household(
    cadre_client: Client,
) -> None:
    theirs = make_assignment(household=make_household()).household
    response = post(cadre_client, theirs)
    assert response.status_code == 404
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_twin_request_racing_with_the_same_key_gets_the_stored_visit(
    cadre: Cadre, household: Household
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database; the race needs row-level locking")
    key = uuid.uuid4()
    answer = {}

    def twin() -> None:
        try:
            answer["result"] = record_visit(
                cadre=cadre,
                household=household,
                visited_on=TODAY,
                method="home",
                outcome="met",
                summary="同一次走访",
                tasks=[],
                satisfaction="",
                needs=[RaisedNeed(category="other", description="不应重复")],
                client_key=key,
            )
        finally:
            connections.close_all()

    with transaction.atomic():
        first = make_visit(household=household, cadre=cadre, client_key=key)
        racer = threading.Thread(target=twin)
        racer.start()
        # The twin found no visit yet and now waits on the unique key until this commits.
        racer.join(timeout=1)
        assert racer.is_alive()
    racer.join(timeout=10)
    assert answer["result"] == (first, False)
    assert Visit.objects.count() == 1
    assert not Need.objects.exists()
