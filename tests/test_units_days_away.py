"""Cadres' days away: recorded and deleted by the cadre on the phone, kept by coordinators and
liaisons in admin, and the visits already dated on them flagged."""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import client_for, make_visit
from units.models import CadreAbsence
from visitflags.models import VisitFlag

pytestmark = pytest.mark.django_db

PAGE = "/me/away/"
ADMIN_LIST = "/admin/units/cadreabsence/"


def test_a_cadre_records_days_away_and_their_visits_on_them_are_flagged(
    scope_world: ScopeWorld,
) -> None:
    cadre = scope_world.home.cadre
    visit = scope_world.home.visit
    client = client_for(scope_world.users["cadre"])
    day = visit.visited_on.isoformat()
    response = client.post(PAGE, {"starts_on": day, "ends_on": day, "reason": "培训"})
    assert response.status_code == 302
    absence = CadreAbsence.objects.get(cadre=cadre)
    assert absence.reason == "培训"
    flag = VisitFlag.objects.get(visit=visit)
    assert flag.kind == VisitFlag.Kind.WHILE_AWAY
    page = client.get(PAGE).content.decode()
    assert "我的外出登记" in page and "培训" in page


def test_the_last_day_cannot_be_before_the_first(scope_world: ScopeWorld) -> None:
    client = client_for(scope_world.users["cadre"])
    response = client.post(
        PAGE, {"starts_on": "2026-05-07", "ends_on": "2026-05-03", "reason": "休假"}
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert not CadreAbsence.objects.exists()


def test_my_households_links_to_the_days_away(scope_world: ScopeWorld) -> None:
    page = client_for(scope_world.users["cadre"]).get("/me/").content.decode()
    assert 'href="/me/away/"' in page


def test_a_cadre_deletes_only_their_own_days_away_after_confirming(
    scope_world: ScopeWorld,
) -> None:
    day = datetime.date(2026, 5, 3)
    own = CadreAbsence.objects.create(cadre=scope_world.home.cadre, starts_on=day, ends_on=day)
    other = CadreAbsence.objects.create(
        cadre=scope_world.next_door.cadre, starts_on=day, ends_on=day, reason="乙出差"
    )
    client = client_for(scope_world.users["cadre"])
    assert "乙出差" not in client.get(PAGE).content.decode()
    other_url = reverse("visitflags:delete_days_away", args=[other.pk])
    assert client.get(other_url).status_code == 404
    assert client.post(other_url).status_code == 404
    assert CadreAbsence.objects.filter(pk=other.pk).exists()
    own_url = reverse("visitflags:delete_days_away", args=[own.pk])
    confirm = client.get(own_url)
    assert confirm.status_code == 200
    assert "删除 2026-05-03 至 2026-05-03 的外出登记？" in confirm.content.decode()
    assert CadreAbsence.objects.filter(pk=own.pk).exists()
    assert client.post(own_url).status_code == 302
    assert not CadreAbsence.objects.filter(pk=own.pk).exists()


def test_a_coordinator_has_no_days_away_page(scope_world: ScopeWorld) -> None:
    assert client_for(scope_world.users["township"]).get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("city", {"home", "next_door", "far"}),
        ("county", {"home", "next_door"}),
        ("township", {"home"}),
        ("liaison", {"home"}),
        ("other_liaison", {"next_door"}),
    ],
)
def test_admin_lists_the_days_away_of_the_role_s_cadres(
    scope_world: ScopeWorld, role: str, sees: set
) -> None:
    day = datetime.date(2026, 5, 3)
    absences = {
        name: CadreAbsence.objects.create(
            cadre=getattr(scope_world, name).cadre, starts_on=day, ends_on=day
        )
        for name in ("home", "next_door", "far")
    }
    page = client_for(scope_world.users[role]).get(ADMIN_LIST).content.decode()
    shown = {
        name
        for name, absence in absences.items()
        if reverse("admin:units_cadreabsence_change", args=[absence.pk]) in page
    }
    assert shown == sees


def test_days_away_added_in_admin_flag_the_visits_on_them(scope_world: ScopeWorld) -> None:
    visit = make_visit(
        household=scope_world.home.household,
        cadre=scope_world.home.cadre,
        visited_on=datetime.date(2026, 5, 5),
    )
    client = client_for(scope_world.users["liaison"])
    response = client.post(
        "/admin/units/cadreabsence/add/",
        {
            "cadre": scope_world.home.cadre.pk,
            "starts_on": "2026-05-03",
            "ends_on": "2026-05-07",
            "reason": "培训",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    flag = VisitFlag.objects.get(visit=visit)
    assert flag.reason == "走访日期在外出登记期间（5月3日—5月7日，培训）"


def test_a_liaison_cannot_add_days_away_for_another_unit_s_cadre(scope_world: ScopeWorld) -> None:
    client = client_for(scope_world.users["liaison"])
    response = client.post(
        "/admin/units/cadreabsence/add/",
        {
            "cadre": scope_world.next_door.cadre.pk,
            "starts_on": "2026-05-03",
            "ends_on": "2026-05-07",
            "reason": "培训",
        },
    )
    assert response.status_code == 200
    assert not CadreAbsence.objects.exists()


def test_the_unit_filter_of_days_away_is_allowed(scope_world: ScopeWorld) -> None:
    client = client_for(scope_world.users["city"])
    response = client.get(ADMIN_LIST, {"cadre__unit__id__exact": scope_world.home.unit.pk})
    assert response.status_code == 200
