"""走访与诉求 on the dashboard: exact figures for crafted data, and constant queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuanglian.figures.coverage import Rate
from shuanglian.figures.summary import figures_for
from shuanglian.figures.visit_stats import NeedCounts, VisitRow
from tests.factories import (
    make_cadre,
    make_city,
    make_county,
    make_household,
    make_need,
    make_township,
    make_village,
    make_visit,
    unique_resident_id,
)
from villages.models import Household
from visits.models import Need, Satisfaction, Visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def city(db: None) -> dict:
    """Five households in three villages; one county without any."""
    make_city()
    county = make_county(code="371728000000", name="东明县")
    make_county(code="371721000000", name="曹县")
    t1 = make_township(county=county, code="371728104000", name="沙沃镇")
    t2 = make_township(county=county, code="371728105000", name="菜园集镇")
    v1 = make_village(township=t1, code="371728104201", name="王寨村")
    v2 = make_village(township=t1, code="371728104202", name="蔡寨村")
    v3 = make_village(township=t2, code="371728105201", name="李庄村")
    h1, h2, h3 = (make_household(village=v1) for _ in range(3))
    h4, h5 = make_household(village=v2), make_household(village=v3)
    cadre = make_cadre()

    def visit(household: Household, days: int, **fields: object) -> Visit:
        return make_visit(household=household, cadre=cadre, visited_on=days_ago(days), **fields)

    visit(h1, 5, satisfaction=Satisfaction.SATISFIED)
    visit(h2, 2, outcome=Visit.Outcome.AWAY)  # nobody home: not a visit
    visit(h2, 60, satisfaction=Satisfaction.FAIRLY_SATISFIED)
    visit(h3, 29, satisfaction=Satisfaction.DISSATISFIED)  # the 30th day back still counts
    visit(h4, 30)  # one day too early for the 30 days, inside the 90
    visit(h4, 1, outcome=Visit.Outcome.REFUSED)
    visit(h5, 90)  # one day too early for the 90 days
    visit(h5, 3, outcome=Visit.Outcome.AWAY, satisfaction=Satisfaction.SATISFIED)

    def need(household: Household, progressed: int, **fields: object) -> Need:
        return make_need(
            household=household,
            cadre=cadre,
            raised_on=days_ago(progressed),
            progressed_on=days_ago(progressed),
            **fields,
        )

    need(h1, 20)  # overdue
    need(h2, 3, status=Need.Status.IN_PROGRESS)
    need(h4, 40, status=Need.Status.RESOLVED, resolution="已修路", closed_on=days_ago(10))
    need(h5, 16)  # overdue
    need(h5, 15)  # exactly at the limit: not yet overdue
    return {"county": county, "t1": t1, "t2": t2, "v1": v1, "v2": v2, "v3": v3}


def test_the_city_figures_are_exact(city: dict) -> None:
    figures = figures_for(None).visits
    assert figures.total == VisitRow(
        visited_30=Rate(2, 5),
        visited_90=Rate(4, 5),
        needs=NeedCounts(raised=5, open=4, resolved=1, overdue=2),
        satisfaction=Rate(2, 3),
    )
    assert (figures.total.visited_30.percent, figures.total.satisfaction.percent) == (40.0, 66.7)
    county = city["county"]
    assert figures.row(county.pk) == figures.total
    assert figures.row(county.pk + 1000) == VisitRow()


def test_a_county_is_split_by_township_and_a_township_by_village(city: dict) -> None:
    county = figures_for(city["county"]).visits
    assert county.total.visited_90 == Rate(4, 5)
    assert county.row(city["t1"].pk) == VisitRow(
        visited_30=Rate(2, 4),
        visited_90=Rate(4, 4),
        needs=NeedCounts(raised=3, open=2, resolved=1, overdue=1),
        satisfaction=Rate(2, 3),
    )
    assert county.row(city["t2"].pk) == VisitRow(
        visited_30=Rate(0, 1),
        visited_90=Rate(0, 1),
        needs=NeedCounts(raised=2, open=2, resolved=0, overdue=1),
        satisfaction=Rate(0, 0),
    )
    township = figures_for(city["t1"]).visits
    assert township.total.visited_30 == Rate(2, 4)
    assert (township.row(city["v1"].pk).visited_30, township.row(city["v1"].pk).visited_90) == (
        Rate(2, 3),
        Rate(3, 3),
    )
    assert township.row(city["v2"].pk).visited_90 == Rate(1, 1)
    assert township.row(city["v2"].pk).needs == NeedCounts(raised=1, resolved=1)
    assert city["v3"].pk not in township.rows


def test_the_counting_day_can_be_given(city: dict) -> None:
    later = figures_for(None, today=TODAY + datetime.timedelta(days=1)).visits
    assert later.total.visited_30 == Rate(1, 5), "the visit 29 days back has dropped out"
    assert later.total.needs.overdue == 3, "the need at the limit is now overdue"


def test_the_dashboard_shows_visits_and_needs(city: dict, admin_client: Client) -> None:
    response = admin_client.get(reverse("dashboard"))
    text = response.text
    assert "走访与诉求" in text
    assert "近30天走访农户" in text and "近90天走访农户" in text
    assert "40.0%" in text and "80.0%" in text and "66.7%" in text
    assert "5户中已走访2户" in text and "5户中已走访4户" in text
    assert "已办结1件、无法解决0件、未办结4件" in text
    assert "超期2件" in text
    assert "3次评价中满意或基本满意2次" in text
    assert '<table id="visit-table"' in text

    township = admin_client.get(reverse("dashboard"), {"area": "371728104000"}).text
    assert "4户中已走访2户" in township
    assert "王寨村" in township and "蔡寨村" in township


def _grow(township: object, households: int) -> None:
    """Households with a visit each, ten to a village, and a need for every third."""
    cadre = make_cadre()
    start = Household.objects.count()
    villages = {}
    batch = []
    for n in range(start, start + households):
        if n // 10 not in villages:
            villages[n // 10] = make_village(township=township)
        batch.append(
            Household(
                village=villages[n // 10],
                head_name=f"户主{n}",
                id_number=unique_resident_id(),
                members=2,
            )
        )
    created = Household.objects.bulk_create(batch)
    Visit.objects.bulk_create(
        Visit(
            household=household,
            cadre=cadre,
            visited_on=days_ago(n % 120),
            outcome=Visit.Outcome.MET if n % 4 else Visit.Outcome.AWAY,
            satisfaction=Satisfaction.SATISFIED if n % 2 else "",
        )
        for n, household in enumerate(created)
    )
    Need.objects.bulk_create(
        Need(
            household=household,
            cadre=cadre,
            category=Need.Category.OTHER,
            description="诉求",
            raised_on=days_ago(n % 30),
            progressed_on=days_ago(n % 30),
        )
        for n, household in enumerate(created)
        if n % 3 == 0
    )


def _queries(client: Client, area: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"), {"area": area} if area else {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("area", ["", "371728000000", "371728106000"])
def test_the_dashboard_runs_the_same_queries_for_10_and_300_visited_households(
    admin_client: Client, area: str
) -> None:
    make_city()
    county = make_county(code="371728000000", name="东明县")
    township = make_township(county=county, code="371728106000", name="试验镇")
    _grow(township, 10)
    small = _queries(admin_client, area)
    _grow(township, 290)
    assert _queries(admin_client, area) == small
    figures = figures_for(township).visits
    assert figures.total.visited_90.total == 300
    assert figures.total.needs.raised == Need.objects.count() == 4 + 97


def test_a_need_past_its_escalated_deadline_is_overdue_on_the_dashboard_as_in_admin(
    city: dict, admin_client: Client
) -> None:
    # Progress today, so only the passed deadline makes it overdue.
    escalated = make_need(
        household=Household.objects.filter(village=city["v3"]).first(),
        level=Need.Level.TOWNSHIP,
        raised_on=days_ago(9),
        progressed_on=TODAY,
        due_on=days_ago(1),
    )
    assert figures_for(None).visits.total.needs.overdue == 3
    assert figures_for(city["t2"]).visits.row(city["v3"].pk).needs.overdue == 2
    listed = admin_client.get(reverse("admin:visits_need_changelist"), {"late": "yes"})
    assert escalated in listed.context["cl"].result_list
    assert len(listed.context["cl"].result_list) == 3
    assert "超期3件" in admin_client.get(reverse("dashboard")).text
