"""Demo projects and funds: the launch report's pooled funds, what the six units do for their
villages with them, and the activities their work groups hold.

Every step goes through the services of ``projects`` as the system (``by=None``), so the
pools, allocations and payments obey the same rules as when people take them; the steps'
times are then moved back to the days they stand for, so the demo shows a year of work.
"""

import datetime
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from devdata.demo_project_plans import (
    ACTIVITIES,
    LAST_YEAR_ACTIVITIES,
    LAST_YEAR_SHARE,
    PLANS,
    POOLS,
    Fate,
    Kind,
    Money,
    Plan,
    Step,
)
from projects import activities as activity_steps
from projects import allocations as allocation_steps
from projects import projects as project_steps
from projects.models import Activity, Allocation, Disbursement, FundPool, Project
from units.models import WorkGroup
from villages.models import Household
from visits.models import Need, Satisfaction


def load_projects(rng: random.Random, today: datetime.date) -> None:
    """Pools for this year and last, the units' projects in every state and their activities."""
    groups = _work_groups()
    pools = {}
    for year, share in ((today.year - 1, LAST_YEAR_SHARE), (today.year, Decimal(1))):
        for source, (name, amount) in POOLS.items():
            pools[year, source] = FundPool.objects.create(
                source=source,
                name=f"{year}年度{name}",
                year=year,
                amount=(amount * share).quantize(Decimal("0.01")),
            )
    made = []
    for index, plan in enumerate(PLANS):
        calendar = _Calendar(today, last_year=plan.last_year, shift=index % 4)
        made.append(_project(rng, plan, groups, pools, calendar))
    _resolve_needs(made, today)
    for unit, village, kind, title, attendees, reached, before, photo in ACTIVITIES:
        held_on = today - datetime.timedelta(days=min(before, (today - _jan1(today)).days))
        _activity(groups[unit][village], kind, title, attendees, reached, held_on, photo)
    for unit, village, kind, title, attendees, reached in LAST_YEAR_ACTIVITIES:
        held_on = datetime.date(today.year - 1, 10, 15)
        _activity(groups[unit][village], kind, title, attendees, reached, held_on, False)


def _jan1(today: datetime.date) -> datetime.date:
    return datetime.date(today.year, 1, 1)


def _work_groups() -> dict[str, list[WorkGroup]]:
    groups: dict[str, list[WorkGroup]] = {}
    for group in WorkGroup.objects.select_related("unit", "village").order_by("village__code"):
        groups.setdefault(group.unit.name, []).append(group)
    return groups


class _Calendar:
    """Days of a project's year as fractions of it: this year up to today, or last year."""

    def __init__(self, today: datetime.date, *, last_year: bool, shift: int) -> None:
        self.today = today
        if last_year:
            self.first = datetime.date(today.year - 1, 3, 10)
            self.last = datetime.date(today.year - 1, 12, 20)
        else:
            self.first, self.last = _jan1(today), today
        self.shift = shift

    def day(self, fraction: float) -> datetime.date:
        fraction = min(1.0, fraction + self.shift * 0.02)
        return self.first + datetime.timedelta(days=int((self.last - self.first).days * fraction))

    def moment(self, fraction: float) -> datetime.datetime:
        at = datetime.datetime.combine(
            self.day(fraction), datetime.time(10), tzinfo=timezone.get_current_timezone()
        )
        return min(at, timezone.now())


def _project(
    rng: random.Random,
    plan: Plan,
    groups: dict[str, list[WorkGroup]],
    pools: dict[tuple[int, str], FundPool],
    calendar: _Calendar,
) -> Project:
    group = groups[plan.unit][plan.village]
    year = calendar.first.year
    if plan.fate == Fate.PLANNED:
        planned_start = calendar.today + datetime.timedelta(days=20)
        planned_end = planned_start + datetime.timedelta(days=120)
    else:
        planned_start, planned_end = calendar.day(0.2), calendar.day(0.8)
    project = Project(
        work_group=group,
        kind=plan.kind,
        title=plan.title,
        description=plan.description,
        year=year,
        budget_pooled=Decimal(plan.pooled),
        budget_unit=Decimal(plan.own),
        budget_donation=Decimal(plan.donation),
        budget_village=Decimal(plan.village_funds),
        planned_start=planned_start,
        planned_end=planned_end,
    )
    households = list(Household.objects.filter(village=group.village).order_by("pk"))
    linked = households if plan.whole_village else rng.sample(households, rng.randint(4, 12))
    project = project_steps.save_project(project=project, by=None, beneficiaries=linked)
    if not plan.whole_village:
        project.beneficiary_count = len(linked) + rng.randint(0, 20)
        project.save(update_fields=["beneficiary_count"])
    _backdate(Project, project.pk, created_at=calendar.moment(0.05))
    for money in plan.money:
        _money(money, project, pools[year, money.source], calendar)
    if plan.fate == Fate.PLANNED:
        return project
    project = project_steps.start(project=project, by=None, on=calendar.day(0.25))
    for number, text in enumerate(plan.notes):
        photo = _photo(f"progress-{number}.jpg", rng) if plan.photo and number == 0 else None
        project_steps.add_note(
            project=project, by=None, text=text, on=calendar.day(0.3 + 0.2 * number), photo=photo
        )
    if plan.fate == Fate.UNDERWAY:
        return project
    project = project_steps.complete(project=project, by=None, on=calendar.day(0.75))
    if plan.fate == Fate.COMPLETED:
        return project
    project = project_steps.accept(project=project, by=None, note=plan.acceptance)
    accepted = calendar.moment(0.85)
    _backdate(Project, project.pk, accepted_at=accepted)
    Allocation.objects.filter(project=project, status=Step.ACCEPTED).update(accepted_at=accepted)
    return project


def _money(money: Money, project: Project, pool: FundPool, calendar: _Calendar) -> None:
    """Take one application as far as ``money.until``, dating each step on its day."""
    allocation = allocation_steps.apply_for(
        project=project,
        pool=pool,
        amount=Decimal(money.amount),
        by=None,
        purpose=project.description or project.title,
    )
    _backdate(Allocation, allocation.pk, applied_at=calendar.moment(0.1))
    if money.until == Step.APPLIED:
        return
    if money.until == Step.RETURNED:
        allocation_steps.give_back(
            allocation=allocation,
            by=None,
            reason="该项目已申请其他资金渠道支持，请调整资金来源后重新申报",
        )
        _backdate(Allocation, allocation.pk, returned_at=calendar.moment(0.12))
        return
    allocation_steps.review(allocation=allocation, by=None, note="经乡镇审核，项目真实，同意上报")
    _backdate(Allocation, allocation.pk, reviewed_at=calendar.moment(0.15))
    if money.until == Step.REVIEWED:
        return
    allocation_steps.approve(allocation=allocation, by=None)
    _backdate(Allocation, allocation.pk, approved_at=calendar.moment(0.2))
    for number, amount in enumerate(money.payments):
        allocation_steps.disburse(
            allocation=allocation,
            amount=Decimal(amount),
            voucher=_voucher(number, f"{project.title}拨付凭证{number + 1}"),
            by=None,
            paid_on=calendar.day(0.4 + 0.2 * number),
        )
    Disbursement.objects.filter(allocation=allocation).update(recorded_at=calendar.moment(0.6))


def _backdate(model: type[Model], pk: int, **moments: datetime.datetime) -> None:
    model._base_manager.filter(pk=pk).update(**moments)


# The needs each kind of project answers, by the need's category.
ANSWERS = {
    Kind.INFRASTRUCTURE: (Need.Category.INFRASTRUCTURE, Need.Category.HOUSING),
    Kind.INDUSTRY: (Need.Category.PRODUCTION, Need.Category.EMPLOYMENT),
    Kind.TRAINING: (Need.Category.EMPLOYMENT, Need.Category.PRODUCTION),
    Kind.SCHOOL_MEDICAL: (Need.Category.SCHOOLING, Need.Category.MEDICAL),
}


def _resolve_needs(projects: list[Project], today: datetime.date) -> None:
    """Households' open needs in villages with work underway, closed by the project that
    answers them."""
    for project in projects:
        if project.status == Fate.PLANNED or project.year != today.year:
            continue
        need = (
            Need.objects.open()
            .filter(
                household__village=project.village_id,
                category__in=ANSWERS.get(project.kind, ()),
                resolved_by_project=None,
            )
            .order_by("raised_on", "pk")
            .first()
        )
        if need is not None:
            project_steps.resolve_need(
                project=project, need=need, by=None, satisfaction=Satisfaction.SATISFIED, on=today
            )


def _activity(
    group: WorkGroup,
    kind: str,
    title: str,
    attendees: int,
    reached: int,
    held_on: datetime.date,
    photo: bool,
) -> None:
    activity = Activity(
        work_group=group,
        kind=kind,
        title=title,
        held_on=held_on,
        attendees=attendees,
        households_reached=reached,
    )
    rng = random.Random(title)  # noqa: S311 - a picture's colours, not a secret
    photos = [_photo("activity.jpg", rng)] if photo else None
    activity_steps.save_activity(activity=activity, by=None, photos=photos)


def _photo(name: str, rng: random.Random) -> SimpleUploadedFile:
    """A small picture standing for a photo of the work: fields, a road and the sky."""
    image = Image.new("RGB", (320, 240), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    green = (60 + rng.randrange(60), 140 + rng.randrange(60), 60)
    draw.rectangle((0, 120, 320, 240), fill=green)
    draw.polygon([(140, 240), (180, 240), (165, 120), (155, 120)], fill=(150, 150, 150))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _voucher(number: int, name: str) -> SimpleUploadedFile:
    """A voucher: a one-page PDF, or a scan of a paper voucher every other payment."""
    if number % 2:
        image = Image.new("RGB", (600, 400), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((20, 20, 580, 380), outline="black", width=3)
        for y in range(80, 360, 40):
            draw.line((40, y, 560, y), fill="black")
        draw.ellipse((440, 260, 540, 360), outline="red", width=4)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return SimpleUploadedFile(f"{name}.png", buffer.getvalue(), content_type="image/png")
    return SimpleUploadedFile(f"{name}.pdf", voucher_pdf(), content_type="application/pdf")


def voucher_pdf() -> bytes:
    """A valid one-page A4 PDF, standing for a scanned payment voucher."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
