"""Demo projects and funds: the launch report's pooled funds, what the six units do for their
villages with them, and the activities their work groups hold.

Every step goes through the services of ``projects`` as the system (``by=None``), so the
pools, allocations and payments obey the same rules as when people take them; the steps'
times are then moved back to the days they stand for, so the demo shows a year of work.
"""

import datetime
import io
import random
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from projects import activities as activity_steps
from projects import allocations as allocation_steps
from projects import projects as project_steps
from projects.models import Activity, Allocation, Disbursement, FundPool, Project
from units.models import WorkGroup
from villages.models import Household
from visits.models import Need, Satisfaction

Kind = Project.Kind
Source = FundPool.Source
Fate = Project.Status
Step = Allocation.Status

POOLS = {
    Source.ORGANISATION: ("双联双创党建专项资金（组织部）", Decimal("3000000.00")),
    Source.FINANCE: ("双联双创整合涉农资金（财政）", Decimal("12000000.00")),
    Source.AGRICULTURE: ("农业生产发展资金（农业农村局）", Decimal("8000000.00")),
    Source.WATER: ("农村小型水利工程资金（水务局）", Decimal("5000000.00")),
    Source.POVERTY_RELIEF: ("衔接推进乡村振兴补助资金（扶贫办）", Decimal("6500000.00")),
}
# Last year's pools were somewhat smaller.
LAST_YEAR_SHARE = Decimal("0.85")


@dataclass(frozen=True)
class Money:
    """Pooled funds asked of one pool, how far the application got and what was paid."""

    source: str
    amount: str
    until: str  # the last step taken: applied, reviewed, returned, approved or disbursed
    payments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    unit: str
    village: int  # which of the unit's villages, in the launch report's order
    kind: str
    title: str
    fate: str
    pooled: str = "0"
    own: str = "0"
    donation: str = "0"
    village_funds: str = "0"
    money: tuple[Money, ...] = ()
    last_year: bool = False
    description: str = ""
    notes: tuple[str, ...] = ()
    whole_village: bool = False
    photo: bool = False
    acceptance: str = "工程质量合格，资金使用规范，群众满意，同意验收"


PLANS = (
    Plan(
        "市委组织部",
        0,
        Kind.TRAINING,
        "王寨村大蒜种植技术培训班",
        Fate.ACCEPTED,
        pooled="30000",
        own="5000",
        money=(Money(Source.ORGANISATION, "30000", Step.DISBURSED, ("30000",)),),
        description="邀请县农业农村局专家讲授大蒜良种选育、病虫害防治和储藏技术",
        notes=("培训班开班，首期参训农户42人", "组织学员到成武县大蒜种植基地观摩"),
        photo=True,
    ),
    Plan(
        "市委组织部",
        1,
        Kind.INFRASTRUCTURE,
        "蔡寨村村东生产路硬化",
        Fate.UNDERWAY,
        pooled="380000",
        village_funds="40000",
        money=(
            Money(Source.FINANCE, "300000", Step.DISBURSED, ("150000",)),
            Money(Source.WATER, "80000", Step.APPLIED),
        ),
        description="硬化村东生产路1.8公里，宽4米，配套路边排水沟",
        notes=("路基平整完成", "已完成混凝土浇筑0.9公里"),
        whole_village=True,
        photo=True,
    ),
    Plan(
        "市文广新局",
        0,
        Kind.CULTURE_SPORTS,
        "孙楼村文化广场文体器材配置",
        Fate.COMPLETED,
        pooled="60000",
        own="20000",
        money=(Money(Source.ORGANISATION, "60000", Step.DISBURSED, ("36000", "24000")),),
        description="配置篮球架、乒乓球台、健身路径一套和广场舞音响设备",
        notes=("器材已到货并安装", "组织村民试用，器材运行良好"),
        whole_village=True,
    ),
    Plan(
        "市文广新局",
        1,
        Kind.OTHER,
        "徐垓村党群服务中心修缮",
        Fate.PLANNED,
        pooled="50000",
        own="15000",
        money=(Money(Source.ORGANISATION, "50000", Step.APPLIED),),
        description="修缮党员活动室屋顶和门窗，配置便民服务桌椅",
    ),
    Plan(
        "市地税局",
        0,
        Kind.INDUSTRY,
        "魏楼村蔬菜大棚增收项目",
        Fate.UNDERWAY,
        pooled="200000",
        own="30000",
        money=(Money(Source.AGRICULTURE, "200000", Step.APPROVED),),
        description="新建冬暖式蔬菜大棚6个，由村集体统一经营，优先吸纳脱贫户务工",
        notes=("大棚选址和土地流转完成",),
    ),
    Plan(
        "市地税局",
        1,
        Kind.INDUSTRY,
        "罗庄村食用菌种植农民专业合作社",
        Fate.PLANNED,
        pooled="150000",
        own="20000",
        money=(
            Money(Source.FINANCE, "150000", Step.RETURNED),
            Money(Source.AGRICULTURE, "150000", Step.REVIEWED),
        ),
        description="扶持成立食用菌种植合作社，建设菌棚和冷藏库，带动农户入社增收",
    ),
    Plan(
        "市商务局",
        0,
        Kind.INDUSTRY,
        "郑庄村农贸市场建设",
        Fate.UNDERWAY,
        pooled="500000",
        own="100000",
        village_funds="50000",
        money=(
            Money(Source.FINANCE, "350000", Step.DISBURSED, ("200000",)),
            Money(Source.AGRICULTURE, "150000", Step.REVIEWED),
        ),
        description="建设占地3000平方米的农贸市场，设摊位80个，方便周边群众买卖农产品",
        notes=("市场主体钢结构完工", "摊位招租启动，已有36户报名"),
        whole_village=True,
        photo=True,
    ),
    Plan(
        "市商务局",
        1,
        Kind.INDUSTRY,
        "蒜刘庄村农村电商服务站",
        Fate.ACCEPTED,
        pooled="80000",
        own="20000",
        money=(Money(Source.POVERTY_RELIEF, "80000", Step.DISBURSED, ("50000", "30000")),),
        description="建设村级电商服务站，培训网店店主，帮助农户网上销售大蒜和辣椒",
        notes=("服务站挂牌运营", "首月帮助农户线上销售大蒜2.3万斤"),
    ),
    Plan(
        "市司法局",
        0,
        Kind.INFRASTRUCTURE,
        "杨花园村排水沟清淤改造",
        Fate.COMPLETED,
        pooled="120000",
        money=(Money(Source.WATER, "120000", Step.DISBURSED, ("120000",)),),
        description="清淤改造村内主排水沟2.2公里，解决雨天积水问题",
        notes=("清淤完成，正在砌筑沟帮",),
        whole_village=True,
    ),
    Plan(
        "市司法局",
        1,
        Kind.SCHOOL_MEDICAL,
        "纪老家村困难家庭学生助学",
        Fate.ACCEPTED,
        own="10000",
        donation="30000",
        description="为困难家庭在校学生每人发放助学金2000元，结对帮扶到毕业",
        notes=("助学金已全部发放到学生家庭",),
        acceptance="助学金发放到位，受助学生家庭签字确认，同意验收",
    ),
    Plan(
        "团市委",
        0,
        Kind.TRAINING,
        "前王楼村青年电商直播技能培训",
        Fate.PLANNED,
        pooled="20000",
        donation="10000",
        money=(Money(Source.POVERTY_RELIEF, "20000", Step.APPLIED),),
        description="面向返乡青年开设电商直播培训，孵化农产品带货主播",
    ),
    Plan(
        "团市委",
        0,
        Kind.SCHOOL_MEDICAL,
        "前王楼村留守儿童助学圆梦行动",
        Fate.UNDERWAY,
        donation="20000",
        own="5000",
        description="为留守儿童捐赠学习用品，组织青年志愿者每周辅导功课",
        notes=("首批学习用品已发放",),
    ),
    # Last year's work, all of it finished.
    Plan(
        "市委组织部",
        0,
        Kind.INFRASTRUCTURE,
        "王寨村主街道路硬化",
        Fate.ACCEPTED,
        pooled="420000",
        village_funds="30000",
        money=(
            Money(Source.FINANCE, "300000", Step.DISBURSED, ("180000", "120000")),
            Money(Source.WATER, "120000", Step.DISBURSED, ("120000",)),
        ),
        last_year=True,
        description="硬化村内主街和两条胡同共2.4公里",
        notes=("道路全部硬化完成",),
        whole_village=True,
    ),
    Plan(
        "市商务局",
        0,
        Kind.INDUSTRY,
        "郑庄村大蒜冷库建设",
        Fate.ACCEPTED,
        pooled="300000",
        own="50000",
        money=(Money(Source.AGRICULTURE, "300000", Step.DISBURSED, ("300000",)),),
        last_year=True,
        description="建设500吨大蒜保鲜冷库一座，村集体经营，年增收8万元",
    ),
    Plan(
        "市文广新局",
        0,
        Kind.CULTURE_SPORTS,
        "孙楼村健身器材安装",
        Fate.ACCEPTED,
        pooled="40000",
        money=(Money(Source.ORGANISATION, "40000", Step.DISBURSED, ("40000",)),),
        last_year=True,
        whole_village=True,
    ),
    Plan(
        "市地税局",
        0,
        Kind.INDUSTRY,
        "魏楼村招商引资服装加工点",
        Fate.ACCEPTED,
        own="50000",
        last_year=True,
        description="引进服装加工企业在村设加工点，吸纳留守妇女就近务工",
    ),
    Plan(
        "市司法局",
        1,
        Kind.INFRASTRUCTURE,
        "纪老家村路灯安装",
        Fate.ACCEPTED,
        pooled="90000",
        money=(
            Money(Source.FINANCE, "30000", Step.RETURNED),
            Money(Source.POVERTY_RELIEF, "90000", Step.DISBURSED, ("90000",)),
        ),
        last_year=True,
        description="主街和生产路安装太阳能路灯120盏",
        whole_village=True,
    ),
)

# (unit, village, kind, what, attendees, households reached, days before the last day, photo)
ACTIVITIES = (
    ("市委组织部", 0, Activity.Kind.TRAINING, "大蒜种植技术培训班", 42, 38, 150, True),
    ("市委组织部", 0, Activity.Kind.EXCHANGE, "致富经验交流会", 35, 30, 90, False),
    ("市委组织部", 1, Activity.Kind.FORUM, "村两委和村民代表座谈会", 24, 20, 60, False),
    ("市文广新局", 0, Activity.Kind.OTHER, "送戏下乡文艺演出", 260, 150, 120, True),
    ("市文广新局", 1, Activity.Kind.DONATION, "向农家书屋捐赠图书800册", 12, 0, 40, False),
    ("市地税局", 0, Activity.Kind.EXCHANGE, "蔬菜种植能手经验交流会", 28, 25, 100, False),
    ("市地税局", 1, Activity.Kind.FORUM, "食用菌产业发展座谈会", 18, 15, 30, False),
    ("市商务局", 0, Activity.Kind.TRAINING, "农村电商技能培训班", 55, 46, 130, True),
    ("市商务局", 1, Activity.Kind.FORUM, "电商服务站运营座谈会", 20, 18, 20, False),
    ("市司法局", 0, Activity.Kind.TRAINING, "法律知识进村讲座", 65, 50, 80, False),
    ("市司法局", 1, Activity.Kind.DONATION, "为困难家庭捐赠冬衣和棉被", 30, 30, 10, True),
    ("团市委", 0, Activity.Kind.DONATION, "为留守儿童捐赠学习用品", 40, 36, 70, False),
    ("团市委", 0, Activity.Kind.TRAINING, "返乡青年创业培训", 32, 28, 25, False),
)
LAST_YEAR_ACTIVITIES = (
    ("市委组织部", 0, Activity.Kind.FORUM, "双联双创工作座谈会", 26, 22),
    ("市商务局", 0, Activity.Kind.EXCHANGE, "大蒜购销经验交流会", 40, 35),
    ("市司法局", 1, Activity.Kind.DONATION, "为困难学生捐赠助学金", 15, 15),
)


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
