import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from projects.models import Allocation, Disbursement, Project
from shuanglian.reports.build import make_report
from shuanglian.reports.figures import SUMMED, report_figures, sum_rows
from shuanglian.reports.periods import Period
from tests.conftest import ScopeWorld
from tests.factories import (
    make_allocation,
    make_cadre,
    make_household,
    make_need,
    make_project,
    make_township,
    make_village,
    make_visit,
)
from villages.models import City, County, Household, Township
from visits.models import Need, Visit

TODAY = timezone.localdate()
PERIOD = Period.last_complete("month", TODAY)
BEFORE = PERIOD.previous()


@pytest.fixture(autouse=True)
def chinese() -> None:
    with translation.override("zh-hans"):
        yield


def day(n: int, period: Period = PERIOD) -> datetime.date:
    return period.start + datetime.timedelta(days=n)


def figures(area: object, user: object = None, period: Period = PERIOD) -> object:
    return report_figures(user=user, area=area, period=period, today=TODAY)


@pytest.fixture
def busy(scope_world: ScopeWorld) -> ScopeWorld:
    """Visits and needs in the period, before it and after it, in each of the three places."""
    for number, place in enumerate((scope_world.home, scope_world.next_door, scope_world.far)):
        village, cadre = place.village, place.cadre
        households = [place.household] + [
            make_household(village=village) for _ in range(number + 2)
        ]
        for i, household in enumerate(households):
            make_visit(household=household, cadre=cadre, visited_on=day(i))
            make_visit(household=household, cadre=cadre, visited_on=day(i + 1))
            make_visit(household=household, cadre=cadre, visited_on=day(i, BEFORE))
            make_visit(
                household=household,
                cadre=cadre,
                visited_on=day(2),
                outcome=Visit.Outcome.AWAY,
            )
        make_visit(
            household=households[0],
            cadre=cadre,
            visited_on=PERIOD.start - datetime.timedelta(days=1) - datetime.timedelta(days=40),
        )
        make_need(household=households[0], cadre=cadre, raised_on=day(3), progressed_on=day(3))
        make_need(
            household=households[1],
            cadre=cadre,
            raised_on=day(1),
            status=Need.Status.RESOLVED,
            resolution="已解决",
            closed_on=day(5),
        )
        make_need(
            household=households[1],
            cadre=cadre,
            raised_on=day(2, BEFORE),
            progressed_on=day(2, BEFORE),
        )
    Need.objects.filter(raised_on__gt=PERIOD.end).delete()
    return scope_world


def independent(township: Township) -> dict[str, int]:
    """The township's figures counted straight from the raw tables."""
    visits = Visit.objects.filter(
        household__village__township=township,
        outcome="met",
        visited_on__gte=PERIOD.start,
        visited_on__lte=PERIOD.end,
    )
    needs = Need.objects.filter(household__village__township=township)
    limit = PERIOD.end - datetime.timedelta(days=15)
    return {
        "households": Household.objects.filter(village__township=township).count(),
        "visits": visits.count(),
        "households_visited": visits.values("household").distinct().count(),
        "needs_raised": needs.filter(
            raised_on__gte=PERIOD.start, raised_on__lte=PERIOD.end
        ).count(),
        "needs_resolved": needs.filter(
            status="resolved", closed_on__gte=PERIOD.start, closed_on__lte=PERIOD.end
        ).count(),
        "needs_overdue": needs.filter(
            raised_on__lte=PERIOD.end, closed_on__isnull=True, progressed_on__lt=limit
        ).count(),
    }


def test_the_total_equals_the_sum_of_the_rows_at_every_level(busy: ScopeWorld) -> None:
    township = busy.home.village.township
    for area in (City.objects.get(), township.county, township):
        report = figures(area)
        sums = sum_rows(report.rows)
        assert {name: getattr(report.total, name) for name in SUMMED} == sums
    city = figures(City.objects.get())
    assert city.total.visits == sum(independent(t)["visits"] for t in Township.objects.all())
    assert city.total.visits > 0


def test_each_row_equals_an_independent_count_of_the_raw_tables(busy: ScopeWorld) -> None:
    county = busy.home.village.township.county
    report = figures(county)
    assert [row.name for row in report.rows] == ["甲镇", "乙镇"]
    for row in report.rows:
        counted = independent(Township.objects.get(pk=row.pk))
        assert {name: getattr(row, name) for name in counted} == counted


def test_visits_and_needs_count_only_within_the_period(busy: ScopeWorld) -> None:
    township = busy.home.village.township
    row = figures(township).rows[0]
    # Three households (the place's own and two more): two met visits each in the period, one
    # the period before; the visits that met nobody and the one long before do not count.
    assert (row.visits, row.households_visited, row.visits_before) == (6, 3, 3)
    assert (row.needs_raised, row.needs_resolved, row.needs_raised_before) == (2, 1, 1)


def test_the_change_on_the_previous_period_is_in_the_summary(busy: ScopeWorld) -> None:
    report = figures(busy.home.village.township.county)
    total = report.total
    assert total.visits == 2 * total.visits_before
    assert total.visits_change == 1.0
    assert report.summary.startswith(
        f"本期走访农户{total.visits}户次（{total.households_visited}户），环比增长100.0%；"
        f"新增诉求{total.needs_raised}件（环比增长100.0%），办结{total.needs_resolved}件；"
    )


def test_projects_and_funds_count_in_the_period_they_were_made_approved_and_paid(
    busy: ScopeWorld,
) -> None:
    project = make_project(work_group=busy.home.work_group, village=busy.home.village)
    Project.objects.filter(pk=project.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(day(4), datetime.time(10)))
    )
    allocation = make_allocation(project=project, amount=Decimal("3000.00"))
    Allocation.objects.filter(pk=allocation.pk).update(
        status=Allocation.Status.DISBURSED,
        approved_at=timezone.make_aware(datetime.datetime.combine(day(6), datetime.time(10))),
    )
    Disbursement.objects.create(
        allocation=allocation, amount=Decimal("1200.50"), paid_on=day(8), voucher="v.pdf"
    )
    Disbursement.objects.create(
        allocation=allocation, amount=Decimal("99.00"), paid_on=day(8, BEFORE), voucher="w.pdf"
    )
    report = figures(busy.home.village.township.county)
    home = report.rows[0]
    assert (home.projects, home.money_allocated, home.money_paid) == (
        1,
        Decimal("3000.00"),
        Decimal("1200.50"),
    )
    assert report.total.money_paid == Decimal("1200.50")


def test_overdue_needs_are_listed_masked_and_at_most_twenty(busy: ScopeWorld) -> None:
    village = busy.home.village
    cadre = busy.home.cadre
    for _ in range(23):
        make_need(
            household=make_household(village=village, head_name="欧阳修远"),
            cadre=cadre,
            raised_on=day(0, BEFORE),
            progressed_on=day(0, BEFORE),
        )
    report = figures(village.township)
    assert report.total.needs_overdue == 25  # and the two the place had
    assert len(report.overdue) == 20
    assert report.overdue_more == 5
    assert all("欧阳修远" not in need.household for need in report.overdue)
    assert report.overdue[0].household.startswith("欧***（3717")
    assert "等25件。" in report.summary
    assert "超期诉求25件：" in report.summary


def test_an_area_without_overdue_needs_says_so(scope_world: ScopeWorld) -> None:
    report = figures(scope_world.far.village.township)
    assert report.overdue == []
    assert report.summary.endswith("无超期诉求。")


def test_a_coordinator_sees_the_report_of_their_area_and_within_it(busy: ScopeWorld) -> None:
    users = busy.users
    home = busy.home.village.township
    figures(home, users["township"])
    figures(home, users["county"])
    figures(home.county, users["county"])
    figures(City.objects.get(), users["city"])


@pytest.mark.parametrize("who", ["township", "county", "liaison", "cadre", "no_role", "auditor"])
def test_a_report_outside_the_users_area_is_refused(busy: ScopeWorld, who: str) -> None:
    far_county = busy.far.village.township.county
    with pytest.raises(PermissionDenied):
        make_report(
            user=busy.users[who], area_code=far_county.code, period=PERIOD, fmt="xlsx", today=TODAY
        )
    with pytest.raises(PermissionDenied):
        figures(City.objects.get(), busy.users[who])


def test_a_township_coordinator_may_not_read_the_township_next_door(busy: ScopeWorld) -> None:
    with pytest.raises(PermissionDenied):
        figures(busy.next_door.village.township, busy.users["township"])


def test_a_village_unknown_code_or_future_period_is_refused_in_chinese(
    scope_world: ScopeWorld,
) -> None:
    village = scope_world.home.village
    cases = {
        village.code: (PERIOD, "报表按市、县区或乡镇（街道）生成，不按村（社区）生成。"),
        "371799999000": (PERIOD, "没有区划代码为371799999000的市、县区或乡镇（街道）。"),
        "abc": (PERIOD, "没有区划代码为abc的市、县区或乡镇（街道）。"),
        village.township.code: (
            Period.containing("month", TODAY).next(),
            f"报表期间{Period.containing('month', TODAY).next().label}尚未开始。",
        ),
    }
    for code, (period, message) in cases.items():
        with pytest.raises(ValueError) as refused:
            make_report(user=None, area_code=code, period=period, fmt="xlsx", today=TODAY)
        assert str(refused.value) == message
    with pytest.raises(ValueError) as refused:
        figures(village)
    assert str(refused.value) == "报表按市、县区或乡镇（街道）生成，不按村（社区）生成。"


def test_the_report_takes_the_same_queries_whatever_the_size_of_the_area(
    busy: ScopeWorld,
) -> None:
    small = busy.far.village.township.county
    large = busy.home.village.township.county
    for _ in range(4):
        township = make_township(county=large)
        for _ in range(3):
            village = make_village(township=township)
            household = make_household(village=village)
            cadre = make_cadre()
            make_visit(household=household, cadre=cadre, visited_on=day(3))
            make_need(household=household, cadre=cadre, raised_on=day(1), progressed_on=day(1))
    figures(large)  # the rollups recount what changed once

    def queries(area: County) -> int:
        with CaptureQueriesContext(connection) as captured:
            figures(area)
        return len(captured)

    assert len(figures(large).rows) == 6
    assert queries(small) == queries(large)
    assert queries(City.objects.get()) <= queries(large)
    assert queries(large) <= 25
