"""A synthetic city of the real shape of Heze, to try and measure the system at full size.

At scale 1.0: the real counties and development zones with their 167 townships (from the
statistical code table), ~5,900 villages and communities, 2.7
million households, ~3,000 units with ~150,000 cadres (each with a sign-in account), work
groups in ~97% of villages, ~95% of households linked to a cadre, 3 million visits over the
last two years and the needs they raised, and the fund pools of the five departments with
~6,000 projects (their allocations and payments in every state) and ~20,000 activities of
the work groups over this year and last. Smaller scales keep every county, that share of
each county's real townships (at least one) and a village in each township.

Everything is written in one transaction: on PostgreSQL the tables are filled by COPY with
their indexes and foreign keys set aside (``city_db.BulkLoad``); a failure leaves the
database as it was. The planner's statistics are refreshed and the dashboards' figures
recounted last, once every table they count (projects and activities too) is written.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from assessments.models import Assessment, RectificationItem
from devdata import city_project_rows as project_rows
from devdata import city_register_rows as register_rows
from devdata import city_visit_rows as visit_rows
from devdata.city_db import (
    BulkLoad,
    analyze,
    delete_accounts,
    empty,
    reserve_user_ids,
    reset_sequences,
    write,
)
from devdata.city_plan_areas import MAX_SCALE, CityPlan
from devdata.city_plan_links import build_plan
from devdata.city_shuangchuang import write_shuangchuang
from devdata.demo_projects import voucher_pdf
from projects.models import (
    Activity,
    ActivityPhoto,
    Allocation,
    Disbursement,
    FundPool,
    Project,
    ProjectNeed,
    ProjectNote,
)
from satisfaction.models import VillageResult
from shuanglian.access.scope import coordinator_permissions
from shuanglian.figures import rollups
from shuanglian.models import AreaSnapshot, Role, UserScope
from units.models import Cadre, HouseholdAssignment, Unit, VillageSurvey, WorkGroup, WorkGroupMember
from villages.models import City, County, Household, ImportBatch, Township, Village
from visits.models import Need, NeedNote, Visit

DEFAULT_SEED = 2016
DEFAULT_PASSWORD = "Ganbu@2026"  # noqa: S105 - synthetic accounts; printed by the command
DEFAULT_COORDINATOR = "city"
COVERAGE = 0.95

# The campaign's tables, children before parents: what --replace empties.
CAMPAIGN: tuple[type[models.Model], ...] = (
    # The trends' history of the areas replaced.
    AreaSnapshot,
    ActivityPhoto,
    Activity,
    Disbursement,
    Allocation,
    ProjectNeed,
    ProjectNote,
    Project.beneficiaries.through,
    Project,
    FundPool,
    NeedNote,
    Need,
    Visit,
    VillageSurvey,
    HouseholdAssignment,
    WorkGroupMember,
    WorkGroup,
    Cadre,
    Unit,
    ImportBatch,
    Household,
    Village,
    Township,
    County,
    City,
)
# The tables filled, other than the accounts.
FILLED: tuple[type[models.Model], ...] = (
    City,
    County,
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
    Project.beneficiaries.through,
    ProjectNote,
    Allocation,
    Disbursement,
    Activity,
)

Report = Callable[[str, int | None, float], None]


class CityDataError(Exception):
    """The city cannot be generated into this database; the message says why."""


@dataclass
class Outcome:
    coordinator: str
    password: str
    first_cadre: str
    rows: dict[str, int] = field(default_factory=dict)
    over_capacity: int = 0
    seconds: float = 0.0


def has_campaign_data() -> bool:
    return any(model._base_manager.exists() for model in CAMPAIGN)


def generate_city(
    *,
    scale: float,
    seed: int = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    coordinator: str = DEFAULT_COORDINATOR,
    replace: bool = False,
    report: Report | None = None,
) -> Outcome:
    """Fill the database with a synthetic city; refuses one with campaign data unless replacing."""
    if not 0 < scale <= MAX_SCALE:
        raise CityDataError(f"The scale must be above 0 and at most {MAX_SCALE}.")
    started = time.monotonic()
    say = report or (lambda what, count, seconds: None)
    clock = time.monotonic()
    plan = build_plan(
        scale=scale,
        seed=seed,
        max_per_cadre=settings.ASSIGNMENT_MAX_PER_CADRE,
        coverage=COVERAGE,
    )
    say("plan", None, time.monotonic() - clock)
    outcome = Outcome(coordinator, password, register_rows.username(plan, 1))
    outcome.over_capacity = plan.over_capacity
    with transaction.atomic():
        if replace:
            clock = time.monotonic()
            accounts = empty(CAMPAIGN)
            delete_accounts(accounts, CAMPAIGN)
            say("emptied", None, time.monotonic() - clock)
        elif has_campaign_data():
            raise CityDataError(
                "The database already has campaign data (households, units or areas); "
                "use --replace to empty it first."
            )
        _check_usernames(plan, coordinator)
        hashed = make_password(password)  # once: every generated account shares it
        _write_all(plan, hashed, outcome, say)
        clock = time.monotonic()
        _coordinator_account(coordinator, hashed)
        analyze(FILLED)
        say("analyze", None, time.monotonic() - clock)
        clock = time.monotonic()
        rollups.rebuild()
        say("rollups", None, time.monotonic() - clock)
        add_shuangchuang(seed=seed, outcome=outcome, report=say)
    clock = time.monotonic()
    analyze()
    say("analyze all", None, time.monotonic() - clock)
    outcome.seconds = time.monotonic() - started
    return outcome


def add_shuangchuang(
    *, seed: int, outcome: Outcome | None = None, report: Report | None = None
) -> None:
    """The city's assessments, rectification, survey rounds and ranking weights (双创)."""
    say = report or (lambda what, count, seconds: None)
    clock = time.monotonic()
    counts = write_shuangchuang(seed=seed)
    for what, count in counts.items():
        if outcome is not None:
            outcome.rows[what] = count
        say(what, count, time.monotonic() - clock)
    analyze([Assessment, RectificationItem, VillageResult])


def _write_all(plan: CityPlan, hashed: str, outcome: Outcome, say: Report) -> None:
    user_ids = [0, *reserve_user_ids(plan.cadres)]
    ops = connection.ops
    calendar = register_rows.Calendar(
        timezone.localdate(), lambda moment: str(ops.adapt_datetimefield_value(moment))
    )
    seeds = visit_rows.NeedSeeds()
    clock = time.monotonic()
    funds = project_rows.plan_funds(plan, calendar)
    say("plan projects and funds", None, time.monotonic() - clock)
    bulk = BulkLoad(FILLED)
    bulk.set_aside()
    tables = (
        lambda: register_rows.cities(plan),
        lambda: register_rows.counties(plan),
        lambda: register_rows.townships(plan),
        lambda: register_rows.villages(plan),
        lambda: register_rows.households(plan, calendar),
        lambda: register_rows.units(plan),
        lambda: register_rows.users(plan, calendar, user_ids, hashed),
        lambda: register_rows.cadres(plan, user_ids),
        lambda: register_rows.work_groups(plan, calendar),
        lambda: register_rows.work_group_members(plan),
        lambda: register_rows.assignments(plan, calendar),
        lambda: register_rows.village_surveys(plan, calendar),
        lambda: visit_rows.visits(plan, calendar, seeds),
        lambda: visit_rows.needs(plan, calendar, seeds),
        lambda: visit_rows.need_notes(plan, calendar, seeds, user_ids),
        lambda: project_rows.pools(funds),
        lambda: project_rows.projects(funds),
        lambda: project_rows.beneficiaries(funds),
        lambda: project_rows.project_notes(funds),
        lambda: project_rows.allocations(funds),
        lambda: project_rows.disbursements(funds),
        lambda: project_rows.activities(plan, calendar),
    )
    for make in tables:
        clock = time.monotonic()
        table = make()
        count = write(table)
        name = table[0]._meta.db_table
        outcome.rows[name] = count
        say(name, count, time.monotonic() - clock)
    bulk.put_back(lambda what, seconds: say(what, None, seconds))
    reset_sequences(FILLED)
    _voucher_file()


def _voucher_file() -> None:
    """The one voucher the generated disbursements share, so that each opens."""
    if not default_storage.exists(project_rows.VOUCHER):
        default_storage.save(project_rows.VOUCHER, ContentFile(voucher_pdf()))


def _check_usernames(plan: CityPlan, coordinator: str) -> None:
    user_model = get_user_model()
    names = [register_rows.username(plan, cadre) for cadre in range(1, plan.cadres + 1)]
    for start in range(0, len(names), 5000):
        taken = list(
            user_model._base_manager.filter(username__in=names[start : start + 5000]).values_list(
                "username", flat=True
            )[:3]
        )
        if taken:
            raise CityDataError(
                f"Accounts named like the generated cadres' already exist ({', '.join(taken)}, …)."
            )
    if Cadre.objects.filter(user__username=coordinator).exists():
        raise CityDataError(f"The account {coordinator} belongs to a cadre; choose another name.")


def _coordinator_account(username: str, hashed: str) -> None:
    """A city coordinator's account: created, or its password set again."""
    user, _created = get_user_model()._default_manager.update_or_create(
        username=username,
        defaults={
            "password": hashed,
            "is_staff": True,
            "is_active": True,
            "first_name": "市级协调员",
        },
    )
    UserScope.objects.update_or_create(
        user=user,
        defaults={
            "role": Role.CITY,
            "county": None,
            "township": None,
            "unit": None,
            "password_changed_at": timezone.now(),
        },
    )
    user.user_permissions.set(coordinator_permissions())
