"""Plain builders for test objects: ``make_household(**overrides)`` and friends."""

import datetime
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfWriter

from assessments.models import Checklist, Criterion
from projects.models import Activity, Allocation, FundPool, Project
from shuanglian.access.scope import coordinator_permissions
from shuanglian.models import UserScope
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from villages.imports import batches
from villages.models import City, County, Household, ImportBatch, Township, Village
from villages.validators import check_character
from visits.models import Need, NeedNote, Visit, VisitInterval

_sequence = itertools.count(1)


def resident_id(n: int, *, region: str = "371728", born: str = "19800101") -> str:
    """A valid 18-character resident ID, distinct for each ``n`` below 1000 per birth date."""
    body = f"{region}{born}{n % 1000:03d}"
    return body + check_character(body)


def unique_resident_id() -> str:
    n = next(_sequence)
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    return resident_id(n, born=f"{born:%Y%m%d}")


def make_city(**overrides: Any) -> City:
    return City.objects.get_or_create(
        code=overrides.pop("code", "371700000000"), defaults={"name": "菏泽市", **overrides}
    )[0]


def make_county(**overrides: Any) -> County:
    fields = {"code": "371728000000", "name": "东明县", **overrides}
    fields.setdefault("city", make_city())
    return County.objects.create(**fields)


def make_township(**overrides: Any) -> Township:
    if "county" not in overrides:
        overrides["county"] = County.objects.filter(code="371728000000").first() or make_county()
    n, code = _free_code(Township, overrides["county"].code[:6], "000")
    fields = {"code": code, "name": f"镇{n}", **overrides}
    return Township.objects.create(**fields)


def make_village(**overrides: Any) -> Village:
    if "township" not in overrides:
        overrides["township"] = make_township()
    n, code = _free_code(Village, overrides["township"].code[:9], "")
    fields = {"code": code, "name": f"村{n}", **overrides}
    return Village.objects.create(**fields)


def _free_code(model: Any, prefix: str, suffix: str) -> tuple[int, str]:
    """The next number whose three-digit code is free: the numbers wrap at 1,000, and the
    Heze fixture's real codes sit among them."""
    while True:
        n = next(_sequence)
        code = f"{prefix}{n % 1000:03d}{suffix}"
        if not model.objects.filter(code=code).exists():
            return n, code


def make_household(**overrides: Any) -> Household:
    if "village" not in overrides:
        overrides["village"] = make_village()
    n = next(_sequence)
    fields = {
        "head_name": f"户主{n}",
        "id_number": unique_resident_id(),
        "phone": "13800138000",
        "members": 3,
        **overrides,
    }
    return Household.objects.create(**fields)


def make_unit(**overrides: Any) -> Unit:
    n = next(_sequence)
    fields = {"name": f"单位{n}", "kind": Unit.Kind.PARTY_GOVERNMENT, **overrides}
    return Unit.objects.create(**fields)


def make_cadre(**overrides: Any) -> Cadre:
    if "unit" not in overrides:
        overrides["unit"] = make_unit()
    n = next(_sequence)
    fields = {"name": f"干部{n}", "position": "科员", "phone": "13900139000", **overrides}
    return Cadre.objects.create(**fields)


def make_work_group(**overrides: Any) -> WorkGroup:
    if "unit" not in overrides:
        overrides["unit"] = make_unit()
    if "village" not in overrides:
        overrides["village"] = make_village()
    return WorkGroup.objects.create(**overrides)


def make_work_group_member(**overrides: Any) -> WorkGroupMember:
    """A member of ``work_group`` (a new group if not given), by default a new cadre of its unit."""
    if "work_group" not in overrides:
        overrides["work_group"] = make_work_group()
    if "cadre" not in overrides:
        overrides["cadre"] = make_cadre(unit=overrides["work_group"].unit)
    return WorkGroupMember.objects.create(**overrides)


def make_assignment(**overrides: Any) -> HouseholdAssignment:
    if "household" not in overrides:
        overrides["household"] = make_household()
    if "cadre" not in overrides:
        overrides["cadre"] = make_cadre()
    return HouseholdAssignment.objects.create(**overrides)


def make_visit(**overrides: Any) -> Visit:
    if "household" not in overrides:
        overrides["household"] = make_household()
    if "cadre" not in overrides:
        overrides["cadre"] = make_cadre()
    fields = {"visited_on": timezone.localdate(), "summary": "了解近况", **overrides}
    return Visit.objects.create(**fields)


def make_need(**overrides: Any) -> Need:
    if "household" not in overrides:
        overrides["household"] = make_household()
    if "cadre" not in overrides:
        overrides["cadre"] = make_cadre()
    fields = {"category": Need.Category.MEDICAL, "description": "看病报销", **overrides}
    return Need.objects.create(**fields)


def make_visit_intervals(**days: int) -> None:
    """The default intervals (a flushed test database loses the seeded ones), with overrides."""
    defaults = {"monitored": 30, "destitute": 30, "lifted": 60, "subsistence": 60, "general": 90}
    for category, value in {**defaults, **days}.items():
        VisitInterval.objects.update_or_create(category=category, defaults={"days": value})


def make_village_survey(**overrides: Any) -> VillageSurvey:
    if "village" not in overrides:
        overrides["village"] = make_village()
    if "recorded_by" not in overrides:
        overrides["recorded_by"] = make_cadre()
    fields = {"year": timezone.localdate().year, "main_problems": "生产路需硬化", **overrides}
    return VillageSurvey.objects.create(**fields)


def make_user(username: str, **overrides: Any) -> Any:
    password = overrides.pop("password", "a-long-test-password")
    user = get_user_model().objects.create_user(username=username, password=password, **overrides)
    return user


def make_staff_user(
    username: str, *permissions: str, role: str | None = "city", **overrides: Any
) -> Any:
    """A staff user holding the given permissions, named ``"app_label.codename"``.

    ``role`` and the scope fields (``county``, ``township``, ``unit``, ``full_personal_data``)
    make its UserScope; ``role=None`` leaves the user without one.
    """
    scope_fields = {
        name: overrides.pop(name)
        for name in ("county", "township", "unit", "full_personal_data")
        if name in overrides
    }
    user = make_user(username, is_staff=True, **overrides)
    if role is not None:
        UserScope.objects.create(user=user, role=role, **scope_fields)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_import_batch(rows: list[list[object]] | None = None, **overrides: Any) -> ImportBatch:
    """A checked roster batch for one village, waiting for confirmation."""
    village = overrides.pop("village", None) or make_village()
    rows = rows or [
        ["户主姓名", "身份证号码", "家庭人口"],
        ["王建国", unique_resident_id(), 3],
        ["李秀英", "", 2],
    ]
    data = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    batch = batches.create_batch(
        data=data, file_name=overrides.pop("file_name", "花名册.csv"), scope=village, **overrides
    )
    return batches.check_batch(batch)


def make_assignment_batch(rows: list[list[object]] | None = None, **overrides: Any) -> ImportBatch:
    """A checked city-wide assignment batch (one new link by default), waiting to be confirmed."""
    if rows is None:
        cadre = make_cadre()
        rows = [
            ["单位", "干部姓名", "户主身份证号"],
            [cadre.unit.name, cadre.name, make_household().id_number],
        ]
    data = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    batch = batches.create_batch(
        data=data,
        file_name=overrides.pop("file_name", "联系户.csv"),
        scope=overrides.pop("scope", None),
        kind=ImportBatch.Kind.ASSIGNMENTS,
        **overrides,
    )
    return batches.check_batch(batch)


def make_coordinator(username: str, role: str, **scope: Any) -> Any:
    """A staff user with every permission of the project's apps, seeing only ``role``'s scope."""
    user = make_staff_user(username, role=role, **scope)
    user.user_permissions.add(*coordinator_permissions())
    return user


@dataclass
class Place:
    """One village with a unit linking it and one of each record made there."""

    village: Village
    unit: Unit
    cadre: Cadre
    work_group: WorkGroup
    member: WorkGroupMember
    household: Household
    assignment: HouseholdAssignment
    visit: Visit
    need: Need
    note: NeedNote
    survey: VillageSurvey
    batch: ImportBatch


def make_place(*, township: Township, tag: str) -> Place:
    """A village of ``township`` and its records, named with ``tag`` for searching pages."""
    village = make_village(township=township, name=f"{tag}村")
    unit = make_unit(name=f"{tag}局")
    cadre = make_cadre(unit=unit, name=f"{tag}干部")
    work_group = make_work_group(unit=unit, village=village, leader=cadre)
    member = make_work_group_member(work_group=work_group, cadre=cadre)
    household = make_household(village=village, head_name=f"{tag}户主")
    assignment = make_assignment(household=household, cadre=cadre)
    visit = make_visit(household=household, cadre=cadre, summary=f"{tag}走访")
    need = make_need(household=household, cadre=cadre, visit=visit, description=f"{tag}诉求")
    note = NeedNote.objects.create(
        need=need, status=need.status, level=need.level, text=f"{tag}进展"
    )
    survey = make_village_survey(village=village, recorded_by=cadre)
    batch = ImportBatch.objects.create(
        village=village, file_name=f"{tag}花名册.xlsx", sha256="0" * 64, file="rosters/x.xlsx"
    )
    return Place(
        village,
        unit,
        cadre,
        work_group,
        member,
        household,
        assignment,
        visit,
        need,
        note,
        survey,
        batch,
    )


def recorded_at(at: datetime.datetime, **fields: Any) -> Any:
    """An audit event recorded at ``at`` (events cannot be changed afterwards)."""
    from unittest import mock

    from shuanglian.audit.trail import record

    with mock.patch("django.utils.timezone.now", return_value=at):
        return record(**fields)


def make_units_at_each_level(*, home: "Place", far: "Place") -> dict[str, Unit]:
    """Besides the home place's city-level unit, a county-level and a township-level unit of the
    home area, each linking the home village, and a county-level unit of the far county linking
    the far village."""
    home_township = home.village.township
    county = make_unit(name="甲县局", level=Unit.Level.COUNTY, county=home_township.county)
    township = make_unit(
        name="甲镇站",
        level=Unit.Level.TOWNSHIP,
        county=home_township.county,
        township=home_township,
    )
    far_county = make_unit(
        name="丙县局", level=Unit.Level.COUNTY, county=far.village.township.county
    )
    for unit in (county, township):
        make_work_group(unit=unit, village=home.village)
    make_work_group(unit=far_county, village=far.village)
    return {"city": home.unit, "county": county, "township": township, "far_county": far_county}


def client_for(user: Any) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def make_fund_pool(**overrides: Any) -> FundPool:
    n = next(_sequence)
    fields = {
        "source": FundPool.Source.FINANCE,
        "name": f"涉农资金{n}",
        "amount": Decimal("100000.00"),
        **overrides,
    }
    return FundPool.objects.create(**fields)


def make_project(**overrides: Any) -> Project:
    """A planned project of ``work_group`` (a new group if not given), 50,000 yuan of it pooled."""
    if "work_group" not in overrides:
        overrides["work_group"] = make_work_group()
    n = next(_sequence)
    fields = {
        "kind": Project.Kind.INFRASTRUCTURE,
        "title": f"硬化道路{n}",
        "budget_pooled": Decimal("50000.00"),
        **overrides,
    }
    return Project.objects.create(**fields)


def make_allocation(**overrides: Any) -> Allocation:
    """An application (申报) for a project's pooled funds, written as it stands, steps unchecked."""
    if "project" not in overrides:
        overrides["project"] = make_project()
    if "pool" not in overrides:
        overrides["pool"] = make_fund_pool()
    fields = {"amount": Decimal("10000.00"), **overrides}
    return Allocation.objects.create(**fields)


def make_activity(**overrides: Any) -> Activity:
    if "work_group" not in overrides:
        overrides["work_group"] = make_work_group()
    n = next(_sequence)
    fields = {"kind": Activity.Kind.TRAINING, "title": f"技能培训班{n}", **overrides}
    return Activity.objects.create(**fields)


def make_funded_project(**overrides: Any) -> Project:
    """A project (``make_project(**overrides)``) with an approved allocation paid in part with a
    PDF voucher, a progress note and an activity of its work group. Writes the voucher to
    MEDIA_ROOT: point it at a temporary folder."""
    from projects import allocations
    from projects import projects as project_steps

    project = make_project(**overrides)
    allocation = allocations.apply_for(
        project=project, pool=make_fund_pool(), amount="1000", by=None
    )
    allocations.review(allocation=allocation, by=None)
    allocations.approve(allocation=allocation, by=None)
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    voucher = io.BytesIO()
    writer.write(voucher)
    upload = SimpleUploadedFile("拨付凭证.pdf", voucher.getvalue())
    allocations.disburse(allocation=allocation, amount="100", voucher=upload, by=None)
    project_steps.add_note(project=project, by=None, text="路基已完成")
    make_activity(work_group=project.work_group)
    return project


def make_round(area: Any = None, **overrides: Any) -> Any:
    """A survey round being prepared over ``area`` (None: the city), 10 households a village
    and 3 in reserve, with the campaign's four questions."""
    from satisfaction.rounds import open_round

    today = timezone.localdate()
    fields = {
        "name": "2026年第四季度",
        "starts_on": today - datetime.timedelta(days=1),
        "ends_on": today + datetime.timedelta(days=30),
        "per_village": 10,
        "reserve_per_village": 3,
        "least_interviews": 1,
        **overrides,
    }
    return open_round(area=area, by=None, **fields)


def make_open_round(area: Any = None, *, interviewers: dict | None = None, **overrides: Any) -> Any:
    """A round drawn (seed 1) and interviewing, with ``interviewers``: {village: cadre}."""
    from satisfaction.draw import draw_sample
    from satisfaction.interviewers import assign_interviewer
    from satisfaction.rounds import start_round

    round = draw_sample(round=make_round(area, **overrides), by=None, seed=1)
    for village, cadre in (interviewers or {}).items():
        assign_interviewer(round=round, village=village, cadre=cadre, by=None)
    return start_round(round=round, by=None)


def make_checklist(
    criteria: list[tuple[str, str, str, str]] | None = None, **overrides: Any
) -> Checklist:
    """A checklist (this year's unless ``year`` is given) with ``criteria`` as (group, title,
    weight, scoring) rows; by default three: 40 graded, 30 met or not, 30 graded."""
    fields = {"year": timezone.localdate().year, "name": "村级服务型党组织创建标准", **overrides}
    checklist = Checklist.objects.create(**fields)
    rows = criteria or [
        ("team", "班子团结有力", "40", "graded"),
        ("venue", "活动场所规范", "30", "met"),
        ("satisfaction", "群众满意", "30", "graded"),
    ]
    Criterion.objects.bulk_create(
        Criterion(
            checklist=checklist,
            group=group,
            title=title,
            weight=Decimal(weight),
            scoring=how,
            position=position,
        )
        for position, (group, title, weight, how) in enumerate(rows, start=1)
    )
    return checklist
