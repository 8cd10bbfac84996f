"""The big admin lists at city scale: estimated totals, searches that indexes answer, and a
number of queries that does not grow with the data."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.paginators import EstimatedCountPaginator
from shuanglian.figures import rollups
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
    unique_resident_id,
)
from units.coverage import HouseholdCoverageQuerySet
from units.models import Cadre, HouseholdAssignment, Unit
from villages import search
from villages.models import Household, Village
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's estimates and indexes")

HOUSEHOLDS = reverse("admin:villages_household_changelist")
VISITS = reverse("admin:visits_visit_changelist")
NEEDS = reverse("admin:visits_need_changelist")
ASSIGNMENTS = reverse("admin:units_householdassignment_changelist")
CADRES = reverse("admin:units_cadre_changelist")
UNITS = reverse("admin:units_unit_changelist")
TODAY = timezone.localdate()


@dataclass
class City:
    """Two townships of one county, and a third township in another county."""

    village: Village
    next_village: Village
    far_village: Village
    cadre: Cadre
    wang: Household
    far: Household


@pytest.fixture
def city(db: None) -> City:
    county = make_county()
    village = make_village(township=make_township(county=county, name="甲镇"), name="王寨村")
    next_village = make_village(township=make_township(county=county, name="乙镇"), name="李庄村")
    far_county = make_county(code="371721000000", name="曹县")
    far_village = make_village(township=make_township(county=far_county), name="丙村")
    cadre = make_cadre(unit=make_unit(name="市委组织部"), name="赵干部")
    wang = make_household(village=village, head_name="王建国", id_number="371728198001011234")
    far = make_household(village=far_village, head_name="刘远方")
    for household in (wang, far):
        make_assignment(household=household, cadre=cadre)
        visit = make_visit(household=household, cadre=cadre)
        make_need(household=household, cadre=cadre, visit=visit)
    return City(village, next_village, far_village, cadre, wang, far)


def add_households(village: Village, count: int, *, name: str = "李明") -> list[Household]:
    return Household.objects.bulk_create(
        Household(village=village, head_name=f"{name}{i}", id_number=unique_resident_id())
        for i in range(count)
    )


def add_records(households: list[Household], cadre: Cadre) -> None:
    """An assignment, two visits and a need for each household."""
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household=household, cadre=cadre) for household in households
    )
    visits = Visit.objects.bulk_create(
        Visit(household=household, cadre=cadre, visited_on=TODAY - datetime.timedelta(days=days))
        for household in households
        for days in (3, 40)
    )
    Need.objects.bulk_create(
        Need(
            household=visit.household,
            cadre=cadre,
            visit=visit,
            category=Need.Category.HOUSING,
            description="危房改造",
        )
        for visit in visits[::2]
    )


def listed(response: Any) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def count_queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def analyze(table: str) -> None:
    """Refresh PostgreSQL's row estimate of ``table`` (allowed inside the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


@pytest.fixture
def estimate_every_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Estimate even the small tables of a test, as the city's big ones are."""
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)


# --- totals -------------------------------------------------------------------------------


@pytest.mark.usefixtures("estimate_every_table")
def test_the_unfiltered_city_list_is_estimated_on_postgresql_and_counted_on_sqlite(
    city: City, admin_client: Client
) -> None:
    add_households(city.village, 120)
    analyze("villages_household")
    total = Household.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(HOUSEHOLDS)

    cl = response.context["cl"]
    assert cl.paginator.is_estimate is POSTGRES
    assert cl.result_count == total  # ANALYZE read every row of so small a table
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "villages_household" in q["sql"]
    ]
    if POSTGRES:
        assert counts == []
        assert f"约 {total} 农户" in response.text
        assert "条结果" not in response.text  # as on any unfiltered list
    else:
        assert len(counts) == 1
        assert f"{total} 农户" in response.text
        assert "约" not in response.text


@only_postgres
@pytest.mark.usefixtures("estimate_every_table")
def test_each_big_list_estimates_its_unfiltered_total(city: City, admin_client: Client) -> None:
    for url, table in [
        (VISITS, "visits_visit"),
        (NEEDS, "visits_need"),
        (ASSIGNMENTS, "units_householdassignment"),
    ]:
        analyze(table)
        cl = admin_client.get(url).context["cl"]
        assert cl.paginator.is_estimate, url
        assert cl.result_count == 2, url


@only_postgres
def test_a_table_below_the_threshold_is_counted_exactly(city: City, admin_client: Client) -> None:
    analyze("villages_household")
    cl = admin_client.get(HOUSEHOLDS).context["cl"]
    assert not cl.paginator.is_estimate
    assert cl.result_count == 2


@pytest.mark.usefixtures("estimate_every_table")
def test_filtered_and_searched_lists_are_counted_exactly(city: City, admin_client: Client) -> None:
    add_households(city.village, 30)
    add_households(city.next_village, 7)
    analyze("villages_household")

    by_township = admin_client.get(HOUSEHOLDS, {"township": city.next_village.township_id})
    searched = admin_client.get(HOUSEHOLDS, {"q": "李明"})

    for response, expected in [(by_township, 7), (searched, 37)]:
        cl = response.context["cl"]
        assert not cl.paginator.is_estimate
        assert cl.result_count == expected
    assert "37 条结果" in searched.text
    assert "约" not in searched.text


@pytest.mark.usefixtures("estimate_every_table")
def test_a_county_coordinators_list_is_counted_exactly(city: City) -> None:
    add_households(city.village, 12)
    add_households(city.far_village, 5)
    analyze("villages_household")
    client = Client()
    client.force_login(make_coordinator("county", "county", county=city.village.township.county))

    cl = client.get(HOUSEHOLDS).context["cl"]

    assert not cl.paginator.is_estimate
    assert cl.result_count == 13
    assert city.far not in cl.result_list


@pytest.mark.usefixtures("estimate_every_table")
def test_an_estimated_list_pages_through_every_household(city: City, admin_client: Client) -> None:
    add_households(city.village, 118)
    analyze("villages_household")
    seen = []
    for page in (1, 2, 3):
        seen += listed(admin_client.get(HOUSEHOLDS, {"p": page}))
    assert len(seen) == 120
    assert {household.pk for household in seen} == set(
        Household.objects.values_list("pk", flat=True)
    )
    assert admin_client.get(HOUSEHOLDS, {"p": 4}).status_code == 302  # Django's "no such page"


@only_postgres
@pytest.mark.usefixtures("estimate_every_table")
def test_an_estimated_list_links_no_far_pages(city: City) -> None:
    add_households(city.village, 98)
    analyze("villages_household")
    paginator = EstimatedCountPaginator(Household.objects.order_by("pk"), 5)
    gap = paginator.ELLIPSIS

    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, gap]
    assert list(paginator.get_elided_page_range(12)) == [1, 2, gap, *range(9, 16), gap]
    assert list(paginator.get_elided_page_range(19)) == [1, 2, gap, *range(16, 21)]
    assert paginator.is_estimate


def count_statements(queries: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"] and f'FROM "{table}"' in q["sql"]]


@pytest.fixture
def count_up_to_five(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop counting a filtered list at five rows, as the city's lists stop at 10,000."""
    monkeypatch.setattr(EstimatedCountPaginator, "count_up_to", 5)


@pytest.mark.usefixtures("count_up_to_five")
def test_a_long_filtered_list_says_more_than_the_rows_it_counted(
    city: City, admin_client: Client
) -> None:
    households = add_households(city.village, 8, name="王寨")
    add_records(households, city.cadre)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(VISITS, {"q": "王寨"})

    cl = response.context["cl"]
    assert cl.paginator.is_lower_bound
    assert cl.result_count == 5
    assert "超过 5 走访记录" in response.text
    assert "超过 5 条结果" in response.text
    # Counted over a LIMIT, not over every matching row: by a COUNT, or (a list PostgreSQL
    # sorts whole) from the one read of its keys that the page is taken from.
    read = [q["sql"] for q in queries if 'FROM "visits_visit"' in q["sql"]]
    assert len([sql for sql in read if "LIMIT 6" in sql]) == 1
    assert all("LIMIT" in sql for sql in count_statements(queries, "visits_visit"))
    # The page still shows the rows, not only the counted ones.
    assert {visit.household for visit in cl.result_list} == set(households) | {city.wang}


@pytest.mark.usefixtures("count_up_to_five")
def test_a_filtered_list_within_the_bound_is_counted_exactly(
    city: City, admin_client: Client
) -> None:
    add_records(add_households(city.village, 2, name="王寨"), city.cadre)

    response = admin_client.get(ASSIGNMENTS, {"q": "王寨"})

    cl = response.context["cl"]
    assert not cl.paginator.is_lower_bound
    assert cl.result_count == 3
    assert "3 条结果" in response.text
    assert "超过" not in response.text


@pytest.mark.usefixtures("count_up_to_five")
def test_a_list_counted_to_a_bound_links_no_far_pages(city: City) -> None:
    add_households(city.village, 40)
    households = Household.objects.filter(members=1).order_by("pk")
    paginator = EstimatedCountPaginator(households, 2)

    assert paginator.count == 5
    assert paginator.is_lower_bound
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, paginator.ELLIPSIS]


@pytest.mark.usefixtures("count_up_to_five")
def test_a_deeper_page_is_counted_past_itself(city: City, admin_client: Client) -> None:
    households = Household.objects.filter(members=1).order_by("pk")
    add_households(city.village, 40)
    paginator = EstimatedCountPaginator(households, 2, shown_page=10)

    assert paginator.count == 23  # the 18 rows before page 10, and 5 from its start
    assert paginator.is_lower_bound
    assert [row.pk for row in paginator.page(10).object_list] == [
        row.pk for row in households[18:20]
    ]
    assert list(paginator.get_elided_page_range(10))[-3:] == [11, 12, paginator.ELLIPSIS]


# --- the household list's length, from the rollups ----------------------------------------


@pytest.fixture
def linked_city(city: City) -> City:
    """Households of each linked-cadre state in two townships of one county and in another."""
    left = make_cadre(unit=city.cadre.unit, name="钱离岗")
    for village in (city.village, city.next_village, city.far_village):
        add_records(add_households(village, 3, name="在岗"), city.cadre)
        add_households(village, 2, name="无人")
        for household in add_households(village, 1, name="离岗"):
            make_assignment(household=household, cadre=left)
    Cadre.objects.filter(pk=left.pk).update(in_service=False)
    return city


LINKED = {
    "active": lambda households: households.covered(),
    "none": lambda households: households.uncovered(),
    "stale": lambda households: households.needing_new_cadre(),
    "": lambda households: households,
}


def coordinators(city: City) -> list[Any]:
    township = city.village.township
    unit = make_unit(name="县农业局")
    make_work_group(unit=unit, village=city.village)
    make_work_group(unit=unit, village=city.far_village)
    return [
        make_coordinator("city", "city"),
        make_coordinator("county", "county", county=township.county),
        make_coordinator("township", "township", township=township),
        make_coordinator("liaison", "liaison", unit=unit),
    ]


@pytest.mark.parametrize("linked", list(LINKED))
def test_the_household_list_takes_its_length_from_the_rollups_at_every_role(
    linked_city: City, linked: str
) -> None:
    for user in coordinators(linked_city):
        client = Client()
        client.force_login(user)
        params = {"cadre_status": linked} if linked else {}
        client.get(HOUSEHOLDS, params)  # the rollups brought up to date

        with CaptureQueriesContext(connection) as queries:
            response = client.get(HOUSEHOLDS, params)

        cl = response.context["cl"]
        households = HouseholdCoverageQuerySet.of(Household.objects.visible_to(user))
        expected = set(LINKED[linked](households))
        assert set(cl.result_list) == expected, (user.username, linked)
        assert cl.result_count == len(expected), (user.username, linked)
        assert not cl.paginator.is_incomplete
        if user.username != "city" or linked:
            assert count_statements(queries, "villages_household") == [], user.username


def test_the_household_list_counts_an_area_from_the_rollups(linked_city: City) -> None:
    client = Client()
    client.force_login(
        make_coordinator("county", "county", county=linked_city.village.township.county)
    )
    township = linked_city.next_village.township

    response = client.get(HOUSEHOLDS, {"township": township.pk, "cadre_status": "none"})

    cl = response.context["cl"]
    assert cl.result_count == 2
    assert {household.head_name for household in cl.result_list} == {"无人0", "无人1"}
    assert {household.village for household in cl.result_list} == {linked_city.next_village}
    # Another county's township: nothing, as the rows.
    far = client.get(HOUSEHOLDS, {"township": linked_city.far_village.township_id})
    assert far.context["cl"].result_count == 0
    assert list(far.context["cl"].result_list) == []


def test_other_filters_and_searches_count_the_household_rows(
    linked_city: City, admin_client: Client
) -> None:
    response = admin_client.get(HOUSEHOLDS, {"cadre_status": "none", "q": "无人"})
    assert response.context["cl"].result_count == 6
    response = admin_client.get(HOUSEHOLDS, {"cadre_status": "active", "category__exact": "lifted"})
    assert response.context["cl"].result_count == 0


# --- searching ----------------------------------------------------------------------------


def test_households_are_found_by_the_last_digits_of_the_heads_id(
    city: City, admin_client: Client
) -> None:
    x_ends = make_household(village=city.village, id_number="37172819800101999X")

    assert listed(admin_client.get(HOUSEHOLDS, {"q": "1234"})) == [city.wang]
    assert listed(admin_client.get(HOUSEHOLDS, {"q": "011234"})) == [city.wang]
    assert listed(admin_client.get(HOUSEHOLDS, {"q": city.wang.id_number})) == [city.wang]
    assert listed(admin_client.get(HOUSEHOLDS, {"q": "999x"})) == [x_ends]
    # Digits from the middle of the number are not its end.
    assert listed(admin_client.get(HOUSEHOLDS, {"q": "19800101"})) == []


def test_households_are_found_by_the_start_of_the_heads_or_the_villages_name(
    city: City, admin_client: Client
) -> None:
    jianjun = make_household(village=city.next_village, head_name="王建军")
    make_household(village=city.next_village, head_name="李王建")
    in_wang_village = make_household(village=city.village, head_name="孙立")

    assert set(listed(admin_client.get(HOUSEHOLDS, {"q": "王建"}))) == {city.wang, jianjun}
    assert listed(admin_client.get(HOUSEHOLDS, {"q": " 王 建国 "})) == [city.wang]
    assert set(listed(admin_client.get(HOUSEHOLDS, {"q": "王寨"}))) == {city.wang, in_wang_village}
    assert listed(admin_client.get(HOUSEHOLDS, {"q": "建国"})) == []
    # One character is a surname: 王寨村's other households are not all 王.
    assert set(listed(admin_client.get(HOUSEHOLDS, {"q": "王"}))) == {city.wang, jianjun}


def test_the_search_box_explains_the_search_in_chinese(city: City, admin_client: Client) -> None:
    assert (
        "按户主姓名的开头、村（社区）名称的开头（至少输入两个字）查找，"
        "或按户主身份证号的后4位及以上数字查找。"
    ) in admin_client.get(HOUSEHOLDS).text
    for url in (VISITS, NEEDS, ASSIGNMENTS):
        assert (
            "按户主或干部姓名的开头、村（社区）或单位名称的开头（至少输入两个字）查找，"
            "或按户主身份证号的后4位及以上数字查找。"
        ) in admin_client.get(url).text


@pytest.mark.parametrize("url", [VISITS, NEEDS, ASSIGNMENTS])
def test_records_are_found_by_household_cadre_or_unit(
    url: str, city: City, admin_client: Client
) -> None:
    other = make_cadre(unit=make_unit(name="团市委"), name="钱干部")
    make_assignment(household=make_household(village=city.far_village), cadre=other)
    make_visit(cadre=other, household=city.far)
    make_need(cadre=other, household=city.far)

    def households(term: str) -> set[int]:
        return {row.household_id for row in listed(admin_client.get(url, {"q": term}))}

    def cadres(term: str) -> set[int]:
        return {row.cadre_id for row in listed(admin_client.get(url, {"q": term}))}

    assert households("王建") == {city.wang.pk}
    assert households("王寨") == {city.wang.pk}
    assert households("1234") == {city.wang.pk}
    assert cadres("钱") == {other.pk}
    assert cadres("团市") == {other.pk}
    assert cadres("团") == set()  # a unit is named from two characters on
    assert cadres("赵干部") == {city.cadre.pk}
    assert households("没有这户") == set()


def test_a_broad_term_searches_by_subquery_with_the_same_results(
    city: City, admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    households = add_households(city.village, 4, name="王寨")
    households += add_households(city.village, 1, name="孙")  # found by 王寨村
    add_records(households, city.cadre)
    narrow = {
        url: sorted(row.pk for row in listed(admin_client.get(url, {"q": "王寨"})))
        for url in (HOUSEHOLDS, VISITS, NEEDS, ASSIGNMENTS)
    }

    monkeypatch.setattr(search, "KEYS_LIMIT", 1)

    for url, expected in narrow.items():
        assert sorted(row.pk for row in listed(admin_client.get(url, {"q": "王寨"}))) == expected
    assert len(narrow[HOUSEHOLDS]) == 6  # 王建国 and 孙 of 王寨村, and the four 王寨…


def test_a_township_coordinator_finds_only_their_townships_records(city: City) -> None:
    client = Client()
    client.force_login(make_coordinator("township", "township", township=city.village.township))
    make_household(village=city.next_village, head_name="王建业")

    assert listed(client.get(HOUSEHOLDS, {"q": "王建"})) == [city.wang]
    assert [row.household for row in listed(client.get(VISITS, {"q": "赵"}))] == [city.wang]


# --- filters ------------------------------------------------------------------------------


def test_the_not_overdue_filter_keeps_every_need_that_is_not_late(
    city: City, admin_client: Client
) -> None:
    long_ago = TODAY - datetime.timedelta(days=60)
    stale = make_need(household=city.wang, cadre=city.cadre, progressed_on=long_ago)
    past_due = make_need(
        household=city.wang,
        cadre=city.cadre,
        level=Need.Level.UNIT,
        due_on=TODAY - datetime.timedelta(days=1),
    )
    # Escalated without a deadline: not late, and must not be lost to the NULL.
    no_deadline = make_need(household=city.wang, cadre=city.cadre, level=Need.Level.UNIT)

    late = set(listed(admin_client.get(NEEDS, {"late": "yes"})))
    on_time = set(listed(admin_client.get(NEEDS, {"late": "no"})))

    assert late == {stale, past_due}
    assert no_deadline in on_time
    assert on_time == set(Need.objects.all()) - late


# --- queries ------------------------------------------------------------------------------

ListCase = tuple[str, Callable[[City], dict]]
LIST_CASES: list[ListCase] = [
    (HOUSEHOLDS, lambda city: {}),
    (HOUSEHOLDS, lambda city: {"township": city.village.township_id}),
    (HOUSEHOLDS, lambda city: {"category__exact": "general"}),
    (HOUSEHOLDS, lambda city: {"q": "李明"}),
    (HOUSEHOLDS, lambda city: {"q": "1234"}),
    (HOUSEHOLDS, lambda city: {"cadre_status": "none"}),
    (HOUSEHOLDS, lambda city: {"cadre_status": "active", "township": city.village.township_id}),
    (HOUSEHOLDS, lambda city: {"cadre_status": "stale", "q": "李明"}),
    (VISITS, lambda city: {}),
    (VISITS, lambda city: {"outcome__exact": "met", "township": city.village.township_id}),
    (VISITS, lambda city: {"q": "李明"}),
    (NEEDS, lambda city: {}),
    (NEEDS, lambda city: {"late": "no", "status__exact": "pending"}),
    (NEEDS, lambda city: {"q": "赵干部"}),
    (ASSIGNMENTS, lambda city: {}),
    (ASSIGNMENTS, lambda city: {"state": "active", "township": city.village.township_id}),
    (ASSIGNMENTS, lambda city: {"q": "李明"}),
    (CADRES, lambda city: {}),
    (CADRES, lambda city: {"in_service__exact": "1"}),
    (UNITS, lambda city: {}),
]


@pytest.mark.parametrize(
    ("url", "params"), LIST_CASES, ids=[f"{url}{i}" for i, (url, _p) in enumerate(LIST_CASES)]
)
def test_each_list_costs_the_same_queries_for_few_or_many_rows(
    url: str,
    params: Callable[[City], dict],
    city: City,
    admin_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    add_records(add_households(city.village, 1), city.cadre)
    rollups.bring_up_to_date()  # as the first reader after a change would
    few = count_queries(admin_client, url, params(city))
    add_records(add_households(city.village, 150), city.cadre)
    rollups.bring_up_to_date()

    with django_assert_max_num_queries(14):
        assert admin_client.get(url, params(city)).status_code == 200
    assert count_queries(admin_client, url, params(city)) == few


def test_a_scoped_list_costs_the_same_queries_for_few_or_many_rows(
    city: City, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.force_login(make_coordinator("county", "county", county=city.village.township.county))
    add_records(add_households(city.village, 1), city.cadre)
    few = {url: count_queries(client, url, {"q": "李"}) for url in (HOUSEHOLDS, VISITS)}
    add_records(add_households(city.village, 150), city.cadre)
    for url, expected in few.items():
        with django_assert_max_num_queries(16):
            assert client.get(url, {"q": "李"}).status_code == 200
        assert count_queries(client, url, {"q": "李"}) == expected


# --- indexes ------------------------------------------------------------------------------


def plan(queryset: Any) -> str:
    """PostgreSQL's plan for ``queryset`` when it may not scan the whole table."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@only_postgres
def test_the_searches_and_orderings_use_their_indexes(city: City) -> None:
    assert "household_id_number_reversed" in plan(Household.objects.id_number_ends_with("1234"))
    assert "household_head_name_prefix" in plan(Household.objects.matching("王建"))
    assert "cadre_name_prefix" in plan(Cadre.objects.matching("赵"))
    assert "visit_date" in plan(Visit.objects.order_by("-visited_on", "-pk")[:100])
    assert "need_raised" in plan(Need.objects.order_by("-raised_on", "-pk")[:100])
    assert "assignment_started" in plan(
        HouseholdAssignment.objects.order_by("-started_on", "-pk")[:100]
    )
    ended = HouseholdAssignment.objects.filter(ended_on__isnull=False)
    with connection.cursor() as cursor:
        # On a few rows, sorting what the smaller assignment_ended_village finds is cheaper.
        cursor.execute("SET LOCAL enable_sort = off")
    assert "assignment_ended_started" in plan(ended.order_by("-started_on", "-pk")[:100])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = on")
    met = Visit.objects.filter(outcome=Visit.Outcome.AWAY).order_by("-visited_on", "-pk")
    assert "visit_outcome_date" in plan(met[:100])
    # A cadre's active assignments are found by an index on the cadre: the partial
    # assignment_active_cadre or, on a table this small, the planner's equal-cost choice of the
    # cadre's foreign-key index; never by reading the table.
    cadres_plan = plan(HouseholdAssignment.objects.active().filter(cadre=city.cadre))
    assert "Seq Scan" not in cadres_plan and "cadre_id = " in cadres_plan


@only_postgres
def test_the_cadre_list_is_read_in_order_from_its_indexes(city: City) -> None:
    # The indexes that match the list's order, unit by unit. Which plan PostgreSQL picks for a
    # few test rows depends on statistics other tests leave behind, so the test names the
    # indexes rather than asking the planner.
    with connection.cursor() as cursor:
        units = connection.introspection.get_constraints(cursor, "units_unit")
        cadres = connection.introspection.get_constraints(cursor, "units_cadre")
    assert units["unit_level_name"]["columns"] == ["level", "name"]
    assert cadres["cadre_unit_name"]["columns"] == ["unit_id", "name", "id"]
    ordering = Cadre.objects.select_related("unit").order_by("unit", "name", "pk").query
    assert [str(o) for o in ordering.order_by] == ["unit", "name", "pk"]
    assert Unit._meta.ordering == ["level", "name"]


def test_the_big_lists_row_checkbox_is_djangos_own(city: City) -> None:
    odd = make_household(village=city.village, head_name='王"<&>')
    for model, obj in [(Household, odd), (Visit, Visit.objects.first()), (Cadre, city.cadre)]:
        model_admin = admin.site._registry[model]
        written = model_admin.action_checkbox(obj)
        assert written == admin.ModelAdmin.action_checkbox(model_admin, obj), model


def test_the_unit_filter_lists_the_units_of_the_chosen_area_only_when_few(
    city: City, admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from units.admin.filters import CadreUnitFilter

    far_unit = make_unit(name="曹县农业局", level="county", county=city.far_village.township.county)
    make_work_group(unit=city.cadre.unit, village=city.village)

    def units(response: Any) -> list[str]:
        [spec] = [s for s in response.context["cl"].filter_specs if s.title == "单位"]
        return [choice["display"] for choice in spec.choices(response.context["cl"])][1:]

    assert units(admin_client.get(VISITS)) == ["市委组织部", "曹县农业局"]
    township = city.village.township_id
    assert units(admin_client.get(VISITS, {"township": township})) == ["市委组织部"]
    far_county = city.far_village.township.county_id
    assert units(admin_client.get(NEEDS, {"county": far_county})) == ["曹县农业局"]

    monkeypatch.setattr(CadreUnitFilter, "most_choices", 1)
    titles = [spec.title for spec in admin_client.get(VISITS).context["cl"].filter_specs]
    assert "单位" not in titles
    assert "乡镇（街道）" in titles
    # Still filtering by a unit named in the address, and offering that one.
    response = admin_client.get(VISITS, {"cadre__unit__id__exact": far_unit.pk})
    assert listed(response) == []
    assert units(response) == ["曹县农业局"]
    chosen = listed(admin_client.get(VISITS, {"cadre__unit__id__exact": city.cadre.unit_id}))
    assert {visit.cadre for visit in chosen} == {city.cadre}


@only_postgres
def test_a_page_query_starts_no_parallel_workers() -> None:
    # Starting workers took longer than the hand-over list's whole query on the city.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
