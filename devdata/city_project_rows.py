"""The rows of the synthetic city's projects and funds: the pools of the five departments for
this year and last, the work groups' projects in every state with their beneficiaries,
progress notes, allocations and disbursements, and the work groups' activities.

Projects and their money are planned in memory first (a few thousand of each at scale 1.0),
because a pool's ``allocated`` is the sum of the allocations approved from it and its amount
must cover them; activities are streamed. Every amount is in whole 元 (written with two
places); the rules the services keep hold for every row: a pool never allocated past its
amount, an allocation never paid past its amount and paid the sum of its disbursements,
each step dated after the one before and none after today.
"""

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from devdata.city_plan_areas import CityPlan
from devdata.city_register_rows import NULL, Calendar, Row, Rows, pick_table, table_rng
from devdata.demo_projects import POOLS
from projects.models import Activity, Allocation, Disbursement, FundPool, Project, ProjectNote

PROJECTS = 6_000
ACTIVITIES = 20_000
# The one voucher file every generated disbursement points at (written once, see city.py).
VOUCHER = "vouchers/city/voucher.pdf"
VOUCHER_NAME = "拨付凭证.pdf"

SOURCES = (
    ("finance", 35),
    ("agriculture", 25),
    ("poverty_relief", 20),
    ("water", 10),
    ("organisation", 10),
)
KINDS = (
    ("infrastructure", 30),
    ("industry", 25),
    ("training", 15),
    ("culture_sports", 12),
    ("school_medical", 10),
    ("other", 8),
)
# Per kind: titles (after the village's name), the whole budget in 元 (low, high), and
# whether the whole village benefits.
TITLES = {
    "infrastructure": (
        ("生产路硬化", "主街道路硬化", "排水沟清淤改造", "太阳能路灯安装", "安全饮水管网改造"),
        (80_000, 600_000),
        True,
    ),
    "industry": (
        (
            "蔬菜大棚增收项目",
            "农贸市场建设",
            "农村电商服务站",
            "食用菌种植农民专业合作社",
            "大蒜冷库建设",
            "肉牛养殖合作社",
            "扶贫车间建设",
        ),
        (50_000, 500_000),
        False,
    ),
    "training": (
        ("大蒜种植技术培训班", "农村电商技能培训", "家政服务技能培训", "养殖技术培训班"),
        (10_000, 60_000),
        False,
    ),
    "culture_sports": (
        ("文化广场文体器材配置", "健身器材安装", "农家书屋提升", "村史馆建设"),
        (20_000, 120_000),
        True,
    ),
    "school_medical": (
        ("困难家庭学生助学", "留守儿童关爱行动", "义诊和慢病送药", "村卫生室设备配置"),
        (10_000, 80_000),
        False,
    ),
    "other": (
        ("党群服务中心修缮", "人居环境整治", "便民服务站建设"),
        (10_000, 100_000),
        False,
    ),
}
# Project states: of this year's projects, and of last year's.
STATES_THIS_YEAR = (("planned", 25), ("underway", 35), ("completed", 15), ("accepted", 25))
STATES_LAST_YEAR = (("underway", 4), ("completed", 8), ("accepted", 88))
# How far an application got, by the project's state.
STEPS = {
    "planned": (("applied", 55), ("reviewed", 35), ("returned", 10)),
    "underway": (("reviewed", 5), ("approved", 35), ("disbursed", 55), ("returned", 5)),
    "completed": (("approved", 10), ("disbursed", 85), ("returned", 5)),
    "accepted": (("accepted", 95), ("returned", 5)),
}
COUNTED = ("approved", "disbursed", "accepted")
NOTES = (
    "项目已开工，施工队进场",
    "完成工程量的一半，进度正常",
    "主体工程完工，正在收尾",
    "设备已到货并安装调试",
    "组织受益群众现场查看，反映良好",
)
ACCEPTANCE = (
    "工程质量合格，资金使用规范，群众满意，同意验收",
    "项目按计划完成，资料齐全，同意验收",
)
REVIEW_NOTE = "经乡镇审核，项目真实，同意上报"
RETURN_REASON = "申报材料不全，请补充项目预算明细后重新申报"
ACTIVITY_KINDS = (("training", 30), ("exchange", 20), ("forum", 30), ("donation", 12), ("other", 8))
ACTIVITY_TITLES = {
    "training": (
        "大蒜种植技术培训班",
        "农村电商技能培训班",
        "果蔬病虫害防治培训",
        "返乡青年创业培训",
    ),
    "exchange": ("致富经验交流会", "种养能手经验交流会", "合作社发展经验交流会"),
    "forum": ("村两委和村民代表座谈会", "产业发展座谈会", "听取群众意见座谈会"),
    "donation": ("为困难家庭捐赠冬衣和棉被", "为留守儿童捐赠学习用品", "向农家书屋捐赠图书"),
    "other": ("送戏下乡文艺演出", "法律知识进村讲座", "义诊进村活动"),
}
# (fewest, most) attendees of each kind of activity.
ATTENDEES = {
    "training": (20, 80),
    "exchange": (15, 60),
    "forum": (10, 40),
    "donation": (5, 50),
    "other": (30, 300),
}


@dataclass
class FundsPlan:
    """The rows of the pools, projects and their money, planned together."""

    pools: list[Row] = field(default_factory=list)
    projects: list[Row] = field(default_factory=list)
    beneficiaries: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    allocations: list[Row] = field(default_factory=list)
    disbursements: list[Row] = field(default_factory=list)


def _yuan(amount: int) -> str:
    return f"{amount}.00"


def _round(amount: float, step: int = 100) -> int:
    return max(step, int(amount / step) * step)


class _Years:
    """Days ago of the first and last day of this year (up to today) and of last year."""

    def __init__(self, calendar: Calendar) -> None:
        today = calendar.today
        jan1 = (today - today.replace(month=1, day=1)).days
        last_jan1 = (today - today.replace(year=today.year - 1, month=1, day=1)).days
        self.windows = {today.year: (0, jan1), today.year - 1: (jan1 + 1, last_jan1)}


def _group_weights(plan: CityPlan) -> list[float]:
    """How busy each work group is, cumulated: its unit's zeal, so that some units do far
    more than others (projects and activities alike) and a few work groups nothing."""
    rng = table_rng(plan, "zeal")
    zeal = {unit.id: rng.choice((0.1, 0.5, 1.0, 1.0, 1.5, 2.5)) for unit in plan.units}
    return list(itertools.accumulate(zeal[group.unit.id] for group in plan.groups))


def plan_funds(plan: CityPlan, calendar: Calendar) -> FundsPlan:
    """Pools, projects and their money; the same for the same seed."""
    rng = table_rng(plan, "projects")
    pick = rng.random
    funds = FundsPlan()
    years = _Years(calendar).windows
    this_year = calendar.today.year
    cumulative = _group_weights(plan)
    kinds, sources = pick_table(KINDS), pick_table(SOURCES)
    states = {this_year: pick_table(STATES_THIS_YEAR), this_year - 1: pick_table(STATES_LAST_YEAR)}
    steps = {state: pick_table(choices) for state, choices in STEPS.items()}
    pool_ids = {
        (year, source): index
        for index, (year, source) in enumerate(
            ((year, source) for year in sorted(years) for source, _weight in SOURCES), start=1
        )
    }
    counted = dict.fromkeys(pool_ids, 0)
    pending = dict.fromkeys(pool_ids, 0)
    for project in range(1, round(PROJECTS * plan.scale) + 1):
        group = rng.choices(plan.groups, cum_weights=cumulative)[0]
        village = group.village
        year = this_year if pick() < 0.55 else this_year - 1
        kind = kinds[int(pick() * 1000)]
        titles, (low, high), whole = TITLES[kind]
        state = states[year][int(pick() * 1000)]
        # Days ago of each step in order: applied, reviewed, approved, started, two payments,
        # finished, accepted.
        first, last = years[year]
        when = sorted((rng.randint(first, last) for _ in range(8)), reverse=True)
        total = _round(rng.uniform(low, high), 1000)
        pooled = _round(total * rng.uniform(0.5, 0.9), 1000) if pick() < 0.7 else 0
        donation = _round((total - pooled) * pick()) if kind == "school_medical" else 0
        village_funds = _round((total - pooled - donation) * pick() * 0.5) if pooled else 0
        own = max(0, total - pooled - donation - village_funds)
        households = village.households
        count = households if whole else min(households, rng.randint(10, 80))
        linked = rng.sample(
            range(village.first_household, village.first_household + households),
            min(count, rng.randint(3, 12)),
        )
        funds.beneficiaries.extend(
            (len(funds.beneficiaries) + 1, project, household) for household in sorted(linked)
        )
        started = state != "planned"
        finished = state in ("completed", "accepted")
        if started:
            planned_start, planned_end = when[3] + rng.randint(0, 10), when[6] - rng.randint(0, 15)
        else:
            planned_start = -rng.randint(5, 40)
            planned_end = max(-60, planned_start - rng.randint(10, 60))
        funds.projects.append(
            (
                project,
                group.id,
                group.unit.id,
                village.id,
                kind,
                village.name + titles[int(pick() * len(titles))],
                year,
                _yuan(pooled),
                _yuan(own),
                _yuan(donation),
                _yuan(village_funds),
                calendar.day[planned_start],
                calendar.day[max(planned_end, -60)],
                calendar.day[when[3]] if started else NULL,
                calendar.day[when[6]] if finished else NULL,
                max(count, len(linked)),
                state,
                calendar.moment[when[7]] if state == "accepted" else NULL,
                ACCEPTANCE[int(pick() * len(ACCEPTANCE))] if state == "accepted" else "",
                calendar.moment[when[0]],
                calendar.now,
            )
        )
        if started:
            for number in range(rng.randint(1, 2)):
                noted = rng.randint(when[6] if finished else 0, when[3])
                funds.notes.append(
                    (
                        len(funds.notes) + 1,
                        project,
                        calendar.day[noted],
                        NOTES[(number + int(pick() * len(NOTES))) % len(NOTES)],
                        "",
                        calendar.moment[noted],
                    )
                )
        if not pooled:
            continue
        # Most projects ask one pool; some split the money between two.
        parts = [pooled]
        if pooled >= 20_000 and pick() < 0.3:
            parts = [_round(pooled * 0.6, 1000), pooled - _round(pooled * 0.6, 1000)]
        taken: set[str] = set()
        for amount in parts:
            source = sources[int(pick() * 1000)]
            while source in taken:
                source = sources[int(pick() * 1000)]
            taken.add(source)
            step = steps[state][int(pick() * 1000)]
            pool = pool_ids[year, source]
            if step in COUNTED:
                counted[year, source] += amount
            elif step in ("applied", "reviewed"):
                pending[year, source] += amount
            _allocation(rng, funds, calendar, when, project, pool, amount, step)
    for (year, source), pool in pool_ids.items():
        used = counted[year, source] + pending[year, source]
        share = rng.uniform(0.75, 0.95)
        amount = max(500_000, math.ceil(used / share / 100_000) * 100_000)
        name, _amount = POOLS[source]
        funds.pools.append(
            (
                pool,
                source,
                f"{year}年度{name}",
                year,
                _yuan(amount),
                _yuan(counted[year, source]),
                calendar.moment[years[year][1]],
            )
        )
    return funds


def _allocation(
    rng: random.Random,
    funds: FundsPlan,
    calendar: Calendar,
    when: list[int],
    project: int,
    pool: int,
    amount: int,
    step: str,
) -> None:
    """One application, taken as far as ``step``, with its payments."""
    allocation = len(funds.allocations) + 1
    moment = calendar.moment
    reviewed = step not in ("applied", "returned")
    approved = step in COUNTED
    paid = 0
    if step in ("disbursed", "accepted"):
        paid = amount if step == "accepted" or rng.random() < 0.5 else _round(amount * rng.random())
        paid = min(paid, amount)
        payments = [paid]
        if paid >= 2000 and rng.random() < 0.4:
            payments = [_round(paid * 0.6), paid - _round(paid * 0.6)]
        for number, payment in enumerate(payments):
            funds.disbursements.append(
                (
                    len(funds.disbursements) + 1,
                    allocation,
                    _yuan(payment),
                    calendar.day[when[4 + number]],
                    VOUCHER,
                    VOUCHER_NAME,
                    moment[when[4 + number]],
                )
            )
    funds.allocations.append(
        (
            allocation,
            pool,
            project,
            _yuan(amount),
            _yuan(paid),
            step,
            "",
            moment[when[0]],
            moment[when[1]] if reviewed else NULL,
            REVIEW_NOTE if reviewed else "",
            moment[when[2]] if approved else NULL,
            moment[when[7]] if step == "accepted" else NULL,
            moment[when[1]] if step == "returned" else NULL,
            RETURN_REASON if step == "returned" else "",
        )
    )


def pools(funds: FundsPlan) -> Rows:
    fields = ("id", "source", "name", "year", "amount", "allocated", "created_at")
    return FundPool, fields, iter(funds.pools)


def projects(funds: FundsPlan) -> Rows:
    fields = (
        "id",
        "work_group_id",
        "unit_id",
        "village_id",
        "kind",
        "title",
        "year",
        "budget_pooled",
        "budget_unit",
        "budget_donation",
        "budget_village",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "beneficiary_count",
        "status",
        "accepted_at",
        "acceptance_note",
        "created_at",
        "updated_at",
    )
    return Project, fields, iter(funds.projects)


def beneficiaries(funds: FundsPlan) -> Rows:
    through = Project.beneficiaries.through
    return through, ("id", "project_id", "household_id"), iter(funds.beneficiaries)


def project_notes(funds: FundsPlan) -> Rows:
    fields = ("id", "project_id", "noted_on", "text", "photo", "created_at")
    return ProjectNote, fields, iter(funds.notes)


def allocations(funds: FundsPlan) -> Rows:
    fields = (
        "id",
        "pool_id",
        "project_id",
        "amount",
        "paid",
        "status",
        "purpose",
        "applied_at",
        "reviewed_at",
        "review_note",
        "approved_at",
        "accepted_at",
        "returned_at",
        "return_reason",
    )
    return Allocation, fields, iter(funds.allocations)


def disbursements(funds: FundsPlan) -> Rows:
    fields = ("id", "allocation_id", "amount", "paid_on", "voucher", "voucher_name", "recorded_at")
    return Disbursement, fields, iter(funds.disbursements)


def activities(plan: CityPlan, calendar: Calendar) -> Rows:
    fields = (
        "id",
        "work_group_id",
        "unit_id",
        "village_id",
        "kind",
        "held_on",
        "title",
        "description",
        "attendees",
        "households_reached",
        "created_at",
    )
    return Activity, fields, _activities(plan, calendar)


def _activities(plan: CityPlan, calendar: Calendar) -> Iterator[Row]:
    rng = table_rng(plan, "activities")
    pick = rng.random
    cumulative = _group_weights(plan)
    kinds = pick_table(ACTIVITY_KINDS)
    oldest = max(last for _first, last in _Years(calendar).windows.values())
    for activity in range(1, round(ACTIVITIES * plan.scale) + 1):
        group = rng.choices(plan.groups, cum_weights=cumulative)[0]
        kind = kinds[int(pick() * 1000)]
        titles = ACTIVITY_TITLES[kind]
        fewest, most = ATTENDEES[kind]
        attendees = rng.randint(fewest, most)
        reached = min(attendees, group.village.households, rng.randint(attendees // 2, attendees))
        ago = rng.randint(0, oldest)
        yield (
            activity,
            group.id,
            group.unit.id,
            group.village.id,
            kind,
            calendar.day[ago],
            titles[int(pick() * len(titles))],
            "",
            attendees,
            reached,
            calendar.moment[ago],
        )
