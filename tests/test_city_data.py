"""manage.py generate_city_data: a synthetic city of Heze's shape, on SQLite and PostgreSQL."""

import datetime
import hashlib
import io
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from devdata import heze
from devdata.city import DEFAULT_PASSWORD
from devdata.city_project_rows import ACTIVITIES, PROJECTS
from devdata.demo import SUPERUSER, load_demo
from projects.models import (
    ZERO,
    Activity,
    Allocation,
    Disbursement,
    FundPool,
    Project,
    ProjectNote,
)
from shuanglian.models import Role, UserScope
from tests.factories import make_household
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from villages.models import City, County, Household, Township, Village
from villages.validators import normalize_resident_id
from visits.models import Need, NeedNote, Visit

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_city_data", *args, "--no-input", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def city(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """One city at scale 0.01 for the tests of a class, rolled back afterwards."""
    with (
        django_db_blocker.unblock(),  # type: ignore[attr-defined]
        override_settings(ASSIGNMENT_MAX_PER_CADRE=20, PASSWORD_HASHERS=FAST_HASHING),
        transaction.atomic(),
    ):
        yield generate("--scale", "0.01", "--seed", "7")
        transaction.set_rollback(True)


@pytest.fixture
def in_city(city: str, db: None) -> str:
    return city


class TestGeneratedCity:
    """One city at scale 0.01, shared by the tests of the class."""

    def test_the_city_has_the_real_counties_and_a_proportional_size(self, in_city: str) -> None:
        assert dict(County.objects.values_list("code", "name")) == heze.counties()
        assert len(heze.counties()) == 11
        assert City.objects.get().code == "371700000000"
        assert Household.objects.count() == 27_000
        assert 50 <= Village.objects.count() <= 70
        assert Village.objects.filter(kind=Village.Kind.COMMUNITY).exists()
        assert Township.objects.count() == 11
        # Every county has a township and every township a village.
        assert not County.objects.filter(townships=None).exists()
        assert not Township.objects.filter(villages=None).exists()
        assert 25 <= Unit.objects.count() <= 35
        assert {level for level, _label in Unit.Level.choices} == set(
            Unit.objects.values_list("level", flat=True)
        )
        assert len(set(Unit.objects.values_list("kind", flat=True))) >= 3
        assert 1_350 <= Cadre.objects.count() <= 1_650
        assert 27_000 <= Visit.objects.count() <= 33_000
        assert Need.objects.count() > 1_000
        assert "villages_household" in in_city
        assert "Done in" in in_city

    def test_the_townships_are_real_ones_from_the_code_table(self, in_city: str) -> None:
        real = {row.code: row.name for row in heze.townships()}
        for code, name in Township.objects.values_list("code", "name"):
            assert real[code] == name
        for village in Village.objects.select_related("township"):
            assert village.code[:9] == village.township.code[:9]

    def test_every_resident_id_is_valid_and_unique(self, in_city: str) -> None:
        numbers = list(Household.objects.values_list("id_number", flat=True))
        assert len(set(numbers)) == len(numbers) == 27_000
        assert all(normalize_resident_id(number) == number for number in numbers)
        # The ID's region is the household's county.
        for household in Household.objects.select_related("village__township__county")[:500]:
            assert household.id_number[:6] == household.village.township.county.code[:6]

    def test_about_95_percent_of_households_have_one_active_cadre_never_above_the_maximum(
        self,
        in_city: str,
    ) -> None:
        active = HouseholdAssignment.objects.active()
        per_household = active.values("household").annotate(n=Count("id")).aggregate(most=Max("n"))
        assert per_household["most"] == 1
        assert 0.93 <= active.count() / Household.objects.count() <= 0.97
        per_cadre = active.values("cadre").annotate(n=Count("id")).aggregate(most=Max("n"))
        assert per_cadre["most"] <= 20
        # History: ended assignments, each ending after it started, with a reason.
        ended = HouseholdAssignment.objects.filter(ended_on__isnull=False)
        assert ended.exists()
        assert not ended.filter(end_reason="").exists()
        # A few cadres left; some still hold households that wait for a new cadre.
        assert 0 < Cadre.objects.filter(in_service=False).count() < 0.06 * Cadre.objects.count()
        assert Cadre.objects.needing_handover().exists()

    def test_about_97_percent_of_villages_have_a_work_group_with_a_leader_among_its_members(
        self,
        in_city: str,
    ) -> None:
        linked = Village.objects.filter(work_groups__isnull=False).distinct().count()
        assert 0.93 <= linked / Village.objects.count() <= 1
        for group in WorkGroup.objects.all():
            assert group.leader is not None
            assert group.leader.unit_id == group.unit_id
            assert group.memberships.filter(cadre=group.leader_id).exists()
        assert not WorkGroupMember.objects.exclude(cadre__unit=F("work_group__unit")).exists()

    def test_needs_have_every_status_and_some_are_late(self, in_city: str) -> None:
        statuses = set(Need.objects.values_list("status", flat=True))
        assert statuses == set(Need.Status.values)
        assert Need.objects.overdue().exists()
        assert (
            not Need.objects.filter(status=Need.Status.UNRESOLVABLE)
            .exclude(level="county")
            .exists()
        )
        assert not Need.objects.filter(
            status__in=["resolved", "unresolvable"], resolution=""
        ).exists()
        # Each step of a need was noted.
        closed = Need.objects.filter(status=Need.Status.RESOLVED).first()
        assert closed.notes.order_by("-noted_on", "-pk").first().status == Need.Status.RESOLVED
        assert NeedNote.objects.count() >= Need.objects.exclude(status="pending").count()

    def test_visits_lie_within_the_last_two_years_and_most_reached_the_household(
        self,
        in_city: str,
    ) -> None:
        today = timezone.localdate()
        span = Visit.objects.aggregate(first=Min("visited_on"), last=Max("visited_on"))
        assert span["first"] >= today - datetime.timedelta(days=730)
        assert span["last"] <= today
        assert Visit.objects.contacts().count() > 0.8 * Visit.objects.count()
        assert set(Visit.objects.values_list("method", flat=True)) == set(Visit.Method.values)
        # Every visit was made by the cadre responsible for the household on that day.
        wrong = 0
        for visit in Visit.objects.order_by("?")[:300]:
            on_the_day = HouseholdAssignment.objects.filter(household=visit.household_id).on(
                visit.visited_on
            )
            wrong += not on_the_day.filter(cadre=visit.cadre_id).exists()
        assert wrong == 0

    def test_a_sample_of_every_table_passes_the_models_own_validation(self, in_city: str) -> None:
        for model in (
            Township,
            Village,
            Household,
            Unit,
            Cadre,
            WorkGroup,
            WorkGroupMember,
            HouseholdAssignment,
            VillageSurvey,
            Visit,
            Need,
            NeedNote,
            FundPool,
            Project,
            ProjectNote,
            Allocation,
            Disbursement,
            Activity,
        ):
            for row in model.objects.order_by("?")[:50]:
                row.full_clean()

    def test_projects_and_activities_are_in_proportion_and_in_every_state(
        self, in_city: str
    ) -> None:
        year = timezone.localdate().year
        assert Project.objects.count() == round(PROJECTS * 0.01)
        assert Activity.objects.count() == round(ACTIVITIES * 0.01)
        assert "projects_activity" in in_city
        sources = {"organisation", "finance", "agriculture", "water", "poverty_relief"}
        for pool_year in (year, year - 1):
            pools = FundPool.objects.filter(year=pool_year)
            assert set(pools.values_list("source", flat=True)) == sources
        assert FundPool.objects.count() == 10
        this_year = Project.objects.filter(year=year)
        assert set(this_year.values_list("status", flat=True)) == set(Project.Status.values)
        assert Project.objects.filter(year=year - 1).exists()
        assert set(Project.objects.values_list("kind", flat=True)) == set(Project.Kind.values)
        assert set(Allocation.objects.values_list("status", flat=True)) == set(
            Allocation.Status.values
        )
        assert set(Activity.objects.values_list("kind", flat=True)) == set(Activity.Kind.values)
        assert ProjectNote.objects.exists() and Disbursement.objects.exists()
        # Some work groups did nothing this year: the dashboard's gap list has rows.
        busy = WorkGroup.objects.filter(
            Q(projects__year=year) | Q(activities__held_on__year=year)
        ).distinct()
        assert 0 < busy.count() < WorkGroup.objects.count()

    def test_the_money_adds_up_in_every_pool_and_allocation(self, in_city: str) -> None:
        today = timezone.localdate()
        counted = ("approved", "disbursed", "accepted")
        for pool in FundPool.objects.annotate(
            granted=Sum("allocations__amount", filter=Q(allocations__status__in=counted))
        ):
            assert pool.allocated == (pool.granted or ZERO) <= pool.amount
        for allocation in Allocation.objects.select_related("project", "pool").annotate(
            disbursed=Sum("disbursements__amount"),
            first_paid=Min("disbursements__paid_on"),
            last_paid=Max("disbursements__paid_on"),
        ):
            assert allocation.paid == (allocation.disbursed or ZERO) <= allocation.amount
            assert allocation.pool.year == allocation.project.year
            if allocation.status in ("disbursed", "accepted"):
                assert allocation.paid > 0
                assert allocation.approved_at.date() <= allocation.first_paid
                assert allocation.last_paid <= today
            else:
                assert allocation.paid == 0
            if allocation.status == "accepted":
                assert allocation.project.status == "accepted"
                assert allocation.accepted_at == allocation.project.accepted_at
            if allocation.status == "returned":
                assert allocation.return_reason and allocation.approved_at is None
            moments = [allocation.applied_at, allocation.reviewed_at, allocation.approved_at]
            taken = [moment for moment in moments if moment is not None]
            assert taken == sorted(taken)
        for project in Project.objects.prefetch_related("allocations"):
            asked = [a.amount for a in project.allocations.all() if a.status != "returned"]
            assert sum(asked, start=ZERO) <= project.budget_pooled
            if project.status == "accepted":
                assert {a.status for a in project.allocations.all()} <= {"accepted", "returned"}
        # Every generated voucher opens as the PDF they share.
        with Disbursement.objects.first().voucher.open("rb") as voucher:
            assert voucher.read(5) == b"%PDF-"

    def test_projects_and_activities_belong_to_their_work_groups_villages(
        self, in_city: str
    ) -> None:
        today = timezone.localdate()
        for model in (Project, Activity):
            assert not model.objects.exclude(
                unit=F("work_group__unit"), village=F("work_group__village")
            ).exists()
        through = Project.beneficiaries.through.objects
        assert through.exists()
        assert not through.exclude(household__village=F("project__village")).exists()
        assert (
            not Project.objects.annotate(linked=Count("beneficiaries"))
            .filter(beneficiary_count__lt=F("linked"))
            .exists()
        )
        assert not Project.objects.filter(actual_start__gt=today).exists()
        assert not Project.objects.filter(actual_end__lt=F("actual_start")).exists()
        assert not Project.objects.exclude(status="planned").filter(actual_start=None).exists()
        assert not Activity.objects.filter(held_on__gt=today).exists()
        assert not Activity.objects.filter(households_reached__gt=F("attendees")).exists()

    def test_every_record_is_in_its_households_village(self, in_city: str) -> None:
        for model in (HouseholdAssignment, Visit, Need):
            assert model.objects.exists()
            elsewhere = model.objects.exclude(village_id=F("household__village_id"))
            assert not elsewhere.exists() and not model.objects.filter(village=None).exists()

    def test_a_generated_cadre_signs_in_and_sees_their_households(self, in_city: str) -> None:
        cadre = (
            Cadre.objects.in_service()
            .filter(assignments__ended_on__isnull=True)
            .select_related("user")
            .first()
        )
        client = Client()
        response = client.post(
            reverse("login"), {"username": cadre.user.username, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        response = client.get(reverse("visits:my_households"))
        assert response.status_code == 200
        mine = Household.objects.filter(assignments__cadre=cadre, assignments__ended_on=None)
        assert mine.exists()
        for household in mine:
            assert household.head_name in response.text
        assert cadre.user.username.startswith("c") and len(cadre.user.username) == 7

    def test_the_city_coordinator_signs_in_to_admin_and_the_dashboard(self, in_city: str) -> None:
        user = get_user_model().objects.get(username="city")
        assert user.is_staff and not user.is_superuser
        assert UserScope.objects.get(user=user).role == Role.CITY
        client = Client()
        client.post(reverse("login"), {"username": "city", "password": DEFAULT_PASSWORD})
        assert client.get(reverse("admin:villages_household_changelist")).status_code == 200
        response = client.get(reverse("dashboard"))
        assert response.status_code == 200

    def test_every_cadre_has_an_account_with_one_shared_password_hash(self, in_city: str) -> None:
        hashes = set(
            get_user_model().objects.filter(cadre__isnull=False).values_list("password", flat=True)
        )
        assert len(hashes) == 1
        assert not Cadre.objects.filter(Q(user=None) | Q(must_change_password=True)).exists()

    def test_every_village_is_assessed_and_surveyed(self, in_city: str) -> None:
        from assessments.models import Assessment, RectificationItem
        from satisfaction.models import Round, VillageResult
        from shuanglian.figures.summary import figures_for
        from shuanglian.models import RankingWeights

        year = timezone.localdate().year
        villages = Village.objects.count()
        for assessed_year in (year - 1, year):
            assert Assessment.objects.filter(year=assessed_year).count() == villages
        statuses = set(Assessment.objects.filter(year=year).values_list("status", flat=True))
        assert statuses == {"draft", "submitted", "reviewed", "approved"}
        assert Assessment.objects.filter(year=year, up_to_standard=False).exists()
        items = RectificationItem.objects.all()
        assert items.overdue().exists() and items.filter(status="accepted").exists()
        rounds = Round.objects.order_by("ends_on")
        assert [r.status for r in rounds] == ["closed", "closed", "open"]
        for survey in rounds:
            surveyed = VillageResult.objects.filter(round=survey).values("village").distinct()
            assert surveyed.count() == villages
        assert RankingWeights.objects.filter(year=year).exists()
        twin = figures_for(None).shuangchuang
        assert twin.survey.latest == rounds[1] and twin.survey.total.percent is not None
        assert twin.total.approved > 0

    def test_the_shuangchuang_data_can_be_written_again(self, in_city: str) -> None:
        from assessments.models import Assessment
        from satisfaction.models import VillageResult

        before = (Assessment.objects.count(), VillageResult.objects.count())
        output = generate("--shuangchuang-only", "--seed", "7")
        assert "Done in" in output
        assert (Assessment.objects.count(), VillageResult.objects.count()) == before


def test_a_database_with_households_is_refused_without_replace(db: None) -> None:
    make_household()
    with pytest.raises(CommandError, match="already has campaign data"):
        generate("--scale", "0.001")
    assert Household.objects.count() == 1


def test_replace_empties_the_demo_and_keeps_the_administrators(db: None) -> None:
    load_demo()
    demo_cadre_user = get_user_model().objects.create_user("cadre1", password="x")
    Cadre.objects.filter(pk=Cadre.objects.first().pk).update(user=demo_cadre_user)
    admin = get_user_model().objects.create_superuser(SUPERUSER.username, password="x")
    out = generate("--scale", "0.001", "--replace")
    assert "Done in" in out
    assert Household.objects.count() == 2_700
    assert not Township.objects.filter(name="沙沃镇").exists()
    assert not get_user_model().objects.filter(username="cadre1").exists()
    assert get_user_model().objects.filter(pk=admin.pk).exists()


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for queryset in (
        Household.objects.order_by("pk").values_list(
            "pk", "village__code", "head_name", "id_number", "phone", "category"
        ),
        Cadre.objects.order_by("pk").values_list(
            "pk", "unit__name", "name", "phone", "in_service", "user__username"
        ),
        HouseholdAssignment.objects.order_by("pk").values_list(
            "household", "cadre", "started_on", "ended_on"
        ),
        Visit.objects.order_by("pk").values_list(
            "household", "cadre", "visited_on", "method", "outcome", "summary"
        ),
        Need.objects.order_by("pk").values_list(
            "household", "status", "level", "closed_on", "due_on"
        ),
        Project.objects.order_by("pk").values_list(
            "work_group", "title", "status", "budget_pooled", "actual_start"
        ),
        Allocation.objects.order_by("pk").values_list("pool", "project", "amount", "paid"),
        FundPool.objects.order_by("pk").values_list("name", "amount", "allocated"),
        Activity.objects.order_by("pk").values_list("work_group", "held_on", "attendees"),
    ):
        for row in queryset.iterator():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_city(db: None) -> None:
    generate("--scale", "0.001", "--seed", "11")
    first = _fingerprint()
    generate("--scale", "0.001", "--seed", "11", "--replace")
    assert _fingerprint() == first
    generate("--scale", "0.001", "--seed", "12", "--replace")
    assert _fingerprint() != first


def test_with_the_default_maximum_no_cadre_links_more_and_the_command_says_so(
    db: None, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 10
    out = generate("--scale", "0.001")
    per_cadre = (
        HouseholdAssignment.objects.active()
        .values("cadre")
        .annotate(n=Count("id"))
        .aggregate(most=Max("n"))
    )
    assert per_cadre["most"] == 10
    assert "households have no cadre" in out
    assert str(settings.ASSIGNMENT_MAX_PER_CADRE) in out
