"""A project's life (planned, underway, completed, accepted), its budget, beneficiaries, notes and
the needs it resolves; and the activities of work groups."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from projects import activities, allocations
from projects import projects as project_steps
from projects.models import Activity, ActivityPhoto, Project, ProjectNeed
from tests.conftest import ScopeWorld
from tests.factories import make_household
from tests.test_projects_funds import make_pool, make_project, png
from visits.models import Need

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def message(error: ValidationError) -> str:
    return error.messages[0]


def test_a_project_takes_its_unit_and_village_from_its_work_group(
    scope_world: ScopeWorld,
) -> None:
    group = scope_world.home.work_group
    project = make_project(group)
    assert (project.unit, project.village) == (group.unit, group.village)
    assert project.budget_total == Decimal("60000.00")


def test_a_liaison_adds_a_project_of_their_units_work_group_only(
    scope_world: ScopeWorld,
) -> None:
    liaison = scope_world.users["liaison"]
    mine = Project(work_group=scope_world.home.work_group, kind="training", title="电商培训")
    project_steps.save_project(project=mine, by=liaison)
    assert (mine.created_by, mine.status) == (liaison, "planned")
    theirs = Project(work_group=scope_world.next_door.work_group, kind="training", title="越界")
    with pytest.raises(PermissionDenied) as refused:
        project_steps.save_project(project=theirs, by=liaison)
    assert str(refused.value) == "该工作组不在您的管辖范围内。"
    assert not Project.objects.filter(title="越界").exists()


def test_a_project_goes_from_planned_to_accepted_in_order(scope_world: ScopeWorld) -> None:
    users = scope_world.users
    project = make_project(scope_world.home.work_group)
    with pytest.raises(ValidationError) as refused:
        project_steps.complete(project=project, by=users["liaison"], on=TODAY)
    assert message(refused.value) == "只有实施中的项目才能完工。"
    with pytest.raises(ValidationError) as refused:
        project_steps.accept(project=project, by=users["township"], note="合格")
    assert message(refused.value) == "只有已完工的项目才能验收。"
    project_steps.start(project=project, by=users["liaison"], on=YESTERDAY)
    with pytest.raises(ValidationError) as refused:
        project_steps.start(project=project, by=users["liaison"], on=TODAY)
    assert message(refused.value) == "只有计划中的项目才能开工。"
    with pytest.raises(ValidationError) as refused:
        project_steps.complete(
            project=project, by=users["liaison"], on=YESTERDAY - datetime.timedelta(days=1)
        )
    assert message(refused.value) == "项目完工日期不能早于开工日期。"
    project_steps.complete(project=project, by=users["liaison"], on=TODAY)
    with pytest.raises(ValidationError) as refused:
        project_steps.accept(project=project, by=users["township"], note=" ")
    assert message(refused.value) == "请填写验收意见。"
    project_steps.accept(project=project, by=users["township"], note="验收合格")
    project.refresh_from_db()
    assert (project.status, project.actual_start, project.actual_end) == (
        "accepted",
        YESTERDAY,
        TODAY,
    )
    assert (project.acceptance_note, project.accepted_by) == ("验收合格", users["township"])


def test_an_accepted_project_takes_no_changes_notes_or_applications(
    scope_world: ScopeWorld,
) -> None:
    users = scope_world.users
    project = make_project(scope_world.home.work_group)
    project_steps.start(project=project, by=None, on=TODAY)
    project_steps.complete(project=project, by=None, on=TODAY)
    project_steps.accept(project=project, by=None, note="合格")
    project.title = "改名"
    with pytest.raises(ValidationError) as refused:
        project_steps.save_project(project=project, by=users["liaison"])
    assert message(refused.value) == "已验收的项目不能修改。"
    with pytest.raises(ValidationError) as refused:
        project_steps.add_note(project=project, by=users["liaison"], text="补记")
    assert message(refused.value) == "已验收的项目不能修改。"
    with pytest.raises(ValidationError) as refused:
        allocations.apply_for(project=project, pool=make_pool(), amount="10", by=None)
    assert message(refused.value) == "该项目已验收，不能再申报资金。"
    assert Project.objects.get(pk=project.pk).title == "农贸市场"


def test_the_pooled_budget_cannot_drop_below_what_was_applied_for(
    scope_world: ScopeWorld,
) -> None:
    project = make_project(scope_world.home.work_group, pooled="50000")
    allocations.apply_for(project=project, pool=make_pool(), amount="30000", by=None)
    project.budget_pooled = Decimal("29999.99")
    with pytest.raises(ValidationError) as refused:
        project_steps.save_project(project=project, by=scope_world.users["liaison"])
    assert message(refused.value) == "已申报整合资金30,000.00元，整合资金预算不能低于此数。"
    project.budget_pooled = Decimal("-1")
    with pytest.raises(ValidationError):
        project_steps.save_project(project=project, by=None)
    assert Project.objects.get(pk=project.pk).budget_pooled == Decimal("50000.00")


def test_beneficiaries_live_in_the_projects_village_and_are_counted(
    scope_world: ScopeWorld,
) -> None:
    home = scope_world.home
    project = make_project(home.work_group)
    neighbours = [home.household, make_household(village=home.village)]
    project_steps.save_project(project=project, by=None, beneficiaries=neighbours)
    project.refresh_from_db()
    assert set(project.beneficiaries.all()) == set(neighbours)
    assert project.beneficiary_count == 2
    assert project.money_per_household == Decimal("30000.00")
    with pytest.raises(ValidationError) as refused:
        project_steps.save_project(
            project=project, by=None, beneficiaries=[scope_world.far.household]
        )
    assert message(refused.value) == "受益农户须为项目所在村（社区）的农户。"
    assert set(Project.objects.get(pk=project.pk).beneficiaries.all()) == set(neighbours)


def test_a_progress_note_keeps_a_checked_photo_and_refuses_a_fake_one(
    scope_world: ScopeWorld,
) -> None:
    project = make_project(scope_world.home.work_group)
    liaison = scope_world.users["liaison"]
    note = project_steps.add_note(project=project, by=liaison, text="地基完工", photo=png())
    assert note.photo.name.endswith(".jpg")
    assert note.author == liaison
    with pytest.raises(ValidationError):
        project_steps.add_note(
            project=project,
            by=liaison,
            text="假照片",
            photo=SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>"),
        )
    assert project.notes.count() == 1


def test_a_need_resolved_by_a_project_says_so_in_its_history(
    scope_world: ScopeWorld, client: Client
) -> None:
    home = scope_world.home
    project = make_project(home.work_group, title="道路硬化")
    need: Need = home.need
    link = project_steps.resolve_need(
        project=project, need=need, by=scope_world.users["liaison"], satisfaction="satisfied"
    )
    need.refresh_from_db()
    assert (need.status, need.satisfaction, link.need) == ("resolved", "satisfied", need)
    text = f"已由{home.unit.name}帮扶项目“道路硬化”解决。"
    assert need.resolution == text
    assert need.notes.order_by("-pk").first().text == text
    client.force_login(scope_world.users["cadre"])
    page = client.get(reverse("visits:need", args=[need.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert text in page.content.decode()


def test_a_need_of_another_village_or_area_is_not_resolved_by_a_project(
    scope_world: ScopeWorld,
) -> None:
    project = make_project(scope_world.home.work_group)
    with pytest.raises(ValidationError) as refused:
        project_steps.resolve_need(
            project=project, need=scope_world.far.need, by=None, satisfaction="satisfied"
        )
    assert message(refused.value) == "该诉求的农户不在项目所在村（社区）。"
    far = make_project(scope_world.far.work_group)
    with pytest.raises(PermissionDenied):
        project_steps.resolve_need(
            project=far,
            need=scope_world.far.need,
            by=scope_world.users["liaison"],
            satisfaction="satisfied",
        )
    assert not ProjectNeed.objects.exists()
    assert Need.objects.get(pk=scope_world.far.need.pk).status == "pending"


def jpeg() -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(output, format="JPEG")
    return SimpleUploadedFile("培训.jpg", output.getvalue())


def test_an_activity_is_kept_by_its_units_liaison_with_checked_photos(
    scope_world: ScopeWorld,
) -> None:
    liaison = scope_world.users["liaison"]
    activity = Activity(
        work_group=scope_world.home.work_group,
        kind=Activity.Kind.TRAINING,
        title="食用菌种植技术培训",
        attendees=40,
        households_reached=35,
        held_on=TODAY,
    )
    activities.save_activity(activity=activity, by=liaison, photos=[jpeg(), png()])
    assert (activity.unit, activity.village) == (
        scope_world.home.unit,
        scope_world.home.village,
    )
    assert ActivityPhoto.objects.filter(activity=activity).count() == 2
    other = Activity(
        work_group=scope_world.next_door.work_group, kind="forum", title="越界", held_on=TODAY
    )
    with pytest.raises(PermissionDenied):
        activities.save_activity(activity=other, by=liaison)
    assert not Activity.objects.filter(title="越界").exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"held_on": TODAY + datetime.timedelta(days=1)}, "日期不能晚于今天。"),
        ({"attendees": 10, "households_reached": 11}, "覆盖户数多于参加人数，请核对这两个数字。"),
    ],
)
def test_an_implausible_activity_is_refused(
    scope_world: ScopeWorld, changes: dict, expected: str
) -> None:
    activity = Activity(
        work_group=scope_world.home.work_group, kind="exchange", title="交流会", **changes
    )
    with pytest.raises(ValidationError) as refused:
        activities.save_activity(activity=activity, by=None)
    assert message(refused.value) == expected
    assert not Activity.objects.exists()


def test_each_role_sees_the_projects_of_its_own_area(scope_world: ScopeWorld) -> None:
    users = scope_world.users
    home = make_project(scope_world.home.work_group, title="甲项目")
    next_door = make_project(scope_world.next_door.work_group, title="乙项目")
    far = make_project(scope_world.far.work_group, title="丙项目")
    expected = {
        "city": {home, next_door, far},
        "county": {home, next_door},
        "township": {home},
        "other_township": {next_door},
        "liaison": {home},
        "other_liaison": {next_door},
        "cadre": {home},
        "auditor": set(),
        "no_role": set(),
    }
    seen = {role: set(Project.objects.visible_to(users[role])) for role in expected}
    assert seen == expected
