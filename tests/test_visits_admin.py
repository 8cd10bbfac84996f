import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_cadre,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
)
from visits import needs
from visits.models import Need, NeedNote, Visit, VisitInterval

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEEDS_URL = reverse("admin:visits_need_changelist")
VISITS_URL = reverse("admin:visits_visit_changelist")


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def late_and_on_time(settings) -> dict[str, Need]:
    settings.NEED_OVERDUE_DAYS = 15
    return {
        "stale": make_need(raised_on=days_ago(40), progressed_on=days_ago(16)),
        "past_due": make_need(
            level=Need.Level.TOWNSHIP, due_on=days_ago(1), raised_on=days_ago(12)
        ),
        "fresh": make_need(raised_on=days_ago(2), progressed_on=days_ago(2)),
        "county_on_time": make_need(level=Need.Level.COUNTY, due_on=TODAY, raised_on=days_ago(12)),
    }


def test_the_overdue_filter_picks_stale_and_past_deadline_needs(admin_client, late_and_on_time):
    needs_ = late_and_on_time

    late = listed(admin_client.get(NEEDS_URL, {"late": "yes"}))
    on_time = listed(admin_client.get(NEEDS_URL, {"late": "no"}))

    assert {n.pk for n in late} == {needs_["stale"].pk, needs_["past_due"].pk}
    assert {n.pk for n in on_time} == {needs_["fresh"].pk, needs_["county_on_time"].pk}
    response = admin_client.get(NEEDS_URL)
    text = response.content.decode()
    assert "是否超期" in text
    assert text.count('<strong class="need-late">已超期</strong>') == 2


def test_each_level_sees_its_needs_with_the_deadline(admin_client, late_and_on_time):
    response = admin_client.get(NEEDS_URL, {"level__exact": "county"})

    assert listed(response) == [late_and_on_time["county_on_time"]]
    text = response.content.decode()
    assert "办理期限" in text
    due = TODAY.isoformat()
    assert f'<td class="field-due_on nowrap">{due}</td>' in text


def test_needs_filter_by_area_unit_status_and_category(admin_client):
    county = make_county(code="371721000000", name="曹县")
    township = make_township(county=county)
    here = make_household(village=make_village(township=township))
    unit = make_unit(name="市司法局")
    mine = make_need(household=here, cadre=make_cadre(unit=unit), category=Need.Category.HOUSING)
    make_need(status=Need.Status.IN_PROGRESS)

    assert listed(admin_client.get(NEEDS_URL, {"county": county.pk})) == [mine]
    assert listed(admin_client.get(NEEDS_URL, {"township": township.pk})) == [mine]
    assert listed(admin_client.get(NEEDS_URL, {"cadre__unit__id__exact": unit.pk})) == [mine]
    assert listed(admin_client.get(NEEDS_URL, {"category": "housing"})) == [mine]
    assert listed(admin_client.get(NEEDS_URL, {"status__exact": "pending"})) == [mine]
    assert listed(admin_client.get(NEEDS_URL, {"q": mine.cadre.name})) == [mine]


def test_visits_show_and_filter_by_outcome_unit_and_area(admin_client):
    unit = make_unit(name="团市委")
    county = make_county(code="371721000000", name="曹县")
    village = make_village(township=make_township(county=county))
    away = make_visit(
        outcome=Visit.Outcome.AWAY,
        cadre=make_cadre(unit=unit, name="陈七"),
        household=make_household(village=village),
    )
    make_visit()

    response = admin_client.get(VISITS_URL, {"outcome__exact": "away"})
    assert listed(response) == [away]
    assert '<td class="field-outcome">不在家</td>' in response.content.decode()
    assert listed(admin_client.get(VISITS_URL, {"cadre__unit__id__exact": unit.pk})) == [away]
    assert listed(admin_client.get(VISITS_URL, {"county": county.pk})) == [away]
    assert listed(admin_client.get(VISITS_URL, {"q": "陈七"})) == [away]


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [NEEDS_URL, VISITS_URL])
def test_the_lists_run_the_same_queries_for_1_and_30_rows(
    admin_client, url, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for _i in range(count):
            visit = make_visit(cadre=make_cadre())
            make_need(household=visit.household, visit=visit, cadre=visit.cadre)

    add(1)
    few = count_queries(admin_client, url)
    add(29)
    with django_assert_max_num_queries(few):
        response = admin_client.get(url)
    assert len(listed(response)) == 30


def run_action(client: Client, action: str, chosen: list[Need], **data: object):
    return client.post(
        NEEDS_URL,
        {"action": action, "_selected_action": [n.pk for n in chosen], **data},
    )


def test_escalating_from_the_list_asks_the_reason_then_moves_each_need_up(admin_client, settings):
    settings.NEED_DEADLINE_DAYS_UNIT = 7
    settings.NEED_DEADLINE_DAYS_TOWNSHIP = 10
    at_cadre = make_need(raised_on=days_ago(5))
    at_unit = make_need(level=Need.Level.UNIT, raised_on=days_ago(5))
    at_county = make_need(
        level=Need.Level.COUNTY, raised_on=days_ago(5), household=make_household(head_name="郑八")
    )
    chosen = [at_cadre, at_unit, at_county]

    page = run_action(admin_client, "escalate", chosen, index=0)
    assert page.status_code == 200
    assert page.context["title"] == "上报上一级"
    assert "郑八" in page.content.decode()

    missing = run_action(admin_client, "escalate", chosen, confirm="yes", note="", on=TODAY)
    assert missing.status_code == 200
    assert missing.context["form"].errors == {"note": ["这个字段是必填项。"]}

    response = run_action(
        admin_client, "escalate", chosen, confirm="yes", note="需上级协调", on=TODAY
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "郑八（就医）：这条诉求已由县区办理，不能再上报。",
        "已将2条诉求上报上一级。",
    ]
    at_cadre.refresh_from_db()
    at_unit.refresh_from_db()
    assert (at_cadre.level, at_cadre.due_on) == ("unit", TODAY + datetime.timedelta(days=7))
    assert (at_unit.level, at_unit.due_on) == ("township", TODAY + datetime.timedelta(days=10))
    assert NeedNote.objects.filter(text="需上级协调").count() == 2


def test_reassigning_from_the_list_uses_a_cadre_autocomplete_and_the_service(admin_client):
    chosen = [make_need(raised_on=days_ago(3)), make_need(raised_on=days_ago(3))]
    successor = make_cadre(name="冯九")

    page = run_action(admin_client, "reassign", chosen, index=0)
    assert page.status_code == 200
    assert page.context["title"] == "改派联系干部"
    assert "admin-autocomplete" in page.content.decode()

    response = run_action(
        admin_client,
        "reassign",
        chosen,
        confirm="yes",
        to_cadre=successor.pk,
        on=TODAY,
        note="原干部调离",
    )
    assert response.status_code == 302
    assert messages_of(response) == ["已将2条诉求改派给冯九。"]
    assert set(Need.objects.values_list("cadre", flat=True)) == {successor.pk}
    assert NeedNote.objects.filter(text__endswith="改派给冯九。\n原干部调离").count() == 2


def test_the_need_page_shows_its_steps_read_only_newest_last(admin_client, settings):
    need = make_need(raised_on=days_ago(10))
    needs.start(need=need, by=None, on=days_ago(9), note="第一步")
    needs.add_note(need=need, by=None, on=days_ago(2), text="第二步")

    response = admin_client.get(reverse("admin:visits_need_change", args=[need.pk]))

    text = response.content.decode()
    assert text.index("第一步") < text.index("第二步")
    assert 'name="notes-0-text"' not in text
    assert "办理这条诉求" in text
    assert 'name="status"' not in text


def test_saving_the_need_form_does_not_change_its_status(admin_client):
    need = make_need(raised_on=days_ago(10))
    url = reverse("admin:visits_need_change", args=[need.pk])
    data = {
        "household": need.household.pk,
        "cadre": need.cadre.pk,
        "category": need.category,
        "description": "改写的描述",
        "raised_on": f"{need.raised_on:%Y-%m-%d}",
        "status": "resolved",
        "notes-TOTAL_FORMS": 0,
        "notes-INITIAL_FORMS": 0,
        "notes-MIN_NUM_FORMS": 0,
        "notes-MAX_NUM_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    need.refresh_from_db()
    assert (need.description, need.status) == ("改写的描述", Need.Status.PENDING)


def test_the_county_closes_an_unresolvable_need_on_the_follow_up_page(admin_client, admin_user):
    need = make_need(level=Need.Level.COUNTY, raised_on=days_ago(10), due_on=TODAY)
    url = reverse("admin:visits_need_follow_up", args=[need.pk])

    page = admin_client.get(url)
    assert [item["step"] for item in page.context["steps"]] == [
        "start",
        "resolve",
        "give_up",
        "note",
    ]
    response = admin_client.post(
        url, {"step": "give_up", "give_up-reason": "超出政策范围", "give_up-on": f"{TODAY}"}
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.UNRESOLVABLE
    assert need.notes.get().author == admin_user
    assert "诉求已认定无法解决。" in admin_client.get(url).content.decode()


def test_below_the_county_the_follow_up_page_offers_escalation_not_giving_up(admin_client):
    need = make_need(level=Need.Level.UNIT, raised_on=days_ago(10), status="in_progress")
    url = reverse("admin:visits_need_follow_up", args=[need.pk])

    page = admin_client.get(url)
    assert [item["step"] for item in page.context["steps"]] == ["resolve", "escalate", "note"]
    response = admin_client.post(
        url, {"step": "give_up", "give_up-reason": "超出政策范围", "give_up-on": f"{TODAY}"}
    )
    assert messages_of(response) == ["这条诉求当前不能进行此项操作。"]
    need.refresh_from_db()
    assert need.status == Need.Status.IN_PROGRESS


def test_coordinators_set_visit_intervals_in_the_list(admin_client):
    url = reverse("admin:visits_visitinterval_changelist")
    intervals = list(VisitInterval.objects.order_by("pk"))
    assert intervals, "the default intervals are seeded"
    data = {
        "form-TOTAL_FORMS": len(intervals),
        "form-INITIAL_FORMS": len(intervals),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "保存",
    }
    for i, interval in enumerate(intervals):
        data[f"form-{i}-id"] = interval.pk
        data[f"form-{i}-days"] = 45 if i == 0 else interval.days

    response = admin_client.post(url, data)

    assert response.status_code == 302
    intervals[0].refresh_from_db()
    assert intervals[0].days == 45
