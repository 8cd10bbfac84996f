"""The demo: real Heze geography, the launch report's units and villages, working logins."""

import datetime
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devdata.demo import CADRE_PASSWORD, SEED, SUPERUSER, _follow_up
from projects.models import (
    ZERO,
    Activity,
    ActivityPhoto,
    Allocation,
    Disbursement,
    FundPool,
    Project,
    ProjectNeed,
    ProjectNote,
)
from units.models import Cadre, HouseholdAssignment, Unit, WorkGroup
from villages.models import City, County, Household, Township, Village
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
    "371771000000": "菏泽经济技术开发区",
    "371772000000": "菏泽高新技术开发区",
}
LAUNCH_VILLAGES = {
    ("东明县", "沙窝镇", "王寨村"),
    ("东明县", "沙窝镇", "蔡寨村"),
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
# A few townships of the 2022 statistical code table: subdistricts and towns.
REAL_CODES = {
    "371702001000": "东城街道",
    "371728109000": "沙窝镇",
    "371725101000": "黄安镇",
    "371721105000": "韩集镇",
    "371721106000": "砖庙镇",
    "371702106000": "小留镇",
    "371771001000": "丹阳街道",
}
LAUNCH_UNITS = {"市委组织部", "市文广新局", "市地税局", "市商务局", "市司法局", "团市委"}


def test_the_demo_has_the_real_heze_geography(demo: None) -> None:
    assert City.objects.get().name == "菏泽市"
    assert dict(County.objects.values_list("code", "name")) == HEZE_COUNTIES
    villages = Village.objects.values_list("township__county__name", "township__name", "name")
    assert set(villages) == LAUNCH_VILLAGES


def test_the_demo_has_the_167_townships_with_their_statistical_codes(demo: None) -> None:
    assert Township.objects.count() == 167
    assert Township.objects.filter(county__code="371721000000").count() == 26
    assert dict(Township.objects.filter(code__in=REAL_CODES).values_list("code", "name")) == (
        REAL_CODES
    )
    for township in Township.objects.select_related("county"):
        assert township.code[:6] == township.county.code[:6]
        assert township.code.endswith("000") and not township.code.endswith("000000")
    # Every launch village sits under its real township, its code within the township's.
    for village in Village.objects.select_related("township"):
        assert village.code[:9] == village.township.code[:9]


def test_the_report_spelling_of_shawo_names_the_real_township(demo: None) -> None:
    shawo = Township.objects.get(aliases__name="沙沃镇")
    assert (shawo.code, shawo.name, shawo.county.name) == ("371728109000", "沙窝镇", "东明县")
    assert set(shawo.villages.values_list("name", flat=True)) == {"王寨村", "蔡寨村"}


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
    tables = (Household, Visit, Cadre, FundPool, Project, Allocation, Disbursement, Activity)
    counts = [model.objects.count() for model in tables]
    pools = list(FundPool.objects.values_list("pk", "allocated"))
    call_command("load_demo")
    second = capsys.readouterr().out
    assert [model.objects.count() for model in tables] == counts
    assert list(FundPool.objects.values_list("pk", "allocated")) == pools
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


# --- projects, funds and activities ----------------------------------------------------


def test_the_demo_has_pools_of_the_five_departments_for_this_year_and_last(demo: None) -> None:
    year = timezone.localdate().year
    departments = {"organisation", "finance", "agriculture", "water", "poverty_relief"}
    for pool_year in (year, year - 1):
        pools = FundPool.objects.filter(year=pool_year)
        assert set(pools.values_list("source", flat=True)) == departments
        for pool in pools:
            assert pool.name.startswith(f"{pool_year}年度")
            assert pool.amount == pool.amount.quantize(ZERO) > 0
    assert FundPool.objects.get(year=year, source="finance").name == (
        f"{year}年度双联双创整合涉农资金（财政）"
    )


def test_the_demo_has_projects_of_every_kind_in_every_state(demo: None) -> None:
    year = timezone.localdate().year
    this_year = Project.objects.filter(year=year)
    assert set(this_year.values_list("status", flat=True)) == set(Project.Status.values)
    assert set(Project.objects.values_list("kind", flat=True)) == set(Project.Kind.values)
    assert set(Project.objects.filter(year=year - 1).values_list("status", flat=True)) == {
        "accepted"
    }
    titles = set(Project.objects.values_list("title", flat=True))
    assert {"郑庄村农贸市场建设", "蒜刘庄村农村电商服务站", "王寨村大蒜种植技术培训班"} <= titles
    # Every launch unit does something for its villages.
    assert set(Project.objects.values_list("unit__name", flat=True)) == LAUNCH_UNITS
    for project in Project.objects.prefetch_related("beneficiaries"):
        linked = list(project.beneficiaries.all())
        assert linked and project.beneficiary_count >= len(linked)
        assert {household.village_id for household in linked} == {project.village_id}
        assert project.budget_total > 0
        assert project.budget_pooled >= project.allocated_total()
        if project.status != Project.Status.PLANNED:
            assert project.actual_start is not None
        if project.status in (Project.Status.COMPLETED, Project.Status.ACCEPTED):
            assert project.actual_start <= project.actual_end <= timezone.localdate()
        if project.status == Project.Status.ACCEPTED:
            assert project.acceptance_note and project.accepted_at is not None
    assert ProjectNote.objects.exclude(photo="").exists()
    assert ProjectNote.objects.filter(project__status=Project.Status.UNDERWAY).exists()


def test_the_demo_allocations_reach_every_step_and_the_money_adds_up(demo: None) -> None:
    assert set(Allocation.objects.values_list("status", flat=True)) == set(Allocation.Status.values)
    for pool in FundPool.objects.all():
        granted = [a.amount for a in pool.allocations.all() if a.counts_against_pool]
        assert pool.allocated == sum(granted, start=ZERO) <= pool.amount
    for allocation in Allocation.objects.prefetch_related("disbursements"):
        paid = [d.amount for d in allocation.disbursements.all()]
        assert allocation.paid == sum(paid, start=ZERO) <= allocation.amount
        assert allocation.project.year == allocation.pool.year
        steps = [
            allocation.applied_at,
            allocation.reviewed_at,
            allocation.approved_at,
            allocation.accepted_at,
        ]
        taken = [moment for moment in steps if moment is not None]
        assert taken == sorted(taken)
        if allocation.status in ("disbursed", "accepted"):
            assert allocation.paid > 0
        if allocation.status == "accepted":
            assert allocation.project.status == Project.Status.ACCEPTED
        if allocation.status == "returned":
            assert allocation.return_reason and allocation.approved_at is None
        for disbursement in allocation.disbursements.all():
            assert allocation.approved_at.date() <= disbursement.paid_on
    # Some paid in part, some in full; the vouchers are PDFs and scans.
    assert Allocation.objects.filter(status="disbursed", paid__lt=F("amount")).exists()
    assert Allocation.objects.filter(paid=F("amount"), paid__gt=0).exists()
    vouchers = {Path(d.voucher.name).suffix for d in Disbursement.objects.all()}
    assert vouchers == {".pdf", ".jpg"}
    for disbursement in Disbursement.objects.all():
        with disbursement.voucher.open("rb") as voucher:
            assert voucher.read(5).startswith((b"%PDF-", b"\xff\xd8\xff"))


def test_a_need_resolved_by_a_project_says_so_in_its_history(demo: None) -> None:
    resolved = ProjectNeed.objects.select_related("project", "need")
    assert resolved.exists()
    for link in resolved:
        need = link.need
        assert need.status == Need.Status.RESOLVED
        assert need.household.village_id == link.project.village_id
        last = need.notes.order_by("-noted_on", "-pk").first()
        assert last.status == Need.Status.RESOLVED
        assert link.project.title in last.text and link.project.title in need.resolution


def test_the_demo_work_groups_hold_activities_of_every_kind(demo: None) -> None:
    today = timezone.localdate()
    activities = Activity.objects.all()
    assert set(activities.values_list("kind", flat=True)) == set(Activity.Kind.values)
    for activity in activities:
        assert activity.held_on <= today
        assert activity.attendees > 0
        assert activity.households_reached <= activity.attendees
        assert (activity.unit_id, activity.village_id) == (
            activity.work_group.unit_id,
            activity.work_group.village_id,
        )
    this_year = activities.filter(held_on__year=today.year)
    assert set(this_year.values_list("unit__name", flat=True)) == LAUNCH_UNITS
    assert activities.filter(held_on__year=today.year - 1).exists()
    assert ActivityPhoto.objects.exists()


def test_the_demo_has_a_closed_survey_round_and_an_open_one_with_cadre1_interviewing(
    demo: None,
) -> None:
    from satisfaction.independence import reason_not_independent
    from satisfaction.models import Interviewer, Round, Sample, VillageResult
    from satisfaction.results import area_results

    closed = Round.objects.get(status=Round.Status.CLOSED)
    opened = Round.objects.get(status=Round.Status.OPEN)
    assert closed.ends_on < opened.starts_on <= timezone.localdate() <= opened.ends_on
    assert VillageResult.objects.filter(round=closed, interviewed__gt=0).exists()
    assert area_results(closed, None).figures[0].published
    cadre1 = Cadre.objects.get(user__username="cadre1")
    drawn = Sample.objects.filter(round=opened, interviewer=cadre1, status="pending")
    assert drawn.count() >= 3
    village = drawn.first().village
    assert not WorkGroup.objects.filter(unit=cadre1.unit, village=village).exists()
    for interviewer in Interviewer.objects.select_related("cadre", "village"):
        assert reason_not_independent(interviewer.cadre, interviewer.village) is None
