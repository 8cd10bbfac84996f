"""A visit's location: stored only with the cadre's consent, shown only to the coordinators over
the household, deleted after the retention period by the nightly command."""

import datetime
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuanglian.models import Role, UserScope
from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_township,
    make_unit,
    make_user,
    make_visit_intervals,
)
from units.models import Cadre
from villages.models import Household
from visits.locations import Position, purge_expired, record_location
from visits.models import Visit, VisitLocation

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def cadre(db: None) -> Cadre:
    make_visit_intervals()
    return make_cadre(name="刘干部", user=make_user("liu"))


@pytest.fixture
def household(cadre: Cadre) -> Household:
    return make_assignment(cadre=cadre, household=make_household(head_name="王建国")).household


@pytest.fixture
def cadre_client(cadre: Cadre) -> Client:
    client = Client()
    client.force_login(cadre.user)
    return client


def post(client: Client, household: Household, **overrides: object) -> Any:
    data = {
        "client_key": str(uuid.uuid4()),
        "visited_on": f"{TODAY:%Y-%m-%d}",
        "method": "home",
        "outcome": "met",
        "summary": "了解今年小麦收成",
        "needs-TOTAL_FORMS": "0",
        "needs-INITIAL_FORMS": "0",
        **overrides,
    }
    return client.post(reverse("visits:log_visit", args=[household.pk]), data)


HEZE = {"latitude": "35.233752", "longitude": "115.480656", "accuracy": "18.4"}


def located_visit(household: Household, cadre: Cadre) -> Visit:
    visit = Visit.objects.create(
        household=household, cadre=cadre, visited_on=TODAY, summary="走访", outcome="met"
    )
    record_location(
        visit=visit,
        position=Position(Decimal("35.233752"), Decimal("115.480656"), accuracy=18),
    )
    return visit


def admin_user(username: str, **scope: Any) -> Client:
    user = make_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    UserScope.objects.create(user=user, **scope)
    client = Client()
    client.force_login(user)
    return client


def test_the_location_is_stored_with_its_accuracy_when_the_cadre_agreed(
    cadre_client: Client, household: Household
) -> None:
    response = post(cadre_client, household, location_consent="on", **HEZE)
    assert response.status_code == 302
    location = VisitLocation.objects.get(visit__household=household)
    assert (location.latitude, location.longitude) == (Decimal("35.233752"), Decimal("115.480656"))
    assert location.accuracy == 18


def test_without_consent_no_location_is_stored_even_if_one_was_sent(
    cadre_client: Client, household: Household
) -> None:
    response = post(cadre_client, household, **HEZE)
    assert response.status_code == 302
    assert Visit.objects.count() == 1
    assert not VisitLocation.objects.exists()


def test_a_phone_that_found_no_location_still_saves_the_visit(
    cadre_client: Client, household: Household
) -> None:
    response = post(cadre_client, household, location_consent="on")
    assert response.status_code == 302
    assert Visit.objects.count() == 1
    assert not VisitLocation.objects.exists()


@pytest.mark.parametrize(
    "wrong",
    [
        {"latitude": "91"},
        {"longitude": "-180.5"},
        {"accuracy": "100001"},
        {"accuracy": "-1"},
        {"latitude": "NaN"},
        {"longitude": "东经115度"},
    ],
)
def test_coordinates_not_on_earth_are_refused_and_nothing_is_saved(
    cadre_client: Client, household: Household, wrong: dict[str, str]
) -> None:
    response = post(cadre_client, household, location_consent="on", **{**HEZE, **wrong})
    assert response.status_code == 400
    assert response.context["form"].errors["location_consent"] == [
        "未能读取手机的位置，请取消勾选“记录我当前的位置”后再保存。"
    ]
    assert not Visit.objects.exists()


def test_a_visit_sent_again_keeps_its_first_location(
    cadre_client: Client, household: Household
) -> None:
    key = str(uuid.uuid4())
    post(cadre_client, household, client_key=key, location_consent="on", **HEZE)
    again = post(
        cadre_client, household, client_key=key, location_consent="on", **{**HEZE, "latitude": "36"}
    )
    assert again.status_code == 302
    assert VisitLocation.objects.get().latitude == Decimal("35.233752")


def test_the_township_coordinator_reads_the_location_in_the_visit_admin(
    household: Household, cadre: Cadre
) -> None:
    visit = located_visit(household, cadre)
    client = admin_user("township", role=Role.TOWNSHIP, township=household.village.township)
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk])).text
    recorded = timezone.localtime(visit.location.recorded_at)
    assert f"35.233752, 115.480656 ±18 米，记录于 {recorded:%Y-%m-%d %H:%M}" in page


def test_a_unit_liaison_sees_the_visit_but_not_its_location(
    household: Household, cadre: Cadre
) -> None:
    visit = located_visit(household, cadre)
    client = admin_user("liaison", role=Role.LIAISON, unit=cadre.unit)
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert page.status_code == 200
    assert "35.233752" not in page.text
    assert "您的角色不显示此项。" in page.text


def test_a_coordinator_of_another_township_does_not_reach_the_visit(
    household: Household, cadre: Cadre
) -> None:
    visit = located_visit(household, cadre)
    client = admin_user("other", role=Role.TOWNSHIP, township=make_township(name="别的镇"))
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk]), follow=True)
    assert "35.233752" not in page.text


def test_the_cadres_pages_never_show_a_location(
    cadre_client: Client, household: Household, cadre: Cadre
) -> None:
    colleague = make_cadre(unit=make_unit(), name="同事")
    located_visit(household, colleague)
    located_visit(household, cadre)
    page = cadre_client.get(reverse("visits:household", args=[household.pk])).text
    assert "35.233752" not in page
    assert "115.480656" not in page


def test_locations_past_the_retention_period_are_purged(
    household: Household, cadre: Cadre, settings: Any
) -> None:
    settings.VISIT_LOCATION_RETENTION_DAYS = 180
    old = located_visit(household, cadre)
    kept = located_visit(household, cadre)
    now = timezone.now()
    VisitLocation.objects.filter(visit=old).update(
        recorded_at=now - datetime.timedelta(days=180, minutes=1)
    )
    VisitLocation.objects.filter(visit=kept).update(
        recorded_at=now - datetime.timedelta(days=179, hours=23)
    )
    assert purge_expired(now=now) == 1
    assert list(VisitLocation.objects.values_list("visit", flat=True)) == [kept.pk]
    assert Visit.objects.filter(pk=old.pk).exists()


def test_the_nightly_refresh_purges_expired_locations(
    household: Household, cadre: Cadre, settings: Any
) -> None:
    settings.VISIT_LOCATION_RETENTION_DAYS = 30
    visit = located_visit(household, cadre)
    VisitLocation.objects.filter(visit=visit).update(
        recorded_at=timezone.now() - datetime.timedelta(days=31)
    )
    out = io.StringIO()
    call_command("refresh_rollups", "--no-snapshot", stdout=out)
    assert not VisitLocation.objects.exists()
    assert "Visit locations past their retention deleted: 1." in out.getvalue()
