"""Pages of the visit, need and assignment lists found keys first (``KeysFirstPaginator``):
the same rows in the same order as the list's own query, at every role, whether the list is
sorted whole or read in order, and a number of queries that does not grow with the rows."""

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.paginators import KeysFirstPaginator
from tests.factories import (
    make_assignment,
    make_cadre,
    make_coordinator,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
)
from units.models import HouseholdAssignment
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PER_PAGE = 4
LISTS = {
    "visits": (Visit, reverse("admin:visits_visit_changelist")),
    "needs": (Need, reverse("admin:visits_need_changelist")),
    "assignments": (HouseholdAssignment, reverse("admin:units_householdassignment_changelist")),
}
ROLES = ["city", "county", "township", "liaison"]


@pytest.fixture
def users(db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Records in two townships of one county and in another county, several on one day (the
    key breaks the tie), some by a cadre of the liaison's unit in a village it does not link."""
    for model, _url in LISTS.values():
        monkeypatch.setattr(admin.site._registry[model], "list_per_page", PER_PAGE)
    county = make_county()
    here = make_township(county=county, name="甲镇")
    villages = [
        make_village(township=here, name="王寨村"),
        make_village(township=here, name="李庄村"),
        make_village(township=make_township(county=county, name="乙镇"), name="赵楼村"),
        make_village(township=make_township(county=make_county(code="371721000000")), name="丙村"),
    ]
    unit = make_unit(name="县农业局")
    make_work_group(unit=unit, village=villages[1])
    ours, others = make_cadre(unit=unit, name="钱干部"), make_cadre(name="孙干部")
    for index in range(24):
        village = villages[index % len(villages)]
        cadre = ours if index % 5 == 0 else others
        household = make_household(village=village, head_name=f"王{index}")
        day = TODAY - datetime.timedelta(days=index // 3)
        make_assignment(household=household, cadre=cadre, started_on=day)
        visit = make_visit(household=household, cadre=cadre, visited_on=day)
        make_need(household=household, cadre=cadre, visit=visit, raised_on=day)
    return {
        "city": make_coordinator("city", "city"),
        "county": make_coordinator("county", "county", county=county),
        "township": make_coordinator("township", "township", township=here),
        "liaison": make_coordinator("liaison", "liaison", unit=unit),
        "here": here,
    }


def pages(client: Client, url: str, params: dict) -> tuple[list[list[int]], list[list[int]]]:
    """Each page's keys as shown, and as the list's own query orders them (up to 3 pages)."""
    shown, expected = [], []
    page, last = 1, 1
    while page <= min(last, 3):
        response = client.get(url, {**params, "p": page})
        assert response.status_code == 200
        cl = response.context["cl"]
        last = cl.paginator.num_pages
        rows = list(cl.queryset.values_list("pk", flat=True))
        shown.append([row.pk for row in cl.result_list])
        expected.append(rows[(page - 1) * PER_PAGE : page * PER_PAGE])
        page += 1
    return shown, expected


@pytest.mark.parametrize("short", [True, False, None], ids=["sorted-whole", "in-order", "asked"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(LISTS))
def test_a_page_shows_the_rows_of_the_lists_own_query_in_its_order(
    users: dict[str, Any], name: str, role: str, short: bool | None, monkeypatch
) -> None:
    if short is not None:
        monkeypatch.setattr(KeysFirstPaginator, "is_short", lambda self, queryset: short)
    client = Client()
    client.force_login(users[role])
    _model, url = LISTS[name]
    township = {"township": users["here"].pk}
    # Newest first; by the village's name (a column of another table); oldest first.
    for params in ({}, township, {**township, "o": "3"}, {"o": "-1"}):
        shown, expected = pages(client, url, params)
        assert shown == expected, (params, shown, expected)
        assert shown[0], params


@pytest.mark.parametrize("name", list(LISTS))
def test_a_page_found_keys_first_takes_as_many_queries_for_more_rows(
    users: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(KeysFirstPaginator, "is_short", lambda self, queryset: True)
    client = Client()
    client.force_login(users["township"])
    model, url = LISTS[name]
    admin_of = admin.site._registry[model]

    def queries(per_page: int) -> int:
        monkeypatch.setattr(admin_of, "list_per_page", per_page)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["cl"].result_list) == per_page
        return len(captured)

    assert queries(2) == queries(6)


@pytest.mark.parametrize("name", list(LISTS))
def test_a_short_list_is_counted_and_paged_from_one_read_of_its_keys(
    users: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(KeysFirstPaginator, "is_short", lambda self, queryset: True)
    client = Client()
    client.force_login(users["county"])
    model, url = LISTS[name]
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"p": 2})
    cl = response.context["cl"]
    assert cl.result_count == 18  # the county's three villages of the four
    assert len(cl.result_list) == PER_PAGE
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(f'SELECT "{table}"."id" AS "pk"')
        or query["sql"].startswith("SELECT COUNT(*) FROM (")
    ]
    assert len(reads) == 1, reads
