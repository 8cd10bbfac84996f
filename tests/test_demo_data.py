"""The demo: real Heze geography, the launch report's units and villages, working logins."""

import datetime
import random

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devdata.demo import CADRE_PASSWORD, SEED, SUPERUSER, _follow_up
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages.models import City, County, Household, Village
from villages.validators import normalize_resident_id
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db

HEZE_COUNTIES = {
    "371702000000": "牡丹区",
    "371703000000": "定陶区",
    "371721000000": "曹县",
    "371722000000": "单县",
    "371723000000": "成武县",
    "371724000000": "巨野县",
    "371725000000": "郓城县",
    "371726000000": "鄄城县",
    "371728000000": "东明县",
}
LAUNCH_VILLAGES = {
    ("东明县", "沙沃镇", "王寨村"),
    ("东明县", "沙沃镇", "蔡寨村"),
    ("郓城县", "黄安镇", "孙楼村"),
    ("郓城县", "黄安镇", "徐垓村"),
    ("郓城县", "黄安镇", "魏楼村"),
    ("郓城县", "黄安镇", "罗庄村"),
    ("曹县", "韩集镇", "郑庄村"),
    ("曹县", "韩集镇", "蒜刘庄村"),
    ("曹县", "韩集镇", "杨花园村"),
    ("曹县", "砖庙镇", "纪老家村"),
    ("牡丹区", "小留镇", "前王楼村"),
}
LAUNCH_UNITS = {"市委组织部", "市文广新局", "市地税局", "市商务局", "市司法局", "团市委"}


def test_the_demo_has_the_real_heze_geography(demo: None) -> None:
    assert City.objects.get().name == "菏泽市"
    assert dict(County.objects.values_list("code", "name")) == HEZE_COUNTIES
    villages = Village.objects.values_list("township__county__name", "township__name", "name")
    assert set(villages) == LAUNCH_VILLAGES


def test_every_launch_village_is_linked_to_a_launch_unit(demo: None) -> None:
    assert set(Unit.objects.values_list("name", flat=True)) == LAUNCH_UNITS
    linked = set(WorkGroup.objects.values_list("village__name", flat=True))
    assert linked == {name for _county, _township, name in LAUNCH_VILLAGES}
    for group in WorkGroup.objects.select_related("leader", "unit"):
        assert group.leader.unit == group.unit
        assert group.members.filter(unit=group.unit).count() == group.members.count() >= 2


def test_demo_households_have_valid_ids_and_most_have_a_cadre(demo: None) -> None:
    households = list(Household.objects.all())
    assert 300 <= len(households) <= 500
    for household in households:
        assert normalize_resident_id(household.id_number) == household.id_number
        assert household.id_number.startswith(household.village.code[:6])
    assigned = HouseholdAssignment.objects.active().count()
    assert 0.8 * len(households) <= assigned < len(households)


def test_demo_has_visits_and_needs_in_every_state(demo: None) -> None:
    assert Visit.objects.count() > 100
    assert set(Need.objects.values_list("status", flat=True)) == set(Need.Status.values)


def test_demo_logins_work_and_the_cadres_have_households(demo: None, client: Client) -> None:
    assert client.login(username=SUPERUSER.username, password=SUPERUSER.password)
    cadres = Cadre.objects.filter(user__username__in=["cadre1", "cadre2"])
    assert cadres.values("unit").distinct().count() == 2
    for cadre in cadres:
        assert client.login(username=cadre.user.username, password=CADRE_PASSWORD)
        assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() >= 3


def test_loading_the_demo_twice_changes_nothing(db: None, capsys: pytest.CaptureFixture) -> None:
    call_command("load_demo")
    first = capsys.readouterr().out
    counts = (Household.objects.count(), Visit.objects.count(), Cadre.objects.count())
    call_command("load_demo")
    second = capsys.readouterr().out
    assert (Household.objects.count(), Visit.objects.count(), Cadre.objects.count()) == counts
    assert "演示数据已加载。" in first
    assert "演示数据已存在，未重复加载。" in second
    assert f"用户名 {SUPERUSER.username}  密码 {SUPERUSER.password}" in second
    assert "用户名 cadre2" in second


def test_demo_needs_have_a_history_some_overdue_some_escalated_some_closed(demo: None) -> None:
    today = timezone.localdate()
    assert Need.objects.overdue(today).count() >= 3, "stalled needs show on the dashboard"
    escalated = Need.objects.overdue(today).exclude(level=Need.Level.CADRE)
    assert escalated.filter(due_on__lt=today).exists(), "some escalated needs are past due"
    open_needs = list(Need.objects.open())
    assert any(need.days_without_progress(today) > 0 for need in open_needs)
    assert any(need.days_without_progress(today) <= 7 for need in open_needs), "recent progress"
    assert len({need.raised_on for need in Need.objects.all()}) > 20, "raised over past weeks"
    for need in Need.objects.all():
        assert need.raised_on <= need.progressed_on <= today
        if not need.is_open:
            assert need.progressed_on == need.closed_on
    unresolvable = Need.objects.filter(status=Need.Status.UNRESOLVABLE)
    assert unresolvable.exists()
    assert set(unresolvable.values_list("level", flat=True)) == {Need.Level.COUNTY}
    # Each step taken is in the need's history, the last one on its last day of progress.
    for need in Need.objects.exclude(status=Need.Status.PENDING).prefetch_related("notes"):
        assert max(note.noted_on for note in need.notes.all()) == need.progressed_on


def test_the_demo_dashboard_shows_overdue_needs(demo: None, superuser_client: Client) -> None:
    text = superuser_client.get(reverse("dashboard")).text
    overdue = Need.objects.overdue(timezone.localdate()).count()
    assert f"超期{overdue}件" in text
    unresolvable = Need.objects.filter(status=Need.Status.UNRESOLVABLE).count()
    assert f"无法解决{unresolvable}件" in text


def test_the_demo_needs_follow_the_same_course_on_every_load() -> None:
    today = datetime.date(2026, 12, 3)

    def course(seed: int) -> list[tuple]:
        rng = random.Random(seed)
        steps = []
        for days in range(0, 200, 2):
            need = Need(raised_on=today - datetime.timedelta(days=days))
            need.progressed_on = need.raised_on
            fate = list(Need.Status)[days // 2 % 4]
            notes = _follow_up(rng, need, today, fate=fate, resolution="已办理")
            steps.append((need.status, need.level, need.progressed_on, need.due_on, len(notes)))
        return steps

    assert course(SEED) == course(SEED)
    assert {status for status, *_rest in course(SEED)} == set(Need.Status.values)
