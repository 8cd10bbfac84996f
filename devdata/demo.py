"""Demo data: the real Heze geography and launch-report units, with synthetic people.

Everything personal (names, resident IDs, phones) is generated from a fixed seed, so every
run builds the same demo and no real person's data is in it.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone

from devdata import heze
from devdata.demo_assessments import load_assessments
from devdata.demo_flags import load_visit_flags
from devdata.demo_projects import load_projects
from devdata.demo_surveys import load_surveys
from shuanglian.figures import snapshots
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from units.six_tasks import SIX_TASKS
from villages.models import City, County, Household, Township, TownshipAlias, Village
from villages.validators import check_character
from visits.models import Need, NeedNote, Satisfaction, Visit
from visits.needs import deadline_days

GEOGRAPHY_FILE = heze.GEOGRAPHY_FILE
# Days of history the demo's trend lines show, back-filled from the visits and needs.
HISTORY_DAYS = 180
SEED = 2016
HOUSEHOLDS_PER_VILLAGE = 30
CADRES_PER_UNIT = 8
UNASSIGNED_SHARE = 0.1

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕蔡魏"
GIVEN = "建国文华明军丽娟秀英志强海燕春梅玉兰国庆红霞德胜桂芝永刚淑珍金凤保全学勇"
CATEGORIES = [
    (Household.Category.GENERAL, 70),
    (Household.Category.LIFTED, 14),
    (Household.Category.MONITORED, 5),
    (Household.Category.SUBSISTENCE, 8),
    (Household.Category.DESTITUTE, 3),
]
STAFF_POSITIONS = ["科长", "科长", "副科长", "科员", "科员", "科员"]
NEED_TEXTS = {
    Need.Category.MEDICAL: "老人慢性病用药报销不清楚，希望帮助办理门诊慢特病认定",
    Need.Category.SCHOOLING: "孩子上高中学费有困难，咨询助学政策",
    Need.Category.EMPLOYMENT: "家中青年想学技术，希望参加县里的技能培训班",
    Need.Category.HOUSING: "房屋年久漏雨，申请危房改造",
    Need.Category.PRODUCTION: "想扩大大蒜种植，缺少启动资金",
    Need.Category.INFRASTRUCTURE: "村东头生产路坑洼，雨天无法通行",
    Need.Category.SOCIAL_SECURITY: "询问城乡居民养老保险缴费档次",
    Need.Category.DISPUTE: "与邻居宅基地界线有争议",
    Need.Category.POLICY: "咨询土地流转补贴政策",
}
SUMMARIES = [
    "宣讲惠农政策，了解今年小麦收成情况",
    "了解家庭收入和就医情况，叮嘱按时服药",
    "查看住房安全情况，讲解危房改造政策",
    "电话询问近况，家中一切正常",
    "参加村里集中宣讲活动，解答群众提问",
    "了解孩子上学情况，宣传教育资助政策",
]
RESOLUTIONS = [
    "已协调镇卫生院办理慢特病认定",
    "已联系县人社局报名技能培训",
    "已协调村委会修整道路",
    "已讲解政策并帮助提交申请材料",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


# Demo accounts; the passwords are printed by the run command and are for trying the app only.
SUPERUSER = DemoLogin("admin", "shuanglian-demo", "市级协调员（超级用户）")
CADRE_USERNAMES = ("cadre1", "cadre2")
CADRE_PASSWORD = "ganbu-demo-2026"  # noqa: S105


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def make_resident_id(rng: random.Random, region: str, born: datetime.date) -> str:
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + check_character(body)


def _person_name(rng: random.Random, surname: str | None = None) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def demo_is_loaded() -> bool:
    return City.objects.filter(code=heze.geography()["city"]["code"]).exists()


@transaction.atomic
def load_demo() -> None:
    """Create the demo city, units, cadres, households, links, visits and needs, the fund
    pools, the units' projects and the work groups' activities, the villages' 服务型党组织
    assessments with their rectification, and the satisfaction surveys; and the history of
    every area's figures for the trends, the last ``HISTORY_DAYS`` days."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    today = timezone.localdate()
    data = heze.geography()
    villages = _load_geography(data)
    for spec in data["units"]:
        unit = Unit.objects.create(name=spec["name"], kind=spec["kind"], level=Unit.Level.CITY)
        cadres = _make_cadres(rng, unit, spec)
        linked = [villages[code] for code in spec["villages"]]
        # Split the unit's cadres over its villages; the head leads the first work group.
        for index, village in enumerate(linked):
            members = cadres[index :: len(linked)]
            group = WorkGroup.objects.create(
                unit=unit,
                village=village,
                leader=members[0],
                # In March of last year: last year's projects were theirs too.
                established_on=datetime.date(today.year - 1, 3, 1),
            )
            WorkGroupMember.objects.bulk_create(
                WorkGroupMember(work_group=group, cadre=cadre) for cadre in members
            )
            # The last cadre of a single-village unit keeps no households: a visible gap.
            carriers = members[:-1] if len(linked) == 1 else members
            households = _make_households(rng, village)
            _assign_and_visit(rng, households, carriers, today)
            if index == 0:
                _write_survey(village, members[0], today)
    # A generator of its own, so the people and visits drawn above stay the same.
    load_projects(random.Random(f"{SEED}:projects"), today)  # noqa: S311
    load_surveys(random.Random(f"{SEED}:surveys"), today)  # noqa: S311
    load_assessments(today)
    load_visit_flags(random.Random(f"{SEED}:flags"), today)  # noqa: S311
    # The trends' history: the past days from the dated records, and today's snapshot.
    snapshots.backfill(
        since=today - datetime.timedelta(days=HISTORY_DAYS),
        until=today - datetime.timedelta(days=1),
    )
    snapshots.take(day=today)


def _load_geography(data: dict) -> dict[str, Village]:
    """The city, its counties and every township from the code table, the townships' other
    names, and the launch report's villages under their townships."""
    city = City.objects.create(**data["city"])
    by_code = {
        code: County.objects.create(city=city, code=code, name=name)
        for code, name in heze.counties().items()
    }
    townships = {
        row.code: Township(county=by_code[row.county_code], code=row.code, name=row.name)
        for row in heze.townships()
    }
    Township.objects.bulk_create(townships.values())
    TownshipAlias.objects.bulk_create(
        TownshipAlias(township=townships[row["township"]], name=row["name"])
        for row in data["aliases"]
    )
    villages = {}
    for row in data["launch_villages"]:
        township = townships[row["code"]]
        if township.name != row["name"]:
            raise ValueError(
                f"{row['code']} is {township.name} in the code table, not {row['name']}"
            )
        for code, name in row["villages"]:
            villages[code] = Village.objects.create(township=township, code=code, name=name)
    return villages


def _make_cadres(rng: random.Random, unit: Unit, spec: dict) -> list[Cadre]:
    positions = [spec["head"], spec["deputy"], *STAFF_POSITIONS][:CADRES_PER_UNIT]
    cadres = Cadre.objects.bulk_create(
        Cadre(
            unit=unit,
            name=_person_name(rng),
            position=position,
            phone=_phone(rng),
            is_party_member=rng.random() < 0.9,
        )
        for position in positions
    )
    return list(cadres)


def _make_households(rng: random.Random, village: Village) -> list[Household]:
    region = village.code[:6]
    # Village names like 王寨村 or 孙楼村 carry the main family name of the village.
    local_surname = village.name[0] if village.name[0] in SURNAMES else None
    households = []
    seen: set[str] = set()
    while len(households) < HOUSEHOLDS_PER_VILLAGE:
        born = datetime.date(rng.randint(1940, 1995), rng.randint(1, 12), rng.randint(1, 28))
        id_number = make_resident_id(rng, region, born)
        if id_number in seen or Household.objects.filter(id_number=id_number).exists():
            continue
        seen.add(id_number)
        surname = local_surname if local_surname and rng.random() < 0.6 else None
        households.append(
            Household(
                village=village,
                head_name=_person_name(rng, surname),
                id_number=id_number,
                phone=_phone(rng) if rng.random() < 0.85 else "",
                members=rng.randint(1, 6),
                category=_weighted(rng, CATEGORIES),
                address=f"{village.township.name}{village.name}{len(households) + 1}号",
            )
        )
    return list(Household.objects.bulk_create(households))


def _assign_and_visit(
    rng: random.Random, households: list[Household], cadres: list[Cadre], today: datetime.date
) -> None:
    assignments, visits = [], []
    started = today - datetime.timedelta(days=240)
    for index, household in enumerate(households):
        if rng.random() < UNASSIGNED_SHARE:
            continue
        cadre = cadres[index % len(cadres)]
        assignments.append(
            HouseholdAssignment(household=household, cadre=cadre, started_on=started)
        )
        for _ in range(rng.randint(0, 3)):
            tasks = rng.sample([field for field, _label in SIX_TASKS], k=rng.randint(1, 3))
            visits.append(
                Visit(
                    household=household,
                    cadre=cadre,
                    visited_on=today - datetime.timedelta(days=rng.randint(0, 200)),
                    method=_weighted(
                        rng, [("home", 70), ("phone", 20), ("meeting", 6), ("event", 4)]
                    ),
                    summary=rng.choice(SUMMARIES),
                    satisfaction=_weighted(
                        rng,
                        [
                            (Satisfaction.SATISFIED, 80),
                            (Satisfaction.FAIRLY_SATISFIED, 17),
                            (Satisfaction.DISSATISFIED, 3),
                        ],
                    ),
                    **dict.fromkeys(tasks, True),
                )
            )
    HouseholdAssignment.objects.bulk_create(assignments)
    Visit.objects.bulk_create(visits)
    _raise_needs(rng, visits, today)


def _write_survey(village: Village, cadre: Cadre, today: datetime.date) -> None:
    VillageSurvey.objects.create(
        village=village,
        year=today.year,
        recorded_by=cadre,
        production_and_living="以种植小麦、玉米为主，部分农户种植大蒜，青壮年多外出务工",
        poor_households="脱贫户和监测户均已落实帮扶措施，个别老人独居需重点关注",
        medical_care="村卫生室一处，慢性病老人较多，门诊慢特病办理需协助",
        schooling="适龄儿童均已入学，个别家庭高中学费有困难",
        village_committees="村两委班子齐全，按时召开党员大会和村民代表会议",
        roads="主街已硬化，村东生产路雨天泥泞",
        main_problems="生产路需硬化；缺少增收产业",
    )


def _raise_needs(rng: random.Random, visits: list[Visit], today: datetime.date) -> None:
    """A need for about one visit in five, each followed up as far as its age allows.

    ``rng`` draws what it always drew for a need (whether there is one, its category, how it
    ends, what was done), so the households, links and visits drawn after it stay the same;
    each need's course takes its own generator, seeded from the demo's seed.
    """
    needs, notes = [], []
    for visit in visits:
        if rng.random() > 0.2:
            continue
        category = rng.choice(list(NEED_TEXTS))
        fate = _weighted(
            rng,
            [
                (Need.Status.PENDING, 30),
                (Need.Status.IN_PROGRESS, 25),
                (Need.Status.RESOLVED, 40),
                (Need.Status.UNRESOLVABLE, 5),
            ],
        )
        resolution = rng.choice(RESOLUTIONS) if fate == Need.Status.RESOLVED else ""
        need = Need(
            household=visit.household,
            visit=visit,
            cadre=visit.cadre,
            category=category,
            description=NEED_TEXTS[category],
            raised_on=visit.visited_on,
            progressed_on=visit.visited_on,
        )
        course = random.Random(f"{SEED}:{visit.household.id_number}:{len(needs)}")  # noqa: S311
        notes.extend(_follow_up(course, need, today, fate=fate, resolution=resolution))
        needs.append(need)
    Need.objects.bulk_create(needs)
    NeedNote.objects.bulk_create(notes)


def _follow_up(
    rng: random.Random, need: Need, today: datetime.date, *, fate: str, resolution: str
) -> list[NeedNote]:
    """Take a new need towards its ``fate`` as far as it would have come by ``today``.

    Most needs left open for months were closed after all; a young need destined to be
    resolved is still in hand; one that cannot be resolved goes up to the county first.
    Some open ones stalled (overdue) or were escalated and are past the deadline there.
    """
    age = (today - need.raised_on).days
    if fate in (Need.Status.PENDING, Need.Status.IN_PROGRESS) and age > 45 and rng.random() < 0.9:
        fate, resolution = Need.Status.RESOLVED, rng.choice(RESOLUTIONS)
    notes: list[NeedNote] = []

    def step(on: datetime.date, text: str) -> datetime.date:
        notes.append(
            NeedNote(need=need, noted_on=on, status=need.status, level=need.level, text=text)
        )
        need.progressed_on = on
        return on

    def later(after: datetime.date, most: int) -> datetime.date:
        return min(today, after + datetime.timedelta(days=rng.randint(1, max(1, most))))

    if fate == Need.Status.PENDING and (age <= 2 or rng.random() < 0.4):
        return notes
    need.status = Need.Status.IN_PROGRESS
    on = step(later(need.raised_on, min(age, 3)), "已开始办理，向户主了解详细情况")
    if fate == Need.Status.RESOLVED and age >= rng.randint(3, 25):
        need.status = Need.Status.RESOLVED
        need.resolution = resolution
        need.satisfaction = _weighted(
            rng, [(Satisfaction.SATISFIED, 85), (Satisfaction.FAIRLY_SATISFIED, 15)]
        )
        need.closed_on = step(later(on, min(age, 25)), resolution)
        return notes
    if fate == Need.Status.UNRESOLVABLE and age >= 25:
        for level in (Need.Level.UNIT, Need.Level.TOWNSHIP, Need.Level.COUNTY):
            on = later(on, 6)
            _escalate(need, level, on)
            step(on, ESCALATION_NOTES[level])
        need.status = Need.Status.UNRESOLVABLE
        need.resolution = "超出现行政策范围，已向户主解释并报乡镇备案"
        need.closed_on = step(later(on, 4), need.resolution)
        return notes
    # Still in hand: some handed up the line, some stalled with no step since.
    if age > 10 and (fate == Need.Status.UNRESOLVABLE or rng.random() < 0.35):
        on = later(on, age // 3)
        _escalate(need, Need.Level.UNIT, on)
        step(on, ESCALATION_NOTES[Need.Level.UNIT])
        if age > 30 and rng.random() < 0.5:
            on = later(on, 10)
            _escalate(need, Need.Level.TOWNSHIP, on)
            step(on, ESCALATION_NOTES[Need.Level.TOWNSHIP])
    if rng.random() < 0.7 and (today - on).days > 3:
        step(later(on, (today - on).days), "已联系相关部门，等待答复")
    return notes


ESCALATION_NOTES = {
    Need.Level.UNIT: "干部个人难以解决，报请派出单位协调",
    Need.Level.TOWNSHIP: "单位协调未果，报乡镇处理",
    Need.Level.COUNTY: "乡镇无法解决，报县里办结",
}


def _escalate(need: Need, level: str, on: datetime.date) -> None:
    need.level = level
    need.escalated_on = on
    need.due_on = on + datetime.timedelta(days=deadline_days(level))


@transaction.atomic
def ensure_demo_logins() -> list[DemoLogin]:
    """Create or reset the demo accounts so the printed logins always work."""
    user_model = get_user_model()
    admin_user, _created = user_model.objects.get_or_create(username=SUPERUSER.username)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.first_name = "市级协调员"
    _set_password(admin_user, SUPERUSER.password)
    logins = [SUPERUSER]
    cadres = (
        Cadre.objects.filter(in_service=True, assignments__ended_on__isnull=True)
        .select_related("unit")
        .distinct()
        .order_by("pk")
    )
    # One cadre from each of two units, so the demo shows two different scopes.
    picked: dict[int, Cadre] = {}
    for cadre in cadres:
        picked.setdefault(cadre.unit_id, cadre)
    for username, cadre in zip(CADRE_USERNAMES, picked.values(), strict=False):
        user, _created = user_model.objects.get_or_create(username=username)
        user.first_name = cadre.name
        _set_password(user, CADRE_PASSWORD)
        Cadre.objects.filter(user=user).exclude(pk=cadre.pk).update(user=None)
        cadre.user = user
        cadre.save(update_fields=["user"])
        role = f"干部 {cadre.name}（{cadre.unit.name}）"
        logins.append(DemoLogin(username, CADRE_PASSWORD, role))
    return logins


def _set_password(user: AbstractUser, password: str) -> None:
    user.set_password(password)
    user.save()
