"""Flags for implausible visits: found when they should be, not just under the threshold,
stored once, and a dismissed flag stays dismissed."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from tests.factories import make_cadre, make_household, make_user, make_village, make_visit
from units.models import CadreAbsence
from visitflags.detection import (
    distance_km,
    flag_absence,
    flag_visits,
    normalized_summary,
)
from visitflags.models import VisitFlag
from visits.models import Visit, VisitLocation
from visits.visits import record_visit

pytestmark = pytest.mark.django_db

START = timezone.now() - datetime.timedelta(hours=3)


def visits_at(
    cadre, minutes: list[int], start: datetime.datetime | None = None, **fields
) -> list[Visit]:
    """Visits of ``cadre`` recorded ``minutes`` after ``start`` (START unless given), each to
    a household of its own."""
    start = start or START
    made = []
    for number, minute in enumerate(minutes):
        visit = make_visit(cadre=cadre, summary=f"走访第{number}户", **fields)
        Visit.objects.filter(pk=visit.pk).update(
            created_at=start + datetime.timedelta(minutes=minute)
        )
        made.append(visit)
    return made


def flags(kind: str) -> list[VisitFlag]:
    return list(VisitFlag.objects.filter(kind=kind).order_by("visit_id"))


def test_five_visits_within_fifteen_minutes_are_each_flagged() -> None:
    cadre = make_cadre()
    visits = visits_at(cadre, [0, 3, 6, 9, 12])
    added = flag_visits()
    assert added[VisitFlag.Kind.RAPID] == 5
    found = flags(VisitFlag.Kind.RAPID)
    assert [flag.visit_id for flag in found] == [visit.pk for visit in visits]
    assert found[0].reason == "12 分钟内记录了 5 次走访"


def test_four_visits_within_minutes_or_five_spread_over_more_are_not_flagged() -> None:
    visits_at(make_cadre(), [0, 3, 6, 9])
    visits_at(make_cadre(), [0, 4, 8, 12, 16])
    assert flag_visits()[VisitFlag.Kind.RAPID] == 0


def test_rapid_visits_of_different_cadres_do_not_add_up() -> None:
    visits_at(make_cadre(), [0, 1, 2])
    visits_at(make_cadre(), [3, 4])
    assert flag_visits()[VisitFlag.Kind.RAPID] == 0


def test_flagging_again_adds_nothing_and_a_dismissed_flag_stays_dismissed() -> None:
    visits_at(make_cadre(), [0, 1, 2, 3, 4])
    flag_visits()
    first = flags(VisitFlag.Kind.RAPID)[0]
    VisitFlag.objects.filter(pk=first.pk).update(
        dismissed_at=timezone.now(), dismissal_note="集中活动，现场登记"
    )
    assert sum(flag_visits().values()) == 0
    assert VisitFlag.objects.count() == 5
    first.refresh_from_db()
    assert first.dismissed_at is not None
    assert VisitFlag.objects.open().count() == 4


def test_flagging_runs_a_constant_number_of_queries(django_assert_max_num_queries) -> None:
    for _ in range(3):
        visits_at(make_cadre(), [0, 1, 2, 3, 4])
    with django_assert_max_num_queries(12):
        flag_visits()
    for _ in range(3):
        visits_at(make_cadre(), [0, 1, 2, 3, 4, 5])
    with django_assert_max_num_queries(12):
        flag_visits()


def test_summaries_pasted_across_households_are_flagged_whatever_the_spacing() -> None:
    cadre = make_cadre()
    text = "宣传了惠民政策，了解了家庭收入和孩子上学情况，无新诉求。"
    one = make_visit(cadre=cadre, summary=text)
    two = make_visit(cadre=cadre, summary=" 宣传了惠民政策 了解了家庭收入和孩子上学情况 无新诉求 ")
    three = make_visit(cadre=cadre, summary=text.replace("，", ","))
    make_visit(cadre=cadre, summary="另一户的情况完全不同，需要跟进医疗报销和危房改造")
    added = flag_visits()
    assert added[VisitFlag.Kind.COPIED_SUMMARY] == 3
    found = flags(VisitFlag.Kind.COPIED_SUMMARY)
    assert [flag.visit_id for flag in found] == [one.pk, two.pk, three.pk]
    assert found[0].reason == "与 2 户的走访记录内容相同"


def test_a_short_summary_or_the_same_household_twice_is_not_flagged() -> None:
    cadre = make_cadre()
    short = "了解近况，宣传政策，无新诉求。"  # under 20 characters once normalized
    assert len(normalized_summary(short)) < 20
    make_visit(cadre=cadre, summary=short)
    make_visit(cadre=cadre, summary=short)
    household = make_household()
    text = "宣传了惠民政策，了解了家庭收入和孩子上学情况，无新诉求。"
    make_visit(cadre=cadre, household=household, summary=text)
    make_visit(cadre=cadre, household=household, summary=text)
    assert flag_visits()[VisitFlag.Kind.COPIED_SUMMARY] == 0


def located(visit: Visit, lat: str, lon: str, accuracy: int) -> Visit:
    VisitLocation.objects.create(
        visit=visit, latitude=Decimal(lat), longitude=Decimal(lon), accuracy=accuracy
    )
    return visit


def village_at(lat: str | None, lon: str | None):
    return make_village(
        latitude=None if lat is None else Decimal(lat),
        longitude=None if lon is None else Decimal(lon),
    )


def test_a_visit_recorded_far_from_its_village_is_flagged_with_the_distance() -> None:
    village = village_at("35.200000", "115.500000")
    # 0.21 degrees of latitude north: 23.4 km.
    visit = located(
        make_visit(household=make_household(village=village)), "35.410000", "115.500000", 50
    )
    assert flag_visits()[VisitFlag.Kind.FAR_FROM_VILLAGE] == 1
    flag = flags(VisitFlag.Kind.FAR_FROM_VILLAGE)[0]
    assert flag.visit_id == visit.pk
    assert flag.reason == "距村 23.4 公里（定位精度 ±50 米）"


def test_the_location_s_accuracy_is_given_the_benefit_of_the_doubt() -> None:
    village = village_at("35.200000", "115.500000")
    # 5.6 km away, but accurate only to 1 km: maybe 4.6 km, within the 5 km allowed.
    located(make_visit(household=make_household(village=village)), "35.250000", "115.500000", 1000)
    assert flag_visits()[VisitFlag.Kind.FAR_FROM_VILLAGE] == 0
    assert 5.5 < distance_km(35.2, 115.5, 35.25, 115.5) < 5.6


def test_a_visit_just_within_the_distance_is_not_flagged() -> None:
    village = village_at("35.200000", "115.500000")
    located(make_visit(household=make_household(village=village)), "35.244000", "115.500000", 10)
    assert flag_visits()[VisitFlag.Kind.FAR_FROM_VILLAGE] == 0


def test_the_far_flag_needs_both_the_visit_s_and_the_village_s_coordinates() -> None:
    no_place = village_at(None, None)
    located(make_visit(household=make_household(village=no_place)), "36.000000", "117.000000", 5)
    placed = village_at("35.200000", "115.500000")
    make_visit(household=make_household(village=placed))  # no location given
    assert flag_visits()[VisitFlag.Kind.FAR_FROM_VILLAGE] == 0


def test_a_visit_dated_on_days_away_is_flagged_with_the_absence() -> None:
    cadre = make_cadre()
    inside = make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 5))
    make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 8))
    make_visit(visited_on=datetime.date(2026, 5, 5))  # another cadre
    CadreAbsence.objects.create(
        cadre=cadre,
        starts_on=datetime.date(2026, 5, 3),
        ends_on=datetime.date(2026, 5, 7),
        reason="培训",
    )
    assert flag_visits()[VisitFlag.Kind.WHILE_AWAY] == 1
    flag = flags(VisitFlag.Kind.WHILE_AWAY)[0]
    assert flag.visit_id == inside.pk
    assert flag.reason == "走访日期在外出登记期间（5月3日—5月7日，培训）"
    assert flag_visits()[VisitFlag.Kind.WHILE_AWAY] == 0


def test_the_first_and_last_day_away_count_and_the_day_after_does_not() -> None:
    cadre = make_cadre()
    first = make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 3))
    last = make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 7))
    make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 2))
    absence = CadreAbsence.objects.create(
        cadre=cadre, starts_on=datetime.date(2026, 5, 3), ends_on=datetime.date(2026, 5, 7)
    )
    assert flag_absence(absence) == 2
    assert {flag.visit_id for flag in flags(VisitFlag.Kind.WHILE_AWAY)} == {first.pk, last.pk}


def test_a_run_since_a_time_flags_the_visits_of_days_away_recorded_since() -> None:
    cadre = make_cadre()
    old = make_visit(cadre=cadre, visited_on=datetime.date(2026, 5, 5))
    Visit.objects.filter(pk=old.pk).update(created_at=START - datetime.timedelta(days=30))
    CadreAbsence.objects.create(
        cadre=cadre, starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 5, 9)
    )
    assert flag_visits(since=START)[VisitFlag.Kind.WHILE_AWAY] == 1


def test_recording_a_visit_flags_it_at_once() -> None:
    cadre = make_cadre(user=make_user("rapid"))
    # START is fixed when the module loads, long before this runs in a full suite.
    visits_at(cadre, [0, 1, 2, 3], start=timezone.now() - datetime.timedelta(minutes=8))
    household = make_household()
    visit, _new = record_visit(
        cadre=cadre,
        household=household,
        visited_on=timezone.localdate(),
        method=Visit.Method.HOME,
        outcome=Visit.Outcome.MET,
        summary="",
        tasks=[],
        satisfaction="",
        needs=[],
        client_key=uuid.uuid4(),
    )
    assert VisitFlag.objects.filter(visit=visit, kind=VisitFlag.Kind.RAPID).exists()
    assert VisitFlag.objects.filter(kind=VisitFlag.Kind.RAPID).count() == 5


def test_a_dismissal_without_a_note_is_refused_by_the_database() -> None:
    visit = make_visit()
    with pytest.raises(IntegrityError):
        VisitFlag.objects.create(
            visit=visit, kind=VisitFlag.Kind.RAPID, facts={}, dismissed_at=timezone.now()
        )
