"""Probes of every URL pattern of the project, as every role, with objects inside and outside.

``django.urls.get_resolver()`` is walked, includes and all: every pattern, admin or not, must have
a probe in ``PROBES`` (or be a generic page of a model in ``ADMIN_MODELS``), so that a URL added
later cannot escape. For each role of the scope world, each probe checks that

- a page about an object outside the role's area does not answer 200;
- no response (page, list, search, export, printable, download, JSON) holds a marker of an object
  outside the area: its names, resident ID or phone digits, full or masked; and no response holds
  a full resident ID, since no role of the world has the full-data right;
- a forged POST, with outside keys in the path and in every foreign-key field, writes nothing
  (every table of the project is compared before and after);
- the inside objects are reachable for the roles that should see them, and the same form with
  inside keys does save (then rolled back), so that no probe passes for a wrong reason;
- digits that a mask hides cannot be searched for (lists, exports, autocomplete), downloads and
  exports leave an audit event, every page carries a Content-Security-Policy, a malformed
  parameter is refused without an error, and the hand-over, contact cards, sign-in accounts,
  unit editing and assignments of a cadre whom two areas see keep to the viewer's own area.

The world (``tests.conftest.build_scope_world`` and the additions below) is built once for the
module; each role runs in a savepoint, and every probe's writes are rolled back after they are
compared. Failures are collected per role and listed at once: ``role × pattern: what``.
"""

import csv
import datetime
import io
import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image
from pypdf import PdfWriter

from assessments import assessments as assessment_steps
from assessments import rectification
from assessments.models import (
    Assessment,
    Checklist,
    Criterion,
    CriterionScore,
    EvidenceFile,
    RectificationItem,
    RectificationNote,
)
from projects import allocations as allocation_steps
from projects import projects as project_steps
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
from reminders.models import Delivery, Notification, ReminderPreference
from satisfaction.models import (
    Answer,
    Attempt,
    DrawnVillage,
    Interviewer,
    Question,
    Round,
    Sample,
    VillageResult,
)
from satisfaction.results import compute_results
from satisfaction.rounds import open_round
from shuanglian.figures import coverage
from shuanglian.models import AuditEvent, RankingWeights, ReportArchive, UserScope
from shuanglian.reports.archive import archive_report
from shuanglian.reports.periods import Period
from tests.conftest import SCOPE_ROLES, ScopeWorld, build_scope_world
from tests.factories import (
    Place,
    make_activity,
    make_allocation,
    make_assignment,
    make_cadre,
    make_checklist,
    make_fund_pool,
    make_household,
    make_import_batch,
    make_project,
    make_unit,
    make_user,
    make_village,
    make_visit_intervals,
    make_work_group,
    unique_resident_id,
)
from units.distribution import plan_distribution
from units.models import (
    Cadre,
    CadreAbsence,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from villages.imports import batches
from villages.models import City, County, Household, ImportBatch, Township, Village
from villages.validators import mask_phone, mask_resident_id
from visitflags.detection import flag_absence
from visitflags.models import VisitFlag
from visits.models import Need, NeedNote, Visit, VisitInterval, VisitPhoto

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()
YEAR = timezone.localdate().year
# A checklist's year with no assessment yet: the start page opens them.
START_YEAR = YEAR - 2
User = get_user_model()

ROLES = [*SCOPE_ROLES, "anonymous"]
COORDINATORS = {"city", "county", "township", "other_township", "liaison", "other_liaison"}
AREA_COORDINATORS = {"city", "county", "township", "other_township"}
# The roles whose add and change forms are forged key by key: an area coordinator and a unit
# liaison, the two kinds of choices the forms narrow. The county's and the other township's and
# unit's forms are the same forms narrowed by the same rules; they are left out to keep the run
# short (their pages, lists, searches, exports and object probes still run).
FORM_ROLES = {"township", "liaison"}

# The place whose objects the role works with (None: none), and the places outside its area.
INSIDE = {
    "city": "home",
    "county": "home",
    "township": "home",
    "other_township": "next_door",
    "liaison": "home",
    "other_liaison": "next_door",
    "cadre": "home",
}
OUTSIDE = {
    "city": [],
    "county": ["far"],
    "township": ["next_door", "far"],
    "other_township": ["home", "far"],
    "liaison": ["next_door", "far"],
    "other_liaison": ["home", "far"],
    "cadre": ["next_door", "far"],
    "auditor": ["home", "next_door", "far"],
    "no_role": ["home", "next_door", "far"],
    "anonymous": ["home", "next_door", "far"],
}
# Whose uploads the error batches of each place are.
UPLOADERS = {"home": "township", "next_door": "other_township", "far": "city"}


# --- the world ---------------------------------------------------------------------------------


@dataclass
class ProbePlace:
    """A place of the scope world with the extra objects the URL probes need."""

    tag: str
    place: Place
    uncovered: Household
    successor: Cadre
    retired: Cadre
    spare: Village
    error_batch: ImportBatch
    login: Any
    markers: list[str]
    flag: "VisitFlag | None" = None
    absence: "CadreAbsence | None" = None
    funds: "PlaceFunds | None" = None
    survey: "PlaceSurvey | None" = None
    assessments: "PlaceAssessments | None" = None
    visit_photo: "VisitPhoto | None" = None


@dataclass
class PlaceFunds:
    """A place's project with its money and progress, and its work group's activity."""

    project: Project
    allocation: Allocation  # approved and partly paid
    applied: Allocation  # waiting for review
    disbursement: Disbursement
    note: ProjectNote
    activity: Activity
    photo: ActivityPhoto


@dataclass
class PlaceSurvey:
    """A place's township round being prepared, and in the city's round interviewing its
    village's sampled household with its interviewer, a try and an answer."""

    township_round: Round
    sample: Sample
    interviewer: Interviewer
    attempt: Attempt
    answer: Answer
    # The home cadre's own household to interview, in the home township's second village.
    own_sample: Sample | None = None


@dataclass
class PlaceAssessments:
    """The village's assessment under way this year, with an evidence file, and last year's,
    approved below the standard, with a rectification item and its note with a photo."""

    draft: Assessment
    approved: Assessment
    evidence: EvidenceFile
    item: RectificationItem
    note: RectificationNote


@dataclass
class Shared:
    """A city-level unit linking home and next door, whose cadre has a household in each."""

    unit: Unit
    cadre: Cadre
    households: dict[str, Household]
    # A county-wide batch of the county coordinator that wrote into the home village.
    county_batch: ImportBatch


@dataclass
class ProbeWorld:
    scope: ScopeWorld
    pool: FundPool
    places: dict[str, ProbePlace]
    shared: Shared
    users: dict[str, Any]
    group: Group
    task: DBTaskResult
    event: AuditEvent
    # Resident IDs that no role of the world may read in full, with the rejected rows' own IDs.
    full_ids: list[str]
    rejected_ids: dict[str, str]


TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f6a0000000049454e44ae426082"
)


def _add_to_place(world: ScopeWorld, name: str, tag: str, number: int) -> ProbePlace:
    place: Place = getattr(world, name)
    # Distinct phones, so that a masked number names one household or cadre only.
    Household.objects.filter(pk=place.household.pk).update(phone=f"1381111{number:04d}")
    place.household.refresh_from_db()
    Cadre.objects.filter(pk=place.cadre.pk).update(phone=f"1392222{number:04d}")
    place.cadre.refresh_from_db()
    place.cadre.photo.save(f"{tag}.png", ContentFile(TINY_PNG), save=True)
    uncovered = make_household(
        village=place.village, head_name=f"{tag}无人户", phone=f"1373333{number:04d}"
    )
    successor = make_cadre(unit=place.unit, name=f"{tag}接替", phone=f"1364444{number:04d}")
    spare = make_village(township=place.village.township, name=f"{tag}二村")
    retired = make_cadre(unit=place.unit, name=f"{tag}退休", in_service=False)
    login = None
    if name != "home":
        login = make_user(f"{tag}账号")
        Cadre.objects.filter(pk=place.cadre.pk).update(user=login)
    rejected_id = unique_resident_id()
    error_batch = make_import_batch(
        [
            ["户主姓名", "身份证号码", "家庭人口"],
            [f"{tag}新户", unique_resident_id(), 2],
            [f"{tag}错户", rejected_id, "多"],
        ],
        village=place.village,
        file_name=f"{tag}错误花名册.csv",
        user=world.users[UPLOADERS[name]],
    )
    assert error_batch.error_file, "the error batch has an error workbook"
    township = place.village.township
    markers = [
        place.village.name,
        spare.name,
        township.name,
        place.unit.name,
        place.cadre.name,
        successor.name,
        retired.name,
        place.household.head_name,
        uncovered.head_name,
        place.visit.summary,
        place.need.description,
        place.note.text,
        place.batch.file_name,
        error_batch.file_name,
        f"{tag}新户",
        f"{tag}错户",
        township.code,
        place.village.code,
    ]
    for household in (place.household, uncovered):
        markers += [household.id_number, mask_resident_id(household.id_number)]
        markers += [household.phone, mask_phone(household.phone)]
    for cadre in (place.cadre, successor):
        markers += [cadre.phone, mask_phone(cadre.phone)]
    if login is not None:
        markers.append(login.username)
    visit_photo = VisitPhoto(visit=place.visit)
    visit_photo.image.save(f"{tag}.jpg", ContentFile(png_bytes()), save=True)
    # Days away over the place's visit, which flags it.
    day = place.visit.visited_on
    absence = CadreAbsence.objects.create(
        cadre=place.cadre, starts_on=day, ends_on=day, reason=f"{tag}出差"
    )
    flag_absence(absence)
    flag = VisitFlag.objects.get(visit=place.visit)
    markers.append(absence.reason)
    return ProbePlace(
        tag,
        place,
        uncovered,
        successor,
        retired,
        spare,
        error_batch,
        login,
        markers,
        flag,
        absence,
        visit_photo=visit_photo,
    )


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_funds(probe_place: ProbePlace, pool: FundPool) -> None:
    """A project of the place's work group at every money step, and an activity with a photo."""
    tag, place = probe_place.tag, probe_place.place
    project = make_project(work_group=place.work_group, title=f"{tag}道路项目")
    allocation = allocation_steps.apply_for(project=project, pool=pool, amount="20000", by=None)
    allocation_steps.review(allocation=allocation, by=None)
    allocation_steps.approve(allocation=allocation, by=None)
    voucher = SimpleUploadedFile("凭证.pdf", pdf_bytes())
    disbursement = allocation_steps.disburse(
        allocation=allocation, amount="5000", voucher=voucher, by=None
    )
    applied = make_allocation(project=project, pool=pool, purpose=f"{tag}申报用途")
    note = project_steps.add_note(
        project=project,
        by=None,
        text=f"{tag}项目进展",
        photo=SimpleUploadedFile("工地.png", png_bytes()),
    )
    activity = make_activity(work_group=place.work_group, title=f"{tag}培训班")
    photo = ActivityPhoto(activity=activity)
    photo.photo.save(f"{tag}.png", ContentFile(png_bytes()), save=True)
    probe_place.funds = PlaceFunds(
        project, allocation, applied, disbursement, note, activity, photo
    )
    probe_place.markers += [project.title, note.text, activity.title, applied.purpose]


def _add_assessments(probe_place: ProbePlace) -> None:
    tag, village = probe_place.tag, probe_place.place.village
    draft = assessment_steps.start_assessment(village=village, year=YEAR, by=None)
    first = draft.scores.order_by("criterion__position").first()
    assessment_steps.save_self_assessment(
        assessment=draft, scores={first.criterion_id: ("10", f"{tag}佐证说明")}, by=None
    )
    evidence = assessment_steps.add_evidence(
        score=first, upload=SimpleUploadedFile("佐证.png", png_bytes()), by=None
    )
    approved = assessment_steps.start_assessment(village=village, year=YEAR - 1, by=None)
    nothing = {row.criterion_id: ("0", "") for row in approved.scores.all()}
    assessment_steps.save_self_assessment(assessment=approved, scores=nothing, by=None)
    assessment_steps.submit(assessment=approved, by=None)
    assessment_steps.review(assessment=approved, scores=nothing, comment="审核", by=None)
    assessment_steps.approve(assessment=approved, comment="", by=None)
    item = rectification.add_item(
        assessment=approved,
        task=f"{tag}整改任务",
        responsible=f"{tag}书记",
        deadline=timezone.localdate(),
        by=None,
    )
    note = rectification.add_note(
        item=item,
        text=f"{tag}整改进展",
        photo=SimpleUploadedFile("现场.png", png_bytes()),
        by=None,
    )
    probe_place.assessments = PlaceAssessments(draft, approved, evidence, item, note)
    probe_place.markers += [f"{tag}佐证说明", item.task, item.responsible, note.text]


REPORT_MONTH = Period.last_complete("month", timezone.localdate()).code
CITY_CODE = "371700000000"


def _add_reports() -> None:
    """Last month's workbook of the city, every county and every township, archived."""
    codes = [CITY_CODE, *County.objects.values_list("code", flat=True)]
    codes += Township.objects.values_list("code", flat=True)
    for code in codes:
        archive_report(user=None, area_code=code, period=REPORT_MONTH, fmt="xlsx")


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[ProbeWorld]:
    """The scope world and the probes' additions, built once for the module in a transaction
    rolled back at its end. Each test runs in a savepoint inside it, so nothing one role's
    probes write reaches the next role's."""
    media = tmp_path_factory.mktemp("probe-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), ASSIGNMENT_MAX_PER_CADRE=2, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield _build_world(build_scope_world())
        transaction.set_rollback(True)


def _build_world(scope_world: ScopeWorld) -> ProbeWorld:
    make_visit_intervals()
    places = {
        name: _add_to_place(scope_world, name, tag, number)
        for number, (name, tag) in enumerate(
            [("home", "甲"), ("next_door", "乙"), ("far", "丙")], start=1
        )
    }
    shared = _shared(scope_world, places)
    pool = make_fund_pool(name="整合涉农资金", amount="1000000.00")
    for probe_place in places.values():
        _add_funds(probe_place, pool)
    _add_surveys(places, scope_world)
    for year in (START_YEAR, YEAR - 1, YEAR):
        make_checklist(year=year, name=f"{year}年创建标准")
    for probe_place in places.values():
        _add_assessments(probe_place)
    _add_reports()
    group = Group.objects.create(name="专项工作组")
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [places["far"].error_batch.pk], "kwargs": {}},
        task_path="villages.tasks.check_roster",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    event = AuditEvent.objects.create(username="probe", action="sign_in")
    full_ids = list(Household.objects.values_list("id_number", flat=True))
    rejected_ids = {}
    for probe_place in places.values():
        rows = _xlsx_text(probe_place.error_batch.error_file.open("rb").read())
        rejected_ids[probe_place.tag] = next(
            token for token in re.findall(r"\d{17}[\dX]", rows) if token
        )
    full_ids += list(rejected_ids.values())
    users = dict(scope_world.users)
    users["anonymous"] = None
    return ProbeWorld(
        scope_world, pool, places, shared, users, group, task, event, full_ids, rejected_ids
    )


def _round(name: str, area: Any) -> Round:
    today = timezone.localdate()
    return open_round(
        name=name,
        area=area,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        per_village=5,
        by=None,
    )


def _add_surveys(places: dict[str, ProbePlace], world: ScopeWorld) -> None:
    """The city's round interviewing one household of each place's village, by a cadre of a
    unit linking none of them; each township a round of its own being prepared; and the home
    cadre (the cadre role) interviewing a household of the home township's second village."""
    city_round = _round("全市测评", None)
    Round.objects.filter(pk=city_round.pk).update(status=Round.Status.OPEN)
    question = city_round.questions.first()
    outsider = make_cadre(unit=make_unit(name="测评局"), name="测评员")
    for probe_place in places.values():
        place = probe_place.place
        township_round = _round(f"{probe_place.tag}镇测评", place.village.township)
        sample = Sample.objects.create(
            round=city_round,
            household=place.household,
            village=place.village,
            stratum=place.household.category,
            draw_order=1,
            status=Sample.Status.INTERVIEWED,
            interviewer=outsider,
            comment=f"{probe_place.tag}测评意见",
        )
        DrawnVillage.objects.create(
            round=city_round, village=place.village, households=2, drawn=1, reserve=0
        )
        interviewer = Interviewer.objects.create(
            round=city_round, village=place.village, cadre=outsider
        )
        attempt = Attempt.objects.create(
            sample=sample,
            method="phone",
            reached=True,
            note=f"{probe_place.tag}测评备注",
            by=outsider,
        )
        answer = Answer.objects.create(sample=sample, question=question, choice="satisfied")
        probe_place.survey = PlaceSurvey(township_round, sample, interviewer, attempt, answer)
        probe_place.markers += [township_round.name, sample.comment, attempt.note]
    home = places["home"]
    household = make_household(village=home.spare, head_name="甲测评户", phone="13577770001")
    home.survey.own_sample = Sample.objects.create(
        round=city_round,
        household=household,
        village=home.spare,
        stratum=household.category,
        draw_order=1,
        status=Sample.Status.PENDING,
        interviewer=world.home.cadre,
    )
    Interviewer.objects.create(round=city_round, village=home.spare, cadre=world.home.cadre)
    home.markers += [
        household.head_name,
        household.id_number,
        mask_resident_id(household.id_number),
        household.phone,
        mask_phone(household.phone),
    ]
    compute_results(round=city_round, by=None)


def _shared(world: ScopeWorld, places: dict[str, ProbePlace]) -> Shared:
    unit = make_unit(name="共建局")
    cadre = make_cadre(unit=unit, name="共干部", phone="13655550009")
    households = {}
    for name in ("home", "next_door"):
        probe_place = places[name]
        village = probe_place.place.village
        make_work_group(unit=unit, village=village)
        household = make_household(
            village=village, head_name=f"{probe_place.tag}共户", phone=f"1356666000{len(name)}"
        )
        make_assignment(household=household, cadre=cadre)
        households[name] = household
        probe_place.markers += [
            household.head_name,
            household.id_number,
            mask_resident_id(household.id_number),
            household.phone,
            mask_phone(household.phone),
        ]
    home = places["home"]
    rows = [
        ["村", "户主姓名", "身份证号码", "家庭人口"],
        [home.place.village.name, "甲导入户", unique_resident_id(), 2],
    ]
    batch = batches.create_batch(
        data="\n".join(",".join(str(v) for v in row) for row in rows).encode(),
        file_name="县花名册.csv",
        scope=home.place.village.township.county,
        user=world.users["county"],
    )
    batch = batches.confirm_batch(batches.check_batch(batch))
    assert batch.created == 1, batch.report
    home.markers.append("甲导入户")
    return Shared(unit, cadre, households, batch)


# --- the URLconf -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One URL pattern: its name (with namespaces) or, unnamed, its route."""

    key: str
    route: str


def url_patterns() -> list[Entry]:
    """Every pattern of the URLconf, includes followed, in order."""

    def walk(patterns: list, prefix: str, namespace: str) -> Iterator[Entry]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                assert isinstance(pattern, URLPattern)
                route = prefix + str(pattern.pattern)
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = route
                yield Entry(key, route)

    return list(walk(get_resolver().url_patterns, "", ""))


# The generic pages of a registered model, by the suffix of their name.
GENERIC_SUFFIXES = {
    "changelist",
    "add",
    "change",
    "history",
    "delete",
    "export",
    "import",
    "process_import",
}


@dataclass(frozen=True)
class ModelAccess:
    """Who reads a model's rows in admin, and which of its objects belong to a place."""

    readers: frozenset[str]
    objects: Callable[[ProbePlace], list[Any]] | None = None
    # Words a search box or an autocomplete finds the object by.
    terms: Callable[[Any], list[str]] = lambda obj: []


def _names(*attributes: str) -> Callable[[Any], list[str]]:
    def terms(obj: Any) -> list[str]:
        values = []
        for attribute in attributes:
            value: Any = obj
            for part in attribute.split("."):
                value = getattr(value, part)
            values.append(str(value))
        return values

    return terms


def _household_terms(obj: Household) -> list[str]:
    return [obj.head_name, obj.id_number, obj.id_number[-8:]]


ADMIN_MODELS: dict[type[models.Model], ModelAccess] = {
    City: ModelAccess(frozenset(COORDINATORS)),
    County: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.place.village.township.county],
        _names("name"),
    ),
    Township: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.village.township], _names("name")
    ),
    Village: ModelAccess(frozenset(COORDINATORS), lambda p: [p.place.village], _names("name")),
    Household: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.household, p.uncovered], _household_terms
    ),
    ImportBatch: ModelAccess(
        frozenset(AREA_COORDINATORS),
        lambda p: [p.place.batch, p.error_batch],
        _names("file_name"),
    ),
    Unit: ModelAccess(frozenset(COORDINATORS), lambda p: [p.place.unit], _names("name")),
    Cadre: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.place.cadre, p.successor],
        lambda c: [c.name, c.phone, c.phone[-5:]],
    ),
    WorkGroup: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.work_group], _names("village.name")
    ),
    HouseholdAssignment: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.place.assignment],
        lambda a: _household_terms(a.household),
    ),
    VillageSurvey: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.survey], _names("village.name")
    ),
    Visit: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.visit], lambda v: _household_terms(v.household)
    ),
    Need: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.place.need], lambda n: _household_terms(n.household)
    ),
    VisitFlag: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.flag],
        lambda f: [f.visit.household.head_name, f.visit.cadre.name],
    ),
    CadreAbsence: ModelAccess(frozenset(COORDINATORS), lambda p: [p.absence], _names("cadre.name")),
    VisitInterval: ModelAccess(frozenset(COORDINATORS)),
    RankingWeights: ModelAccess(frozenset(COORDINATORS)),
    User: ModelAccess(frozenset({"city"}), terms=_names("username")),
    Group: ModelAccess(frozenset({"city"}), terms=_names("name")),
    # Background tasks: superusers only (coordinators hold no permission on them).
    DBTaskResult: ModelAccess(frozenset()),
    AuditEvent: ModelAccess(frozenset({"city", "auditor"}), terms=_names("username")),
    # The reminders sent: city coordinators only, read-only.
    Delivery: ModelAccess(frozenset({"city"}), terms=_names("user.username")),
    FundPool: ModelAccess(frozenset(COORDINATORS), terms=_names("name")),
    Project: ModelAccess(frozenset(COORDINATORS), lambda p: [p.funds.project], _names("title")),
    Allocation: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.funds.allocation, p.funds.applied],
        _names("project.title"),
    ),
    Disbursement: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.funds.disbursement],
        _names("allocation.project.title"),
    ),
    Activity: ModelAccess(frozenset(COORDINATORS), lambda p: [p.funds.activity], _names("title")),
    Round: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.survey.township_round], _names("name")
    ),
    # Who interviews where is kept from the villages' own units: a liaison sees only their own
    # cadres' assignments (none here), no sampled household and no answer.
    Interviewer: ModelAccess(
        frozenset(AREA_COORDINATORS), lambda p: [p.survey.interviewer], _names("village.name")
    ),
    Sample: ModelAccess(
        frozenset(AREA_COORDINATORS),
        lambda p: [p.survey.sample],
        lambda s: [s.household.head_name, s.village.name],
    ),
    Attempt: ModelAccess(frozenset(AREA_COORDINATORS), lambda p: [p.survey.attempt]),
    Answer: ModelAccess(frozenset(AREA_COORDINATORS), lambda p: [p.survey.answer]),
    Checklist: ModelAccess(frozenset(COORDINATORS), terms=_names("name")),
    Assessment: ModelAccess(
        frozenset(COORDINATORS),
        lambda p: [p.assessments.draft, p.assessments.approved],
        _names("village.name"),
    ),
    RectificationItem: ModelAccess(
        frozenset(COORDINATORS), lambda p: [p.assessments.item], _names("task")
    ),
}

# Every other pattern, by name (or by route when unnamed), and the probe that covers it.
PROBES: dict[str, str] = {
    "home": "plain",
    "favicon": "plain",
    "login": "plain",
    "password_change": "own_password",
    "password_change_done": "plain",
    "logout": "plain",
    "set_language": "set_language",
    "visits:my_households": "cadre_list",
    "visits:household": "cadre_household",
    "visits:log_visit": "cadre_log_visit",
    "visits:household_photo": "cadre_visit_photo",
    "admin:visits_visit_photo": "visit_photo",
    "visits:my_needs": "cadre_list",
    "visits:need": "cadre_need",
    "visits:need_step": "cadre_need_step",
    "visits:service_worker": "plain",
    "visits:manifest": "plain",
    "visits:offline_pages": "offline_pages",
    "units:work_group_board": "printable",
    "units:village_cards": "printable",
    "units:cadre_cards": "printable",
    "units:cadre_photo": "printable",
    "units:my_villages": "cadre_list",
    "units:village_survey": "cadre_survey",
    "units:village_survey_year": "cadre_survey",
    "dashboard": "area_page",
    "gap_list": "area_page",
    "ranking": "area_page",
    "report": "report",
    "report_archive": "report_archive",
    "report_archive_download": "report_download",
    "admin:index": "admin_index",
    "admin:login": "plain",
    "admin:logout": "plain",
    "admin:password_change": "own_password",
    "admin:password_change_done": "plain",
    "admin:autocomplete": "autocomplete",
    "admin:jsi18n": "plain",
    "admin:view_on_site": "view_on_site",
    "admin:app_list": "app_list",
    "admin/(?P<url>.*)$": "catch_all",
    "admin:villages_household_reveal": "reveal",
    "admin:villages_household_assign": "assign",
    "admin:villages_village_distribute": "distribute",
    "admin:units_cadre_handover": "handover",
    "admin:units_cadre_pick": "autocomplete",
    "admin:units_cadre_create_login": "create_login",
    "admin:villages_importbatch_progress": "batch_progress",
    "admin:villages_importbatch_confirm": "batch_confirm",
    "admin:villages_importbatch_errors": "batch_errors",
    "admin:villages_county_load_geography": "load_geography",
    "admin:visits_need_follow_up": "follow_up",
    "admin:auth_user_password_change": "user_password",
    "projects:ledger": "ledger",
    "admin:projects_project_step": "project_step",
    "admin:projects_allocation_step": "allocation_step",
    "admin:projects_project_note_photo": "project_photo",
    "admin:projects_activity_photo": "activity_photo",
    "admin:projects_disbursement_voucher": "voucher",
    "satisfaction:my_interviews": "cadre_list",
    "visitflags:days_away": "cadre_days_away",
    "visitflags:delete_days_away": "cadre_delete_days_away",
    "satisfaction:interview": "cadre_interview",
    "admin:satisfaction_round_step": "round_step",
    "admin:satisfaction_round_results": "round_results",
    "admin:satisfaction_round_results_export": "round_results",
    "admin:assessments_checklist_step": "checklist_step",
    "admin:assessments_assessment_step": "assessment_step",
    "admin:assessments_assessment_start": "assessment_start",
    "admin:assessments_assessment_evidence": "evidence",
    "admin:assessments_rectificationitem_step": "item_step",
    "admin:assessments_rectificationitem_photo": "item_photo",
    "reminders:mine": "own_reminders",
    "reminders:mute": "mute_switch",
}


def probe_of(entry: Entry) -> tuple[str, type[models.Model] | None] | None:
    """The probe kind of a pattern and the model it is about; None when no probe covers it."""
    if entry.key in PROBES:
        return PROBES[entry.key], None
    for model in ADMIN_MODELS:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}_"
        if entry.key.startswith(prefix) and entry.key[len(prefix) :] in GENERIC_SUFFIXES:
            return entry.key[len(prefix) :], model
        if entry.key == f"admin/{meta.app_label}/{meta.model_name}/<path:object_id>/":
            return "redirect", model
    return None


def test_every_url_pattern_of_the_project_has_a_probe() -> None:
    entries = url_patterns()
    assert len(entries) > 100
    uncovered = [entry.key for entry in entries if probe_of(entry) is None]
    assert uncovered == [], f"URL patterns without a probe: {uncovered}"
    known = {entry.key for entry in entries}
    assert sorted(set(PROBES) - known) == [], "probes of patterns that no longer exist"
    assert set(ADMIN_MODELS) == set(admin.site._registry), "admin models without access rules"


def test_an_unknown_pattern_is_reported_by_name() -> None:
    assert probe_of(Entry("admin:units_cadre_print_everything", "x")) is None
    assert probe_of(Entry("units:new_page", "x")) is None
    assert probe_of(Entry("admin:units_cadre_change", "x")) == ("change", Cadre)


# --- looking at responses ----------------------------------------------------------------------


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if value is None else str(value) for value in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def body(response: HttpResponse) -> str:
    """The response as text: pages, JSON with its characters, CSV, workbooks, file downloads."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK":
        try:
            return _xlsx_text(content)
        except (zipfile.BadZipFile, KeyError, ValueError):
            return content.decode("latin-1")
    if "json" in kind:
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            pass
    if kind.startswith("image/"):
        return ""
    text = content.decode("utf-8-sig", errors="replace")
    return text + " " + response.get("Location", "")


TABLES: list[type[models.Model]] = [
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
    Visit,
    Need,
    NeedNote,
    VillageSurvey,
    VisitInterval,
    RankingWeights,
    User,
    UserScope,
    Group,
    FundPool,
    Project,
    Project.beneficiaries.through,
    ProjectNote,
    ProjectNeed,
    Allocation,
    Disbursement,
    Activity,
    ActivityPhoto,
    Round,
    Question,
    Interviewer,
    Sample,
    Attempt,
    Answer,
    VillageResult,
    DrawnVillage,
    Checklist,
    Criterion,
    Assessment,
    CriterionScore,
    EvidenceFile,
    RectificationItem,
    RectificationNote,
    ReminderPreference,
    Notification,
    CadreAbsence,
    VisitFlag,
]


def _table_text(model: type[models.Model]) -> str:
    """SQL for one row: the table's rows as one text, in key order (sign-in times aside).

    Table and column names come from the models' metadata, never from a request.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [f.column for f in model._meta.concrete_fields if f.column != "last_login"]
    key = quote(model._meta.pk.column)
    if connection.vendor == "postgresql":
        row = "concat_ws('|', " + ", ".join(f"{quote(c)}::text" for c in columns) + ")"
        return f"SELECT string_agg({row}, E'\\n' ORDER BY {key}) FROM {table}"  # noqa: S608
    row = " || '|' || ".join(f"quote({quote(c)})" for c in columns)
    return f"SELECT group_concat(r, char(10)) FROM (SELECT {row} AS r FROM {table} ORDER BY {key})"  # noqa: S608


def snapshot(*, batches: bool = True) -> dict[str, str]:
    """Every row of the project's tables in one query (the audit trail, admin log and sessions
    aside, and the import batches when an upload may record a refused one)."""
    tables = [*TABLES, ImportBatch] if batches else TABLES
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({_table_text(model)}) AS t{n}"  # noqa: S608
        for n, model in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [row[0] for row in cursor.fetchall()]
    return {model._meta.label: row for model, row in zip(tables, rows, strict=True)}


def difference(before: dict, after: dict) -> str:
    changed = [label for label in before if before[label] != after[label]]
    return ", ".join(changed)


# --- the probes --------------------------------------------------------------------------------


@dataclass
class Run:
    """One role's probes: its client, the world, and the failures found so far."""

    role: str
    world: ProbeWorld
    client: Client
    count: int = 0
    failures: list[str] = field(default_factory=list)
    csp_checked: set[str] = field(default_factory=set)

    # --- where things are

    @property
    def inside(self) -> ProbePlace | None:
        name = INSIDE.get(self.role)
        return self.world.places[name] if name else None

    @property
    def outside(self) -> list[ProbePlace]:
        return [self.world.places[name] for name in OUTSIDE[self.role]]

    @property
    def nearest_outside(self) -> ProbePlace | None:
        """The outside place the per-object probes aim at: the one nearest to the role's own
        (another township of the same county for a township), to keep the run short."""
        return self.outside[0] if self.outside else None

    @property
    def targets(self) -> list[ProbePlace]:
        return self.outside[:1]

    @property
    def user(self) -> Any:
        return self.world.users[self.role]

    def outside_objects(self, model: type[models.Model]) -> list[Any]:
        access = ADMIN_MODELS[model]
        if access.objects is None:
            if self.role in access.readers:
                return []
            return list(model._default_manager.order_by("pk")[:3])
        inside = access.objects(self.inside) if self.inside else []
        return [obj for place in self.targets for obj in access.objects(place) if obj not in inside]

    def inside_object(self, model: type[models.Model]) -> Any:
        """An object of ``model`` the role must reach in admin; None when it reaches none."""
        access = ADMIN_MODELS[model]
        if self.role not in access.readers:
            return None
        if model is AuditEvent:
            # The world's newest event: the trail lists the newest first, a page at a time.
            return self.world.event
        if access.objects is None:
            return model._default_manager.order_by("pk").first()
        return access.objects(self.inside)[0] if self.inside else None

    def markers(self) -> list[str]:
        found = [marker for place in self.outside for marker in place.markers]
        inside = set(self.inside.markers) if self.inside else set()
        counties = {place.place.village.township.county for place in self.outside}
        if self.inside:
            counties.discard(self.inside.place.village.township.county)
        return [m for m in found if m not in inside] + [county.name for county in counties]

    # --- checks

    def check(self, ok: bool, pattern: str, what: str) -> bool:
        self.count += 1
        if not ok:
            self.failures.append(f"{self.role} × {pattern}: {what}")
        return ok

    def look(
        self,
        response: HttpResponse,
        pattern: str,
        url: str,
        *,
        own_upload: bool = False,
        echo: list[str] = (),
    ) -> str:
        """No crash, no outside marker and no full resident ID in ``response``.

        ``echo``: what the request itself sent (a search term, a file's cells), which a page may
        repeat without leaking anything.
        """
        self.check(response.status_code != 500, pattern, f"{url} answered 500")
        page = response.status_code == 200 and "html" in response.get("Content-Type", "")
        if page and pattern not in self.csp_checked:
            self.csp_checked.add(pattern)
            self.check(
                "Content-Security-Policy" in response,
                pattern,
                f"{url} has no Content-Security-Policy",
            )
        text = body(response)
        if self.role in ADMIN_MODELS[AuditEvent].readers and "/auditevent/" in url:
            # The audit trail is the auditor's whole area: it names everyone.
            text = ""
        for sent in sorted(echo, key=len, reverse=True):
            text = text.replace(sent, "")
        leaked = [marker for marker in self.markers() if marker in text]
        self.check(not leaked, pattern, f"{url} shows outside {sorted(set(leaked))}")
        full = [number for number in self.world.full_ids if number in text]
        if own_upload:
            full = [number for number in full if number not in self.world.rejected_ids.values()]
        self.check(not full, pattern, f"{url} shows full resident IDs {full}")
        return text

    def get(self, pattern: str, url: str, data: Any = None, **options: Any) -> HttpResponse:
        response = self.client.get(url, data)
        echo = [str(v) for k, v in (data or {}).items() if k in ("q", "term", "area")]
        self.look(response, pattern, url, echo=echo, **options)
        return response

    def refused(self, pattern: str, url: str, data: Any = None) -> None:
        """A page about an outside object: not answered, and nothing of it shown."""
        response = self.get(pattern, url, data)
        self.check(response.status_code != 200, pattern, f"{url} answered 200")

    def reached(self, pattern: str, url: str, marker: str | None = None, data: Any = None) -> None:
        """A page about an inside object: answered, and showing it."""
        response = self.get(pattern, url, data)
        answered = self.check(response.status_code == 200, pattern, f"inside {url} not reached")
        if answered and marker is not None:
            self.check(marker in body(response), pattern, f"inside {url} lacks {marker}")

    def forged(self, pattern: str, url: str, data: Any, *, what: str = "") -> None:
        """A POST with outside keys: no table changes."""
        with rolled_back():
            before = snapshot(batches=False)
            response = self.client.post(url, data)
            self.look(response, pattern, url)
            changed = difference(before, snapshot(batches=False))
        self.check(not changed, pattern, f"forged POST {url} {what} changed {changed}")

    def saves(self, pattern: str, url: str, data: Any, *, what: str = "") -> None:
        """The same POST with inside keys changes something."""
        with rolled_back():
            before = snapshot(batches=False)
            response = self.client.post(url, data)
            changed = difference(before, snapshot(batches=False))
        detail = ""
        context = getattr(response, "context", None)
        if not changed and context is not None:
            detail = _form_errors(context)
        self.check(
            bool(changed),
            pattern,
            f"control POST {url} {what} with inside keys saved nothing"
            f" ({response.status_code} {detail})",
        )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever a probe's POST wrote is undone, so that a hole found by one probe does not
    change what the next ones see."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _form_errors(context: Any) -> str:
    errors = []
    for name in ("adminform", "form"):
        try:
            form = context[name]
        except KeyError:
            continue
        form = getattr(form, "form", form)
        if hasattr(form, "errors") and form.errors:
            errors.append(form.errors.as_text())
    try:
        for inline in context["inline_admin_formsets"]:
            errors += [str(e) for e in inline.formset.errors if e]
            errors += [str(e) for e in inline.formset.non_form_errors()]
    except KeyError:
        pass
    return " ".join(errors)[:300]


# --- form payloads -----------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def form_payload(form: forms.BaseForm) -> dict[str, Any]:
    """What the browser would send for ``form`` as it was rendered."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{bound.html_name}_{index}"] = _value(part)
        elif isinstance(bound.field, forms.FileField) or value is None:
            continue
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [_value(v) for v in value]
        else:
            data[bound.html_name] = _value(value)
    return data


def admin_form(response: HttpResponse) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The payload of an admin add or change page, and its inline formsets (prefix, formset)."""
    form = response.context["adminform"].form
    data = form_payload(form)
    inlines = []
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= {
            f"{formset.prefix}-{key}": value
            for key, value in formset.management_form.initial.items()
        }
        for sub in formset.forms:
            data |= form_payload(sub)
        inlines.append((formset.prefix, formset))
    return data, inlines


def model_choice_fields(form: forms.BaseForm) -> dict[str, type[models.Model]]:
    return {
        name: field.queryset.model
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField)
    }


def outside_key(run: Run, model: type[models.Model]) -> Any:
    """The key of the nearest object of ``model`` outside the role's area (a county that home
    and next door share is inside for the home township's coordinator)."""
    if model is User:
        return next((p.login.pk for p in run.outside if p.login is not None), None)
    access = ADMIN_MODELS.get(model)
    if access is None or access.objects is None:
        return None
    inside = access.objects(run.inside) if run.inside else []
    found = [obj for p in run.outside for obj in access.objects(p) if obj not in inside]
    return found[0].pk if found else None


# What an add page needs besides its defaults, with inside keys.
ADD_FIELDS: dict[type[models.Model], Callable[[ProbePlace], dict[str, Any]]] = {
    CadreAbsence: lambda p: {
        "cadre": p.place.cadre.pk,
        "starts_on": TODAY,
        "ends_on": TODAY,
        "reason": "培训",
    },
    Household: lambda p: {
        "village": p.place.village.pk,
        "head_name": "新建户主",
        "id_number": unique_resident_id(),
        "members": "2",
        "category": Household.Category.GENERAL,
    },
    Village: lambda p: {
        "township": p.place.village.township.pk,
        "name": "新建村",
        "code": f"{p.place.village.township.code[:9]}901",
        "kind": "village",
    },
    Unit: lambda p: {
        "name": "新建单位",
        "kind": Unit.Kind.PARTY_GOVERNMENT,
        "level": Unit.Level.TOWNSHIP,
        "county": p.place.village.township.county.pk,
        "township": p.place.village.township.pk,
    },
    Cadre: lambda p: {
        "unit": p.place.unit.pk,
        "name": "新建干部",
        "position": "科员",
        "phone": "13500000000",
        "in_service": "on",
    },
    WorkGroup: lambda p: {
        "unit": p.place.unit.pk,
        "village": p.spare.pk,
        "leader": p.successor.pk,
        "established_on": TODAY,
    },
    HouseholdAssignment: lambda p: {
        "household": p.uncovered.pk,
        "cadre": p.successor.pk,
        "started_on": TODAY,
    },
    Visit: lambda p: {
        "household": p.place.household.pk,
        "cadre": p.place.cadre.pk,
        "visited_on": TODAY,
        "method": Visit.Method.HOME,
        "outcome": Visit.Outcome.MET,
        "summary": "新建走访",
    },
    Need: lambda p: {
        "household": p.place.household.pk,
        "visit": p.place.visit.pk,
        "cadre": p.place.cadre.pk,
        "category": Need.Category.MEDICAL,
        "description": "新建诉求",
        "raised_on": TODAY,
    },
    Project: lambda p: {
        "work_group": p.place.work_group.pk,
        "kind": Project.Kind.TRAINING,
        "title": "新建项目",
        "budget_pooled": "1000",
        "beneficiaries": [p.place.household.pk],
    },
    Activity: lambda p: {
        "work_group": p.place.work_group.pk,
        "kind": Activity.Kind.FORUM,
        "held_on": TODAY,
        "title": "新建活动",
        "attendees": "20",
        "households_reached": "10",
    },
}

# A new inline row, with inside keys, for the inlines that take one.
INLINE_ROWS: dict[tuple[type[models.Model], type[models.Model]], Callable[..., dict]] = {
    (WorkGroup, WorkGroupMember): lambda p: {"cadre": p.successor.pk},
    (Visit, Need): lambda p: {
        "category": Need.Category.MEDICAL,
        "description": "新建诉求",
        "cadre": p.place.cadre.pk,
    },
}

# Edits that a change page saves, to show that its form goes through with inside keys.
CHANGE_EDITS: dict[type[models.Model], Callable[[Any], dict[str, Any]]] = {
    Household: lambda h: {"id_number": h.id_number, "members": "7"},
    Village: lambda v: {"name": f"{v.name}改"},
    Cadre: lambda c: {"position": "副科长"},
    WorkGroup: lambda g: {"established_on": "2020-01-02"},
    Visit: lambda v: {"summary": "改过的走访"},
    Need: lambda n: {"description": "改过的诉求"},
    Unit: lambda u: {"name": f"{u.name}改"},
    Project: lambda p: {"title": f"{p.title}改"},
    Activity: lambda a: {"title": f"{a.title}改"},
}
# Forms whose save with inside keys depends on rules other than the area (a unit and its
# cadres are kept at the unit's own level, and the places' units are city-level; a liaison's
# unit links only its own villages): no control save for them.
NO_CONTROL = (
    {("admin:units_unit_change", role) for role in COORDINATORS}
    | {
        (pattern, role)
        for pattern in ("admin:units_workgroup_add", "admin:units_unit_add")
        for role in ("liaison", "other_liaison")
    }
    | {
        (pattern, role)
        for pattern in ("admin:units_cadre_add", "admin:units_cadre_change")
        for role in ("county", "township", "other_township")
    }
)


def form_probes(
    run: Run,
    pattern: str,
    url: str,
    parent: type[models.Model],
    overrides: dict[str, Any],
    *,
    each: bool = True,
) -> None:
    """The page's form with inside keys saves; with outside keys it writes nothing.

    ``each``: one POST per foreign key with only that key from outside (the add pages);
    otherwise one POST with every key from outside (the change pages, whose form is the same).
    """
    page = run.client.get(url)
    run.look(page, pattern, url)
    if page.status_code != 200 or page.context is None or "adminform" not in page.context:
        run.forged(pattern, url, overrides, what="(page refused)")
        return
    base, inlines = admin_form(page)
    base |= overrides
    form = page.context["adminform"].form
    if run.nearest_outside is None:
        return
    if (pattern, run.role) not in NO_CONTROL:
        run.saves(pattern, url, base)
    keys = {
        name: key
        for name, model in model_choice_fields(form).items()
        if (key := outside_key(run, model)) is not None
    }
    if each:
        for name, key in keys.items():
            run.forged(pattern, url, {**base, name: key}, what=f"with outside {name}")
    elif keys:
        run.forged(pattern, url, {**base, **keys}, what=f"with outside {', '.join(keys)}")
    for prefix, formset in inlines:
        row = INLINE_ROWS.get((parent, formset.model))
        if row is None:
            continue
        index = int(base[f"{prefix}-TOTAL_FORMS"])
        added = {**base, f"{prefix}-TOTAL_FORMS": str(index + 1)}
        added |= {f"{prefix}-{index}-{k}": v for k, v in row(run.inside).items()}
        if (pattern, run.role) not in NO_CONTROL:
            run.saves(pattern, url, added, what=f"with a new {prefix} row")
        for name, model in model_choice_fields(formset.empty_form).items():
            key = outside_key(run, model)
            if key is not None and name in row(run.inside):
                forged = {**added, f"{prefix}-{index}-{name}": key}
                run.forged(pattern, url, forged, what=f"with outside {prefix}.{name}")


# --- probes by kind ----------------------------------------------------------------------------


def probe_plain(run: Run, entry: Entry, model: Any) -> None:
    run.get(entry.key, reverse(entry.key))


def probe_own_password(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    run.get(entry.key, url)
    # The form changes the signed-in user's own password only; it takes no key of anyone else.
    others = [u.pk for u in User.objects.exclude(pk=getattr(run.user, "pk", None))]
    before = list(User.objects.filter(pk__in=others).values_list("password", flat=True))
    run.client.post(url, {"old_password": "x", "new_password1": "y", "user": others[0]})
    after = list(User.objects.filter(pk__in=others).values_list("password", flat=True))
    run.check(before == after, entry.key, "changed another user's password")


def probe_set_language(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    client = Client()
    if run.user is not None:
        client.force_login(run.user)
    response = client.post(url, {"language": "en", "next": "https://evil.example/"})
    location = response.get("Location", "")
    run.check("evil.example" not in location, entry.key, f"redirects off-site to {location}")


def probe_app_list(run: Run, entry: Entry, model: Any) -> None:
    labels = sorted({m._meta.app_label for m in admin.site._registry})
    for label in labels:
        run.get(entry.key, reverse(entry.key, args=[label]))


def probe_catch_all(run: Run, entry: Entry, model: Any) -> None:
    for tail in ("no-such-page/", f"villages/household/{run.world.places['far'].uncovered.pk}"):
        run.get(entry.key, f"/admin/{tail}")


def probe_admin_index(run: Run, entry: Entry, model: Any) -> None:
    """The index, then again with every open need and rectification item of the world overdue:
    the overdue box lists the role's own only, and only coordinators and liaisons get it."""
    url = reverse(entry.key)
    run.get(entry.key, url)
    with rolled_back():
        long_ago = timezone.localdate() - datetime.timedelta(days=400)
        Need.objects.open().update(progressed_on=long_ago)
        RectificationItem.objects.open().update(deadline=long_ago)
        text = body(run.get(entry.key, url))
    if run.role in COORDINATORS:
        run.check('id="overdue-box"' in text, entry.key, "no overdue box")
        run.check(run.inside.place.household.head_name in text, entry.key, "no inside need")
    else:
        run.check('id="overdue-box"' not in text, entry.key, f"overdue box for {run.role}")


def _another_user(run: Run) -> Any:
    others = User.objects.exclude(pk=getattr(run.user, "pk", None))
    return others.order_by("pk").first()


def probe_own_reminders(run: Run, entry: Entry, model: Any) -> None:
    """A user's own notifications only; nobody's for a visitor who has not signed in."""
    url = reverse(entry.key)
    with rolled_back():
        other = _another_user(run)
        Notification.objects.create(user=other, day=TODAY, subject="他人提醒", body="他人正文")
        if run.user is not None:
            Notification.objects.create(user=run.user, day=TODAY, subject="本人提醒", body="")
        response = run.get(entry.key, url)
        text = body(response)
    run.check("他人" not in text, entry.key, "shows another user's notification")
    if run.user is None:
        run.check(response.status_code != 200, entry.key, "answered a visitor")
    else:
        run.check("本人提醒" in text, entry.key, "lacks the user's own notification")


def probe_mute_switch(run: Run, entry: Entry, model: Any) -> None:
    """The switch mutes the signed-in user's own reminders, whoever a forged key names."""
    url = reverse(entry.key)
    run.get(entry.key, url)
    other = _another_user(run)
    forged = {"muted": "1", "user": other.pk, "user_id": other.pk}
    if run.user is None:
        run.forged(entry.key, url, forged)
        return
    run.saves(entry.key, url, forged)
    with rolled_back():
        run.client.post(url, forged)
        touched = ReminderPreference.objects.filter(user=other).exists()
    run.check(not touched, entry.key, "muted another user's reminders")


CADRE_LISTS = {
    "visits:my_households": lambda p: p.place.household.head_name,
    "visits:my_needs": lambda p: p.place.need.description,
    "units:my_villages": lambda p: p.place.village.name,
    "satisfaction:my_interviews": lambda p: p.survey.own_sample.household.head_name,
}


def probe_cadre_list(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    if run.role == "cadre":
        run.reached(entry.key, url, CADRE_LISTS[entry.key](run.inside))
    else:
        run.get(entry.key, url)


def _cadre_object(run: Run, entry: Entry, get: Callable[[ProbePlace], Any], marker: str) -> None:
    for place in run.outside:
        run.refused(entry.key, reverse(entry.key, args=[get(place).pk]))
    if run.role == "cadre":
        run.reached(entry.key, reverse(entry.key, args=[get(run.inside).pk]), marker)


def probe_cadre_household(run: Run, entry: Entry, model: Any) -> None:
    _cadre_object(run, entry, lambda p: p.place.household, "甲户主")


def probe_cadre_need(run: Run, entry: Entry, model: Any) -> None:
    _cadre_object(run, entry, lambda p: p.place.need, "甲诉求")


def _visit_form(key: str) -> dict[str, Any]:
    return {
        "visited_on": TODAY,
        "method": Visit.Method.HOME,
        "outcome": Visit.Outcome.MET,
        "summary": "伪造走访",
        "satisfaction": "satisfied",
        "client_key": key,
        "needs-TOTAL_FORMS": "0",
        "needs-INITIAL_FORMS": "0",
    }


def probe_cadre_log_visit(run: Run, entry: Entry, model: Any) -> None:
    for number, place in enumerate(run.outside):
        url = reverse(entry.key, args=[place.place.household.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, _visit_form(f"00000000-0000-4000-8000-00000000000{number}"))
    if run.role == "cadre":
        url = reverse(entry.key, args=[run.inside.place.household.pk])
        run.reached(entry.key, url)
        run.saves(entry.key, url, _visit_form("00000000-0000-4000-8000-000000000009"))


def probe_cadre_visit_photo(run: Run, entry: Entry, model: Any) -> None:
    def url(place: ProbePlace, photo_of: ProbePlace) -> str:
        return reverse(entry.key, args=[place.place.household.pk, photo_of.visit_photo.pk])

    for place in run.outside:
        run.refused(entry.key, url(place, place))
    if run.role == "cadre":
        run.reached(entry.key, url(run.inside, run.inside))
        for place in run.outside:
            # An outside photo under the address of the cadre's own household.
            run.refused(entry.key, url(run.inside, place))


def probe_visit_photo(run: Run, entry: Entry, model: Any) -> None:
    _file_probe(run, entry, lambda p: [p.place.visit.pk, p.visit_photo.pk])
    if run.inside is not None and run.outside:
        url = reverse(entry.key, args=[run.inside.place.visit.pk, run.outside[0].visit_photo.pk])
        run.refused(entry.key, url)


def probe_cadre_need_step(run: Run, entry: Entry, model: Any) -> None:
    step = {"step": "note", "note-text": "伪造进展", "note-on": TODAY}
    for place in run.outside:
        url = reverse(entry.key, args=[place.place.need.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, step)
    if run.role == "cadre":
        run.saves(entry.key, reverse(entry.key, args=[run.inside.place.need.pk]), step)


def probe_cadre_days_away(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    form = {"starts_on": TODAY, "ends_on": TODAY, "reason": "伪造出差"}
    if run.role == "cadre":
        run.reached(entry.key, url, run.inside.absence.reason)
        run.saves(entry.key, url, form)
        # The form names no cadre: whatever is sent, the days away are the signed-in cadre's.
        with rolled_back():
            run.client.post(url, {**form, "cadre": run.outside[0].place.cadre.pk})
            stray = CadreAbsence.objects.filter(reason="伪造出差").exclude(
                cadre=run.inside.place.cadre
            )
            run.check(not stray.exists(), entry.key, "days away recorded for another cadre")
    else:
        run.get(entry.key, url)
        run.forged(entry.key, url, form)


def probe_cadre_delete_days_away(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        url = reverse(entry.key, args=[place.absence.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, {})
    if run.role == "cadre":
        url = reverse(entry.key, args=[run.inside.absence.pk])
        run.reached(entry.key, url, run.inside.absence.starts_on.isoformat())
        run.saves(entry.key, url, {})


def probe_offline_pages(run: Run, entry: Entry, model: Any) -> None:
    """The pages a phone keeps offline: the signed-in cadre's own, never an outside place's."""
    response = run.get(entry.key, reverse(entry.key))
    pages = response.json()["pages"] if response.status_code == 200 else []
    for place in run.outside:
        for page in (
            reverse("visits:household", args=[place.place.household.pk]),
            reverse("visits:need", args=[place.place.need.pk]),
        ):
            run.check(page not in pages, entry.key, f"keeps the outside page {page}")
    if run.role == "cadre":
        own = reverse("visits:household", args=[run.inside.place.household.pk])
        run.check(own in pages, entry.key, f"lacks the cadre's own {own}")


def probe_cadre_survey(run: Run, entry: Entry, model: Any) -> None:
    year = [timezone.localdate().year] if entry.key.endswith("_year") else []
    answers = dict.fromkeys(VillageSurvey.ANSWER_FIELDS, "伪造村情")
    for place in run.outside:
        url = reverse(entry.key, args=[place.place.village.pk, *year])
        run.refused(entry.key, url)
        run.forged(entry.key, url, answers)
    if run.role == "cadre":
        url = reverse(entry.key, args=[run.inside.place.village.pk, *year])
        run.reached(entry.key, url, run.inside.place.village.name)
        run.saves(entry.key, url, answers)


PRINTABLES = {
    "units:work_group_board": (lambda p: p.place.work_group, lambda p: p.place.cadre.name),
    "units:village_cards": (lambda p: p.place.village, lambda p: p.place.household.head_name),
    "units:cadre_cards": (lambda p: p.place.cadre, lambda p: p.place.household.head_name),
    "units:cadre_photo": (lambda p: p.place.cadre, lambda p: None),
}


def probe_printable(run: Run, entry: Entry, model: Any) -> None:
    get, marker = PRINTABLES[entry.key]
    for place in run.outside:
        run.refused(entry.key, reverse(entry.key, args=[get(place).pk]))
    if run.role in COORDINATORS:
        run.reached(entry.key, reverse(entry.key, args=[get(run.inside).pk]), marker(run.inside))
    if entry.key == "units:cadre_cards":
        # A cadre whom several areas see prints only the households of the viewer's area.
        run.get(entry.key, reverse(entry.key, args=[run.world.shared.cadre.pk]))


def _areas(place: ProbePlace) -> list[Any]:
    village = place.place.village
    return [village, village.township, village.township.county]


def probe_area_page(run: Run, entry: Entry, model: Any) -> None:
    urls = (
        [reverse(entry.key, args=[slug]) for slug in coverage.GAPS]
        if entry.key == "gap_list"
        else [reverse(entry.key)]
    )
    inside_areas = set(_areas(run.inside)) if run.inside else set()
    for url in urls:
        run.get(entry.key, url)
        if entry.key == "gap_list":
            events = AuditEvent.objects.count()
            exported = run.get(entry.key, url, {"format": "xlsx"})
            if exported.status_code == 200:
                audited = AuditEvent.objects.count() > events
                run.check(audited, entry.key, f"export {url} not in the audit trail")
        for place in run.targets:
            for area in _areas(place):
                if area not in inside_areas:
                    run.refused(entry.key, url, {"area": area.code})
    # Malformed areas: refused, never an error.
    for bad in ("371728\x00", "9" * 400, "abc"):
        run.get(entry.key, urls[0], {"area": bad})
    if run.role in AREA_COORDINATORS:
        township = run.inside.place.village.township
        if entry.key == "gap_list":
            gaps = reverse(entry.key, args=["households"])
            run.reached(entry.key, gaps, run.inside.uncovered.head_name, {"area": township.code})
            # Each place's own work group has a project this year; the shared unit's groups, in
            # the home and next-door villages, have none: the inside one is listed, and the
            # outside places' names are markers no response may hold.
            idle = reverse(entry.key, args=["groups"])
            run.reached(entry.key, idle, run.world.shared.unit.name, {"area": township.code})
        else:
            run.reached(entry.key, urls[0], township.name, {"area": township.code})


def _ledger_funds(world: ProbeWorld) -> None:
    """A pool of this year, and in each place a project paid from it, named with its tag."""
    pool = FundPool.objects.create(
        source=FundPool.Source.FINANCE, name="探针资金", amount="1000.00", allocated="300.00"
    )
    for place in world.places.values():
        group = place.place.work_group
        project = Project.objects.create(
            work_group=group, kind=Project.Kind.OTHER, title=f"{place.tag}项目", budget_pooled=100
        )
        allocation = Allocation.objects.create(
            pool=pool,
            project=project,
            amount="100.00",
            paid="100.00",
            status=Allocation.Status.DISBURSED,
            approved_at=timezone.now(),
        )
        Disbursement.objects.create(
            allocation=allocation,
            amount="100.00",
            voucher="vouchers/probe.pdf",
            voucher_name=f"{place.tag}凭证.pdf",
        )


def probe_ledger(run: Run, entry: Entry, model: Any) -> None:
    """The ledger page and its workbook: an outside area refused, no outside row in the
    workbook of everything the role sees or of its own township, each download audited."""
    url = reverse(entry.key)
    year = timezone.localdate().year
    with rolled_back():
        _ledger_funds(run.world)
        run.get(entry.key, url)
        inside_areas = set(_areas(run.inside)) if run.inside else set()
        for place in run.targets:
            for area in _areas(place):
                if area not in inside_areas:
                    run.refused(entry.key, url, {"year": year, "area": area.code})
        for bad in ("371728\x00", "9" * 400, "abc"):
            run.get(entry.key, url, {"year": year, "area": bad})
        run.get(entry.key, url, {"year": "1999"})
        events = AuditEvent.objects.count()
        whole = run.get(entry.key, url, {"year": year})
        if whole.status_code == 200:
            audited = AuditEvent.objects.count() > events
            run.check(audited, entry.key, f"ledger {url} not in the audit trail")
        if run.role in COORDINATORS:
            marker = f"{run.inside.tag}凭证.pdf"
            run.check(whole.status_code == 200, entry.key, f"{url} refused the role's own ledger")
            run.check(marker in body(whole), entry.key, f"the ledger lacks {marker}")
        if run.role in AREA_COORDINATORS:
            township = run.inside.place.village.township
            data = {"year": year, "area": township.code}
            run.reached(entry.key, url, f"{run.inside.tag}项目", data)


# --- periodic reports: made on request, the archive and its downloads


def _report_areas(run: Run) -> list[Any]:
    """The areas of the places outside the role's area that are not its own too."""
    inside_areas = set(_areas(run.inside)) if run.inside else set()
    return [area for place in run.outside for area in _areas(place) if area not in inside_areas]


def probe_report(run: Run, entry: Entry, model: Any) -> None:
    """A report of an outside area (or the city, for any but the city) refused and not
    recorded; of the role's own township made and recorded; malformed requests refused."""
    url = reverse(entry.key)
    asked = {"period": REPORT_MONTH, "format": "xlsx"}
    outside = [area.code for area in _report_areas(run)]
    if run.role != "city":
        outside.append(CITY_CODE)
    for code in outside:
        events = AuditEvent.objects.count()
        run.refused(entry.key, url, {**asked, "area": code})
        run.check(AuditEvent.objects.count() == events, entry.key, "refusal audited as report")
    for bad in ("371728\x00", "9" * 400, "abc"):
        run.get(entry.key, url, {**asked, "area": bad})
    for bad in ("2026-13", "1\x00", "9" * 400, ""):
        run.get(entry.key, url, {**asked, "period": bad})
    run.get(entry.key, url, {**asked, "format": "doc"})
    if run.role in AREA_COORDINATORS:
        township = run.inside.place.village.township
        events = AuditEvent.objects.filter(action="report_export").count()
        run.reached(entry.key, url, township.name, {**asked, "area": township.code})
        audited = AuditEvent.objects.filter(action="report_export").count() > events
        run.check(audited, entry.key, f"report {url} not in the audit trail")
    else:
        run.refused(entry.key, url, asked)
        if run.inside is not None:
            township = run.inside.place.village.township
            run.refused(entry.key, url, {**asked, "area": township.code})


def probe_report_archive(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    run.get(entry.key, url)
    outside = [area.code for area in _report_areas(run)]
    if run.role != "city":
        outside.append(CITY_CODE)
    for code in outside:
        run.refused(entry.key, url, {"area": code})
    for bad in ("371728\x00", "9" * 400, "abc"):
        run.get(entry.key, url, {"area": bad})
    run.get(entry.key, url, {"kind": "\x00", "page": "9" * 400})
    if run.role in AREA_COORDINATORS:
        township = run.inside.place.village.township
        run.reached(entry.key, url, township.name, {"area": township.code})
    else:
        run.refused(entry.key, url)


def probe_report_download(run: Run, entry: Entry, model: Any) -> None:
    """An archived report of an outside area (or the city) not found and not recorded; of
    the role's own township handed out and recorded."""
    outside = [area.code for area in _report_areas(run) if not area.is_village]
    if run.role != "city":
        outside.append(CITY_CODE)
    for row in ReportArchive.objects.filter(area_code__in=outside):
        events = AuditEvent.objects.count()
        run.refused(entry.key, reverse(entry.key, args=[row.pk]))
        run.check(AuditEvent.objects.count() == events, entry.key, "refusal audited as download")
    if run.inside is None:
        return
    township = run.inside.place.village.township
    row = ReportArchive.objects.get(area_code=township.code)
    url = reverse(entry.key, args=[row.pk])
    if run.role in AREA_COORDINATORS:
        events = AuditEvent.objects.filter(action="report_export").count()
        # A file is streamed: read once by the look at the response, then again here.
        run.reached(entry.key, url)
        handed = body(run.client.get(url))
        run.check(township.name in handed, entry.key, f"inside {url} lacks {township.name}")
        audited = AuditEvent.objects.filter(action="report_export").count() > events
        run.check(audited, entry.key, f"download {url} not in the audit trail")
    else:
        run.refused(entry.key, url)


# --- admin, generic pages of each model


def _admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def probe_changelist(run: Run, entry: Entry, model: type[models.Model]) -> None:
    url = reverse(entry.key)
    listing = run.get(entry.key, url)
    listed = body(listing)
    access = ADMIN_MODELS[model]
    outside = run.outside_objects(model)
    for number, obj in enumerate(outside):
        change = _admin_url(model, "change", obj.pk)
        run.check(change not in listed, entry.key, f"lists outside #{obj.pk}")
        # Every search term of the first object.
        for term in access.terms(obj) if number == 0 else []:
            found = body(run.get(entry.key, url, {"q": term}))
            run.check(change not in found, entry.key, f"search {term!r} finds outside #{obj.pk}")
    inside = run.inside_object(model)
    if inside is not None:
        change = _admin_url(model, "change", inside.pk)
        run.check(change in listed, entry.key, f"does not list inside #{inside.pk}")
        # Digits hidden by the mask must not be searchable by roles without full personal data.
        oracle = None
        if model in (Household, HouseholdAssignment, Visit, Need):
            household = inside if model is Household else inside.household
            oracle = household.id_number[-8:]
        elif model is Cadre:
            oracle = inside.phone[-5:]
        if oracle is not None:
            found = body(run.get(entry.key, url, {"q": oracle}))
            run.check(
                change not in found,
                entry.key,
                f"search by hidden digits {oracle!r} finds inside #{inside.pk} (an oracle)",
            )
    # Every action of the list, on outside objects only.
    if outside and run.role in FORM_ROLES | {"auditor", "cadre", "no_role", "anonymous"}:
        actions = ["delete_selected", *admin.site._registry[model].actions]
        for action in actions:
            data = {
                "action": action,
                "_selected_action": [obj.pk for obj in outside],
                "index": "0",
                "post": "yes",
                "confirm": "1",
                "on": TODAY,
                "note": "伪造",
                "reason": "伪造",
            }
            run.forged(entry.key, url, data, what=f"action {action}")
    if model is VisitInterval and run.role != "city":
        interval = VisitInterval.objects.order_by("pk").first()
        data = {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": interval.pk,
            "form-0-days": "1",
            "_save": "1",
        }
        run.forged(entry.key, url, data, what="list edit")


def probe_add(run: Run, entry: Entry, model: type[models.Model]) -> None:
    url = reverse(entry.key)
    if model is ImportBatch:
        probe_upload(run, entry)
        return
    fields = ADD_FIELDS.get(model)
    place = run.inside or run.world.places["home"]
    overrides = fields(place) if fields else {"name": "伪造"}
    if model in ADD_FIELDS and run.role in FORM_ROLES:
        form_probes(run, entry.key, url, model, overrides)
        if model is HouseholdAssignment:
            _assignment_rules(run, entry.key, url, lambda cadre: {**overrides, "cadre": cadre.pk})
        return
    run.get(entry.key, url)
    if run.nearest_outside is None and run.role in ADMIN_MODELS[model].readers:
        return
    target = run.nearest_outside or run.world.places["far"]
    forged = fields(target) if fields else {"name": "伪造"}
    run.forged(entry.key, url, forged, what="into an outside place")


def probe_change(run: Run, entry: Entry, model: type[models.Model]) -> None:
    for number, obj in enumerate(run.outside_objects(model)):
        url = reverse(entry.key, args=[obj.pk])
        run.refused(entry.key, url)
        if number == 0:
            forged = {"name": "伪造", "head_name": "伪造", "summary": "伪造", "description": "伪造"}
            run.forged(entry.key, url, forged)
    inside = run.inside_object(model)
    if inside is None:
        return
    url = reverse(entry.key, args=[inside.pk])
    run.reached(entry.key, url)
    if model in CHANGE_EDITS and run.role in FORM_ROLES:
        form_probes(run, entry.key, url, model, CHANGE_EDITS[model](inside), each=False)
    if model is Unit and run.role in {"county", "township", "other_township"}:
        # A city-level unit that other areas see too is edited at the city level only.
        _level_edit(run, entry, run.world.shared.unit)


def _level_edit(run: Run, entry: Entry, unit: Unit) -> None:
    url = reverse(entry.key, args=[unit.pk])
    page = run.get(entry.key, url)
    data = {"name": "改名局"}
    if page.status_code == 200 and page.context and "adminform" in page.context:
        data = {**admin_form(page)[0], "name": "改名局"}
    run.forged(entry.key, url, data, what="renaming a city-level unit")


def probe_history(run: Run, entry: Entry, model: type[models.Model]) -> None:
    for obj in run.outside_objects(model)[:1]:
        run.refused(entry.key, reverse(entry.key, args=[obj.pk]))
    inside = run.inside_object(model)
    if inside is not None:
        run.reached(entry.key, reverse(entry.key, args=[inside.pk]))


def probe_delete(run: Run, entry: Entry, model: type[models.Model]) -> None:
    for number, obj in enumerate(run.outside_objects(model)):
        url = reverse(entry.key, args=[obj.pk])
        if number == 0:
            run.refused(entry.key, url)
        run.forged(entry.key, url, {"post": "yes"})


def probe_redirect(run: Run, entry: Entry, model: type[models.Model]) -> None:
    meta = model._meta
    for obj in run.outside_objects(model)[:1]:
        run.refused(entry.key, f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/")


def _export(run: Run, url: str, query: dict[str, str] | None = None) -> str | None:
    page = run.client.get(url)
    if page.status_code != 200 or page.context is None or "form" not in page.context:
        return None
    form = page.context["form"]
    formats = dict(form.fields["format"].choices)
    choice = next(key for key, label in formats.items() if str(label).lower() == "csv")
    data = {"resource": "0", "format": choice}
    data |= {name: "on" for name, f in form.fields.items() if hasattr(f, "resource_name")}
    if query:
        url = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    response = run.client.post(url, data)
    return run.look(response, "export", url)


def probe_export(run: Run, entry: Entry, model: type[models.Model]) -> None:
    url = reverse(entry.key)
    run.get(entry.key, url)
    exported = _export(run, url)
    inside = run.inside_object(model)
    access = ADMIN_MODELS[model]
    if inside is not None and access.terms(inside):
        name = access.terms(inside)[0]
        run.check(exported is not None and name in exported, entry.key, f"lacks inside {name}")
        if model is Household:
            searched = _export(run, url, {"q": inside.id_number[-8:]})
            run.check(
                searched is None or name not in searched,
                entry.key,
                "export searched by hidden ID digits finds the inside household (an oracle)",
            )


def probe_import(run: Run, entry: Entry, model: type[models.Model]) -> None:
    url = reverse(entry.key)
    page = run.get(entry.key, url)
    if run.role == "city":
        run.check(page.status_code == 200, entry.key, "city coordinators cannot import")
        return
    resource = admin.site._registry[model].get_resource_classes(None)[0]()
    outside = run.outside_objects(model)
    if not outside:
        return
    rows = resource.export(queryset=model._default_manager.filter(pk=outside[0].pk))
    upload = SimpleUploadedFile("伪造.csv", rows.csv.replace("丙", "伪").encode())
    data = {"resource": "0", "format": "0", "import_file": upload}
    run.forged(entry.key, url, data, what="a file changing an outside row")


def probe_process_import(run: Run, entry: Entry, model: type[models.Model]) -> None:
    data = {
        "import_file_name": "probe-missing.csv",
        "original_file_name": "伪造.csv",
        "format": "0",
        "resource": "0",
    }
    run.forged(entry.key, reverse(entry.key), data)


# --- admin, pages of its own


def _term_of(model: type[models.Model], obj: Any) -> list[str]:
    access = ADMIN_MODELS.get(model)
    return access.terms(obj) if access else []


def autocomplete_sources() -> list[tuple[type[models.Model], str, type[models.Model]]]:
    """(source model, field, target) for every foreign key of every admin page and inline."""
    request_free = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        request_free |= {inline.model for inline in model_admin.inlines}
    sources = []
    for model in request_free:
        for model_field in model._meta.get_fields():
            target = getattr(model_field, "related_model", None)
            if (
                isinstance(model_field, models.ForeignKey | models.OneToOneField)
                and target in admin.site._registry
                and admin.site._registry[target].search_fields
            ):
                sources.append((model, model_field.name, target))
    return sorted(sources, key=lambda s: (s[0]._meta.label, s[1]))


def probe_autocomplete(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    reachable = 0
    tried: set[type[models.Model]] = set()
    for source, field_name, target in autocomplete_sources():
        params = {
            "app_label": source._meta.app_label,
            "model_name": source._meta.model_name,
            "field_name": field_name,
        }
        label = f"{entry.key} {source.__name__}.{field_name}"
        for obj in run.outside_objects(target):
            for term in _term_of(target, obj)[:1]:
                response = run.get(label, url, {**params, "term": term})
                ids = json.loads(response.content)["results"] if response.status_code == 200 else []
                offered = [row["id"] for row in ids]
                run.check(str(obj.pk) not in offered, label, f"offers outside #{obj.pk} ({term})")
        inside = run.inside_object(target)
        if inside is not None and _term_of(target, inside) and target not in tried:
            tried.add(target)
            response = run.client.get(url, {**params, "term": _term_of(target, inside)[0]})
            if response.status_code == 200:
                offered = [row["id"] for row in json.loads(response.content)["results"]]
                reachable += str(inside.pk) in offered
            if target is Household:
                hidden = inside.id_number[-8:]
                response = run.client.get(url, {**params, "term": hidden})
                offered = (
                    [row["id"] for row in json.loads(response.content)["results"]]
                    if response.status_code == 200
                    else []
                )
                run.check(
                    str(inside.pk) not in offered,
                    label,
                    f"offers the inside household for hidden ID digits {hidden!r} (an oracle)",
                )
    if run.role in COORDINATORS:
        run.check(reachable > 0, entry.key, "offers no inside object at all")


def probe_view_on_site(run: Run, entry: Entry, model: Any) -> None:
    for target in (Household, Cadre, Village, Need, Visit, WorkGroup):
        content_type = ContentType.objects.get_for_model(target)
        for obj in run.outside_objects(target):
            run.refused(entry.key, reverse(entry.key, args=[content_type.pk, obj.pk]))


def probe_reveal(run: Run, entry: Entry, model: Any) -> None:
    for obj in run.outside_objects(Household):
        url = reverse(entry.key, args=[obj.pk])
        response = run.client.post(url)
        run.look(response, entry.key, url)
        run.check(response.status_code != 200, entry.key, f"{url} answered 200")
    if run.inside is not None:
        # No role of the world has the full-data right: the inside ID stays masked too.
        url = reverse(entry.key, args=[run.inside.place.household.pk])
        run.look(run.client.post(url), entry.key, url)


def probe_assign(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    for place in run.outside:
        query = f"{url}?ids={place.uncovered.pk},{place.place.household.pk}"
        run.get(entry.key, query)
        cadre = (run.inside or place).successor
        data = {"cadre": cadre.pk, "started_on": TODAY, "reason": "伪造"}
        run.forged(entry.key, query, data, what="outside households")
        if run.inside is not None:
            inside_query = f"{url}?ids={run.inside.uncovered.pk}"
            data = {"cadre": place.successor.pk, "started_on": TODAY}
            run.forged(entry.key, inside_query, data, what="an outside cadre")
    if run.role in COORDINATORS:
        query = f"{url}?ids={run.inside.uncovered.pk}"
        run.reached(entry.key, query, run.inside.uncovered.head_name)
        data = {"cadre": run.inside.successor.pk, "started_on": TODAY}
        run.saves(entry.key, query, data)
        _assignment_rules(
            run, entry.key, query, lambda cadre: {"cadre": cadre.pk, "started_on": TODAY}
        )


def _assignment_rules(
    run: Run, pattern: str, url: str, data: Callable[[Cadre], dict[str, Any]]
) -> None:
    """Every path that links a household refuses a cadre out of service, and one already at
    ASSIGNMENT_MAX_PER_CADRE households unless the override is ticked."""
    run.forged(pattern, url, data(run.inside.retired), what="to a cadre out of service")
    if run.role in {"city", "county", "township", "other_township"}:
        run.forged(pattern, url, data(run.world.shared.cadre), what="to a cadre at the maximum")


def probe_distribute(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        village = place.place.village
        url = reverse(entry.key, args=[village.pk])
        run.refused(entry.key, url)
        plan = plan_distribution(village=village, max_per_cadre=10)
        run.forged(entry.key, url, {"max_per_cadre": "10", "plan": plan.fingerprint})
    if run.role in COORDINATORS:
        village = run.inside.place.village
        run.reached(entry.key, reverse(entry.key, args=[village.pk]), village.name)


def probe_handover(run: Run, entry: Entry, model: Any) -> None:
    def data(to: Cadre) -> dict[str, Any]:
        return {"to_cadre": to.pk, "on": TODAY, "reason": "伪造交接"}

    for place in run.outside:
        url = reverse(entry.key, args=[place.place.cadre.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, data((run.inside or place).successor), what="outside cadre")
        if run.inside is not None:
            url = reverse(entry.key, args=[run.inside.place.cadre.pk])
            run.forged(entry.key, url, data(place.successor), what="to an outside cadre")
    if run.role in COORDINATORS:
        url = reverse(entry.key, args=[run.inside.place.cadre.pk])
        run.reached(entry.key, url, run.inside.place.household.head_name)
        run.saves(entry.key, url, data(run.inside.successor))
    _cross_area_handover(run, entry, data)


def _cross_area_handover(run: Run, entry: Entry, data: Callable[[Cadre], dict]) -> None:
    """The shared cadre, whom both townships see, keeps the other township's household."""
    shared = run.world.shared
    if run.role not in ("township", "other_township"):
        return
    other = shared.households["next_door" if run.role == "township" else "home"]
    url = reverse(entry.key, args=[shared.cadre.pk])
    run.get(entry.key, url)
    with rolled_back():
        before = list(HouseholdAssignment.objects.filter(household=other).values())
        run.client.post(url, data(run.inside.successor))
        after = list(HouseholdAssignment.objects.filter(household=other).values())
    run.check(before == after, entry.key, f"{url} moved the outside household {other.head_name}")


def probe_create_login(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        # One cadre with an account (a reset), one without (a new account).
        for cadre in (place.place.cadre, place.successor):
            url = reverse(entry.key, args=[cadre.pk])
            run.refused(entry.key, url)
            run.forged(entry.key, url, {"username": f"伪造{cadre.pk}"})
    # A city-level unit's cadre: not a county's, township's or other unit's liaison's to issue.
    if run.role in COORDINATORS - {"city"}:
        url = reverse(entry.key, args=[run.world.shared.cadre.pk])
        run.forged(entry.key, url, {"username": "共干部账号"}, what="a city-level unit's cadre")
    # The cadre's own unit liaison and the city may issue it; others may or may not.
    if run.role in {"city", "liaison", "other_liaison"}:
        url = reverse(entry.key, args=[run.inside.successor.pk])
        run.reached(entry.key, url, run.inside.successor.name)
        run.saves(entry.key, url, {"username": "新账号"})


def _batches(place: ProbePlace) -> list[ImportBatch]:
    return [place.place.batch, place.error_batch]


def probe_batch_progress(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        for batch in _batches(place):
            run.refused(entry.key, reverse(entry.key, args=[batch.pk]))
    if run.role in AREA_COORDINATORS:
        run.reached(entry.key, reverse(entry.key, args=[run.inside.error_batch.pk]), "status")
    if run.role == "township":
        # A county-wide batch that wrote into the township's village: its coordinator sees it.
        batch = run.world.shared.county_batch
        run.reached(entry.key, reverse(entry.key, args=[batch.pk]), "status")
        page = reverse("admin:villages_importbatch_change", args=[batch.pk])
        run.reached(entry.key, page, "县花名册")


def _code_table(village: Village) -> SimpleUploadedFile:
    """A code table renaming ``village`` and its township."""
    township = village.township
    rows = [
        "统计用区划代码,城乡分类代码,名称",
        f"{township.code},,{township.name}改",
        f"{village.code},220,{village.name}改",
    ]
    return SimpleUploadedFile("区划.csv", "\n".join(rows).encode())


def probe_load_geography(run: Run, entry: Entry, model: Any) -> None:
    """A table naming outside areas renames nothing, at the preview or at the confirm; an
    area coordinator's own table does load."""
    url = reverse(entry.key)
    run.get(entry.key, url)
    for place in run.outside:
        run.forged(entry.key, url, {"file": _code_table(place.place.village)}, what="upload")
        pending = run.client.session.get("geography_load") or {}
        confirm = {"confirm": "1", "sha256": pending.get("sha256", "")}
        run.forged(entry.key, url, confirm, what="confirm")
    if run.role in AREA_COORDINATORS:
        run.client.post(url, {"file": _code_table(run.inside.place.village)})
        pending = run.client.session.get("geography_load") or {}
        run.saves(entry.key, url, {"confirm": "1", "sha256": pending.get("sha256", "")})


def probe_batch_confirm(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        url = reverse(entry.key, args=[place.error_batch.pk])
        with rolled_back():
            before = snapshot()
            run.look(run.client.post(url), entry.key, url)
            changed = difference(before, snapshot())
        run.check(not changed, entry.key, f"confirming outside batch {url} changed {changed}")
    if run.inside is not None and UPLOADERS[INSIDE[run.role]] == run.role:
        run.saves(entry.key, reverse(entry.key, args=[run.inside.error_batch.pk]), {})


def probe_batch_errors(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        run.refused(entry.key, reverse(entry.key, args=[place.error_batch.pk]))
    for name, place in run.world.places.items():
        own = UPLOADERS[name] == run.role
        url = reverse(entry.key, args=[place.error_batch.pk])
        events = AuditEvent.objects.count()
        response = run.client.get(url)
        # Full IDs of rejected rows: for the uploader only (run.look allows them there).
        run.look(response, entry.key, url, own_upload=own)
        if own:
            run.check(response.status_code == 200, entry.key, f"own {url} not downloadable")
        if response.status_code == 200:
            audited = AuditEvent.objects.count() > events
            run.check(audited, entry.key, f"download {url} not in the audit trail")


def probe_follow_up(run: Run, entry: Entry, model: Any) -> None:
    step = {"step": "note", "note-text": "伪造进展", "note-on": TODAY}
    for place in run.outside:
        url = reverse(entry.key, args=[place.place.need.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, step)
    if run.role in COORDINATORS:
        url = reverse(entry.key, args=[run.inside.place.need.pk])
        run.reached(entry.key, url, run.inside.place.need.description)
        run.saves(entry.key, url, step)


def probe_user_password(run: Run, entry: Entry, model: Any) -> None:
    targets = [run.world.users["city"], run.world.places["far"].login]
    data = {"password1": "伪造-a-long-password-1", "password2": "伪造-a-long-password-1"}
    for user in targets:
        url = reverse(entry.key, args=[user.pk])
        if run.role == "city":
            run.reached(entry.key, url)
            continue
        run.refused(entry.key, url)
        run.forged(entry.key, url, {**data, "usable_password": "true"})


# --- uploads to an outside target


def _roster(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def probe_upload(run: Run, entry: Entry) -> None:
    """An upload aimed outside the area: nothing outside changes, even after confirming."""
    url = reverse(entry.key)
    run.get(entry.key, url)
    run.get(entry.key, url, {"kind": ImportBatch.Kind.ASSIGNMENTS})
    if run.nearest_outside is None:
        return
    target = run.nearest_outside
    household = target.place.household
    roster = _roster(
        [
            ["村", "户主姓名", "身份证号码", "家庭人口", "联系电话", "家庭住址"],
            [target.place.village.name, "伪造户主", household.id_number, 9, "13000000000", "伪"],
            [target.place.village.name, "伪造新户", unique_resident_id(), 2, "", ""],
        ]
    )
    village = target.place.village
    aims = [("village", village)]
    if run.role in FORM_ROLES:
        aims += [("township", village.township), ("county", village.township.county)]
    if run.inside is not None and run.role in {"township", "other_township", "liaison"}:
        # The user's own county is wider than their area.
        aims.append(("county", run.inside.place.village.township.county))
    for field_name, area in dict.fromkeys(aims):
        _upload(run, entry, url, roster, {field_name: area.pk}, f"roster into {area}")
    inside_cadre = (run.inside or run.world.places["home"]).place.cadre
    links = _roster(
        [
            ["单位", "干部姓名", "户主身份证号"],
            [inside_cadre.unit.name, inside_cadre.name, target.uncovered.id_number],
            [target.place.unit.name, target.place.cadre.name, household.id_number],
        ]
    )
    query = f"{url}?kind={ImportBatch.Kind.ASSIGNMENTS}"
    _upload(run, entry, query, links, {"reassign_households": "on"}, "links to outside")


def _upload(run: Run, entry: Entry, url: str, data: bytes, fields: dict, what: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(data.decode())) for cell in row if cell]
    echo = cells + [mask_resident_id(c) for c in cells] + [mask_phone(c) for c in cells]
    with rolled_back():
        before = snapshot(batches=False)
        newest = ImportBatch.objects.order_by("-pk").values_list("pk", flat=True).first()
        upload = SimpleUploadedFile("伪造.csv", data, content_type="text/csv")
        response = run.client.post(url, {"file": upload, **fields})
        run.look(response, entry.key, url, echo=echo)
        made = ImportBatch.objects.filter(pk__gt=newest).order_by("pk")
        for batch in made:
            page = reverse("admin:villages_importbatch_change", args=[batch.pk])
            run.look(run.client.get(page), entry.key, page, echo=echo)
            run.client.post(reverse("admin:villages_importbatch_confirm", args=[batch.pk]))
            run.look(run.client.get(page), entry.key, page, echo=echo)
        changed = difference(before, snapshot(batches=False))
    run.check(not changed, entry.key, f"upload of {what} (then confirmed) changed {changed}")


# --- projects and funds: the steps, photos and vouchers


def _project_step_data(run: Run, place: ProbePlace) -> dict[str, dict[str, Any]]:
    return {
        "start": {"on": TODAY},
        "complete": {"on": TODAY},
        "accept": {"note": "伪造验收"},
        "apply": {"pool": run.world.pool.pk, "amount": "100", "purpose": "伪造申报"},
        "note": {"text": "伪造进展", "on": TODAY},
        "resolve_need": {"need": place.place.need.pk, "satisfaction": "satisfied", "on": TODAY},
    }


def probe_project_step(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        project = place.funds.project
        for step, data in _project_step_data(run, place).items():
            url = reverse(entry.key, args=[project.pk, step])
            run.refused(entry.key, url)
            run.forged(entry.key, url, data, what=f"step {step} on an outside project")
    if run.inside is None or run.role not in COORDINATORS:
        return
    project = run.inside.funds.project
    for step in _project_step_data(run, run.inside):
        run.reached(entry.key, reverse(entry.key, args=[project.pk, step]), project.title)
    note = reverse(entry.key, args=[project.pk, "note"])
    run.saves(entry.key, note, {"text": "进展", "on": TODAY})
    apply = reverse(entry.key, args=[project.pk, "apply"])
    run.saves(entry.key, apply, {"pool": run.world.pool.pk, "amount": "100"})
    resolve = reverse(entry.key, args=[project.pk, "resolve_need"])
    for place in run.outside:
        data = _project_step_data(run, place)["resolve_need"]
        run.forged(entry.key, resolve, data, what="resolving an outside need")


def _allocation_step_data() -> dict[str, dict[str, Any]]:
    return {
        "review": {"note": "伪造审核"},
        "give_back": {"reason": "伪造退回"},
        "approve": {},
        "disburse": {
            "amount": "1",
            "paid_on": TODAY,
            "voucher": SimpleUploadedFile("伪造凭证.pdf", pdf_bytes()),
        },
    }


def probe_allocation_step(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        for allocation in (place.funds.allocation, place.funds.applied):
            for step, data in _allocation_step_data().items():
                url = reverse(entry.key, args=[allocation.pk, step])
                if allocation is place.funds.applied:
                    run.refused(entry.key, url)
                run.forged(entry.key, url, data, what=f"step {step} on an outside allocation")
    if run.inside is None or run.role not in COORDINATORS:
        return
    applied = run.inside.funds.applied
    for step in _allocation_step_data():
        url = reverse(entry.key, args=[applied.pk, step])
        run.reached(entry.key, url, run.inside.funds.project.title)
    url = reverse(entry.key, args=[applied.pk, "give_back"])
    if run.role in AREA_COORDINATORS:
        run.saves(entry.key, url, {"reason": "预算不实"})
    else:
        run.forged(entry.key, url, {"reason": "联络员退回"}, what="returned by a liaison")
    paid = reverse(entry.key, args=[run.inside.funds.allocation.pk, "disburse"])
    if run.role == "city":
        run.saves(entry.key, paid, _allocation_step_data()["disburse"])
    else:
        run.forged(entry.key, paid, _allocation_step_data()["disburse"], what="paid outside city")


def _file_probe(run: Run, entry: Entry, args: Callable[[ProbePlace], list[Any]]) -> None:
    for place in run.outside:
        run.refused(entry.key, reverse(entry.key, args=args(place)))
    if run.inside is not None and run.role in COORDINATORS:
        run.reached(entry.key, reverse(entry.key, args=args(run.inside)))


def probe_project_photo(run: Run, entry: Entry, model: Any) -> None:
    _file_probe(run, entry, lambda p: [p.funds.project.pk, p.funds.note.pk])
    if run.inside is not None and run.outside:
        # An outside note under an inside project's address.
        url = reverse(entry.key, args=[run.inside.funds.project.pk, run.outside[0].funds.note.pk])
        run.refused(entry.key, url)


def probe_activity_photo(run: Run, entry: Entry, model: Any) -> None:
    _file_probe(run, entry, lambda p: [p.funds.activity.pk, p.funds.photo.pk])
    if run.inside is not None and run.outside:
        url = reverse(entry.key, args=[run.inside.funds.activity.pk, run.outside[0].funds.photo.pk])
        run.refused(entry.key, url)


def probe_voucher(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        events = AuditEvent.objects.count()
        run.refused(entry.key, reverse(entry.key, args=[place.funds.disbursement.pk]))
        run.check(AuditEvent.objects.count() == events, entry.key, "refusal audited as download")
    if run.inside is not None and run.role in COORDINATORS:
        url = reverse(entry.key, args=[run.inside.funds.disbursement.pk])
        events = AuditEvent.objects.filter(action="voucher_download").count()
        run.reached(entry.key, url)
        audited = AuditEvent.objects.filter(action="voucher_download").count() > events
        run.check(audited, entry.key, f"download {url} not in the audit trail")


# --- satisfaction surveys: the interviewer's form, the round's steps and results


def _interview_form(key: str) -> dict[str, Any]:
    return {"reached": "no", "method": "phone", "note": "伪造", "submission_key": key}


def probe_cadre_interview(run: Run, entry: Entry, model: Any) -> None:
    for number, place in enumerate(run.outside):
        url = reverse(entry.key, args=[place.survey.sample.pk])
        run.refused(entry.key, url)
        run.forged(entry.key, url, _interview_form(f"00000000-0000-4000-9000-00000000000{number}"))
    if run.role == "cadre":
        url = reverse(entry.key, args=[run.inside.survey.own_sample.pk])
        run.reached(entry.key, url, "甲测评户")
        run.saves(entry.key, url, _interview_form("00000000-0000-4000-9000-000000000009"))


ROUND_STEPS = {"draw": {"seed": "1"}, "staff": {}, "start": {}, "refresh": {}, "close": {}}


def probe_round_step(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        for step, data in ROUND_STEPS.items():
            url = reverse(entry.key, args=[place.survey.township_round.pk, step])
            run.refused(entry.key, url)
            run.forged(entry.key, url, data, what=f"step {step} on an outside round")
    if run.inside is None or run.role not in COORDINATORS:
        return
    round = run.inside.survey.township_round
    url = reverse(entry.key, args=[round.pk, "draw"])
    run.reached(entry.key, url, round.name)
    if run.role in AREA_COORDINATORS:
        run.saves(entry.key, url, {"seed": "7"})
    else:
        run.forged(entry.key, url, {"seed": "7"}, what="drawn by a liaison")


def probe_round_results(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        run.refused(entry.key, reverse(entry.key, args=[place.survey.township_round.pk]))
    city_round = run.world.places["home"].survey.sample.round
    url = reverse(entry.key, args=[city_round.pk])
    if run.role in COORDINATORS:
        run.reached(entry.key, url)
    else:
        run.refused(entry.key, url)


# --- 双创 assessments: the steps, the start page, evidence files and rectification photos

FILLERS = {"city", "township", "other_township", "liaison", "other_liaison"}
REVIEWERS = {"city", "township", "other_township"}


def _assessment_step_data(place: ProbePlace) -> dict[str, tuple[Assessment, dict[str, Any]]]:
    """Each step of an assessment, on the place's assessment at that step or nearest to it."""
    found = place.assessments
    scores = {}
    for row in found.draft.scores.select_related("criterion"):
        scores[f"points_{row.criterion_id}"] = str(row.criterion.weight)
        scores[f"text_{row.criterion_id}"] = "伪造佐证"
    upload = SimpleUploadedFile("伪造.png", png_bytes())
    item = {"task": "伪造整改", "responsible": "伪造", "deadline": TODAY}
    return {
        "fill": (found.draft, scores),
        "evidence": (found.draft, {"score": found.evidence.score_id, "upload": upload}),
        "remove_evidence": (found.draft, {"evidence": found.evidence.pk}),
        "submit": (found.draft, {}),
        "review": (found.draft, {**scores, "comment": "伪造审核"}),
        "return": (found.draft, {"comment": "伪造退回"}),
        "approve": (found.draft, {"comment": "伪造审定"}),
        "send_back": (found.draft, {"comment": "伪造重审"}),
        "rectify": (found.approved, item),
    }


def probe_assessment_step(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        for step, (assessment, data) in _assessment_step_data(place).items():
            url = reverse(entry.key, args=[assessment.pk, step])
            run.refused(entry.key, url)
            run.forged(entry.key, url, data, what=f"step {step} on an outside assessment")
    if run.inside is None or run.role not in COORDINATORS:
        return
    steps = _assessment_step_data(run.inside)
    for step, (assessment, _data) in steps.items():
        run.reached(entry.key, reverse(entry.key, args=[assessment.pk, step]))
    for step, allowed in (("fill", FILLERS), ("rectify", REVIEWERS)):
        assessment, data = steps[step]
        url = reverse(entry.key, args=[assessment.pk, step])
        if run.role in allowed:
            run.saves(entry.key, url, data)
        else:
            run.forged(entry.key, url, data, what=f"step {step} by {run.role}")
    draft = run.inside.assessments.draft
    url = reverse(entry.key, args=[draft.pk, "evidence"])
    remove = reverse(entry.key, args=[draft.pk, "remove_evidence"])
    for place in run.outside:
        upload = SimpleUploadedFile("伪造.png", png_bytes())
        data = {"score": place.assessments.evidence.score_id, "upload": upload}
        run.forged(entry.key, url, data, what="evidence for an outside criterion score")
        data = {"evidence": place.assessments.evidence.pk}
        run.forged(entry.key, remove, data, what="removing an outside evidence file")


def probe_assessment_start(run: Run, entry: Entry, model: Any) -> None:
    url = reverse(entry.key)
    page = run.get(entry.key, url)
    if run.role not in COORDINATORS:
        run.check(page.status_code != 200, entry.key, f"{url} answered 200")
    outside = [p.place.village for p in run.outside] + [p.spare for p in run.outside]
    with rolled_back():
        run.look(run.client.post(url, {"year": START_YEAR}), entry.key, url)
        opened = Assessment.objects.filter(year=START_YEAR)
        leaked = list(opened.filter(village__in=outside).values_list("village__name", flat=True))
        run.check(not leaked, entry.key, f"opened assessments outside: {leaked}")
        if run.inside is not None and run.role in FILLERS:
            village = run.inside.place.village
            ok = opened.filter(village=village).exists()
            run.check(ok, entry.key, "control: no assessment opened in the inside village")
        elif run.role not in FILLERS:
            run.check(not opened.exists(), entry.key, f"{run.role} opened assessments")


def probe_evidence(run: Run, entry: Entry, model: Any) -> None:
    def args(place: ProbePlace) -> list[int]:
        return [place.assessments.draft.pk, place.assessments.evidence.pk]

    for place in run.outside:
        events = AuditEvent.objects.count()
        run.refused(entry.key, reverse(entry.key, args=args(place)))
        run.check(AuditEvent.objects.count() == events, entry.key, "refusal audited as download")
    if run.inside is None or run.role not in COORDINATORS:
        return
    url = reverse(entry.key, args=args(run.inside))
    events = AuditEvent.objects.filter(action="evidence_download").count()
    run.reached(entry.key, url)
    audited = AuditEvent.objects.filter(action="evidence_download").count() > events
    run.check(audited, entry.key, f"download {url} not in the audit trail")
    for place in run.outside:
        # An outside file under an inside assessment's address.
        cross = [run.inside.assessments.draft.pk, place.assessments.evidence.pk]
        run.refused(entry.key, reverse(entry.key, args=cross))


def _item_step_data() -> dict[str, dict[str, Any]]:
    return {
        "note": {"text": "伪造进展"},
        "done": {"text": "伪造完成"},
        "accept": {},
        "reopen": {"reason": "伪造重新整改"},
    }


def probe_item_step(run: Run, entry: Entry, model: Any) -> None:
    for place in run.outside:
        item = place.assessments.item
        for step, data in _item_step_data().items():
            url = reverse(entry.key, args=[item.pk, step])
            run.refused(entry.key, url)
            run.forged(entry.key, url, data, what=f"step {step} on an outside item")
    if run.inside is None or run.role not in COORDINATORS:
        return
    item = run.inside.assessments.item
    for step in _item_step_data():
        run.reached(entry.key, reverse(entry.key, args=[item.pk, step]), item.task)
    url = reverse(entry.key, args=[item.pk, "note"])
    if run.role in FILLERS:
        run.saves(entry.key, url, {"text": "进展"})
    else:
        run.forged(entry.key, url, {"text": "进展"}, what=f"note by {run.role}")


def probe_item_photo(run: Run, entry: Entry, model: Any) -> None:
    _file_probe(run, entry, lambda p: [p.assessments.item.pk, p.assessments.note.pk])
    if run.inside is not None and run.outside:
        cross = [run.inside.assessments.item.pk, run.outside[0].assessments.note.pk]
        run.refused(entry.key, reverse(entry.key, args=cross))


def probe_checklist_step(run: Run, entry: Entry, model: Any) -> None:
    checklist = Checklist.objects.get(year=YEAR)
    url = reverse(entry.key, args=[checklist.pk, "copy"])
    if run.role in COORDINATORS:
        run.reached(entry.key, url)
    else:
        run.refused(entry.key, url)
    if run.role == "city":
        run.saves(entry.key, url, {"to_year": YEAR + 5})
    else:
        run.forged(entry.key, url, {"to_year": YEAR + 5}, what=f"copied by {run.role}")


PROBE_FUNCTIONS: dict[str, Callable[[Run, Entry, Any], None]] = {
    name.removeprefix("probe_"): function
    for name, function in globals().items()
    if name.startswith("probe_") and callable(function)
}
PROBE_COUNTS: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_probe_counts() -> Iterator[None]:
    yield
    print(f"\nURL probes run: {sum(PROBE_COUNTS.values())} ({dict(PROBE_COUNTS)})")


def test_every_probe_kind_has_a_probe() -> None:
    kinds = set(PROBES.values()) | GENERIC_SUFFIXES | {"redirect"}
    assert sorted(kinds - set(PROBE_FUNCTIONS)) == []


@pytest.fixture
def quiet_requests() -> Iterator[None]:
    """Refused requests are the point here; their log lines would drown the failures."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("role", ROLES)
def test_no_url_of_the_project_reaches_outside_the_role_s_area(
    world: ProbeWorld, role: str, quiet_requests: None
) -> None:
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    run = Run(role, world, client)
    for entry in url_patterns():
        found = probe_of(entry)
        assert found is not None, f"no probe covers {entry.key}"
        kind, model = found
        PROBE_FUNCTIONS[kind](run, entry, model)
    PROBE_COUNTS[role] = run.count
    print(f"\n{role}: {run.count} probes, {len(run.failures)} failed")
    assert run.count > 100
    assert run.failures == [], "\n" + "\n".join(run.failures)
