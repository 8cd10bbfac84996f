"""走访核查 in admin: each role sees the flags of its area, dismisses them with a note, and the
dashboard counts the open ones."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import client_for, make_visit
from visitflags import review
from visitflags.models import VisitFlag

pytestmark = pytest.mark.django_db

LIST = "/admin/visitflags/visitflag/"


def flag_of(visit, kind=VisitFlag.Kind.RAPID) -> VisitFlag:
    return VisitFlag.objects.create(visit=visit, kind=kind, facts={"count": 6, "minutes": 12})


@pytest.fixture
def world_flags(scope_world: ScopeWorld) -> dict[str, VisitFlag]:
    return {
        name: flag_of(getattr(scope_world, name).visit) for name in ("home", "next_door", "far")
    }


def listed(client, flag: VisitFlag, query: dict | None = None) -> bool:
    page = client.get(LIST, query or {})
    assert page.status_code == 200
    return reverse("admin:visitflags_visitflag_change", args=[flag.pk]) in page.content.decode()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("city", {"home", "next_door", "far"}),
        ("county", {"home", "next_door"}),
        ("township", {"home"}),
        ("other_township", {"next_door"}),
        ("liaison", {"home"}),
    ],
)
def test_each_role_sees_the_flags_of_its_area_only(
    scope_world: ScopeWorld, world_flags: dict, role: str, sees: set
) -> None:
    client = client_for(scope_world.users[role])
    shown = {name for name, flag in world_flags.items() if listed(client, flag)}
    assert shown == sees


def test_the_list_shows_the_reason_and_state_in_chinese(
    scope_world: ScopeWorld, world_flags: dict
) -> None:
    page = client_for(scope_world.users["township"]).get(LIST).content.decode()
    assert "12 分钟内记录了 6 次走访" in page
    assert "待核查" in page
    assert "甲户主" in page and "甲干部" in page


def test_an_outside_flag_page_is_not_found(scope_world: ScopeWorld, world_flags: dict) -> None:
    client = client_for(scope_world.users["township"])
    far = reverse("admin:visitflags_visitflag_change", args=[world_flags["far"].pk])
    assert client.get(far).status_code == 302 or client.get(far).status_code == 404
    home = reverse("admin:visitflags_visitflag_change", args=[world_flags["home"].pk])
    assert client.get(home).status_code == 200


def test_the_state_filter_lists_open_or_dismissed_flags(
    scope_world: ScopeWorld, world_flags: dict
) -> None:
    user = scope_world.users["city"]
    review.dismiss(user, [world_flags["far"]], "集中活动")
    client = client_for(user)
    assert not listed(client, world_flags["far"], {"state": "open"})
    assert listed(client, world_flags["home"], {"state": "open"})
    assert listed(client, world_flags["far"], {"state": "dismissed"})


def dismiss_post(client, flag: VisitFlag, note: str):
    return client.post(
        LIST,
        {"action": "dismiss", "_selected_action": [flag.pk], "confirm": "yes", "note": note},
    )


def test_dismissing_asks_for_a_note_and_refuses_an_empty_one(
    scope_world: ScopeWorld, world_flags: dict
) -> None:
    client = client_for(scope_world.users["township"])
    flag = world_flags["home"]
    page = client.post(LIST, {"action": "dismiss", "_selected_action": [flag.pk]})
    assert page.status_code == 200
    assert "排除理由" in page.content.decode()
    refused = dismiss_post(client, flag, "   ")
    assert refused.status_code == 200
    assert "这个字段是必填项。" in refused.content.decode()
    flag.refresh_from_db()
    assert flag.is_open
    done = dismiss_post(client, flag, "当天为集中活动，现场登记多户")
    assert done.status_code == 302
    flag.refresh_from_db()
    assert not flag.is_open
    assert flag.dismissal_note == "当天为集中活动，现场登记多户"
    assert flag.dismissed_by == scope_world.users["township"]


def test_an_outsider_cannot_dismiss_a_flag(scope_world: ScopeWorld, world_flags: dict) -> None:
    flag = world_flags["far"]
    dismiss_post(client_for(scope_world.users["township"]), flag, "伪造")
    flag.refresh_from_db()
    assert flag.is_open
    with pytest.raises(PermissionDenied):
        review.dismiss(scope_world.users["township"], [flag], "伪造")
    with pytest.raises(PermissionDenied):
        review.dismiss(scope_world.users["liaison"], [world_flags["home"]], "自己单位")
    with pytest.raises(ValidationError):
        review.dismiss(scope_world.users["city"], [flag], "")


def test_the_visit_page_links_to_its_flags(scope_world: ScopeWorld, world_flags: dict) -> None:
    client = client_for(scope_world.users["township"])
    visit = scope_world.home.visit
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk])).content.decode()
    link = f"{LIST}?visit__id__exact={visit.pk}"
    assert link in page
    assert listed(client, world_flags["home"], {"visit__id__exact": visit.pk})


def test_the_dashboard_counts_the_open_flags_of_the_area(
    scope_world: ScopeWorld, world_flags: dict
) -> None:
    flag_of(scope_world.home.visit, VisitFlag.Kind.COPIED_SUMMARY)
    review.dismiss(scope_world.users["city"], [world_flags["home"]], "已核实")
    page = client_for(scope_world.users["township"]).get("/dashboard/")
    assert page.status_code == 200
    assert page.context["flags_open"] == 1
    county = client_for(scope_world.users["county"]).get("/dashboard/")
    assert county.context["flags_open"] == 2
    assert "待核查走访" in county.content.decode()


def test_the_list_runs_the_same_queries_with_more_flags(
    scope_world: ScopeWorld, world_flags: dict, django_assert_max_num_queries
) -> None:
    client = client_for(scope_world.users["county"])
    client.get(LIST)
    with django_assert_max_num_queries(30) as few:
        client.get(LIST)
    for _ in range(10):
        flag_of(make_visit(household=scope_world.home.household, cadre=scope_world.home.cadre))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LIST)
    assert len(page.context["cl"].result_list) == 12
