"""The dashboard's "项目与资金" section: read from the rollups, equal to a recount of the raw
tables at every level after every kind of change, in a constant number of queries."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from projects import activities as activity_steps
from projects import allocations
from projects import projects as project_steps
from projects.models import Activity, Allocation, FundPool, Project
from shuanglian.figures import rollups
from shuanglian.figures.coverage import Rate, gap_count, gap_queryset
from shuanglian.figures.project_stats import UnitRank
from shuanglian.figures.summary import figures_for
from shuanglian.models import Role, RollupMark, WorkGroupFigures
from tests.factories import (
    make_city,
    make_coordinator,
    make_county,
    make_township,
    make_unit,
    make_village,
    make_work_group,
)
from tests.oracles import recount_project_figures
from units.models import Unit, WorkGroup
from villages.models import County, Township, Village

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
D = Decimal


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path


def voucher() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(data, "PNG")
    return SimpleUploadedFile("凭证.png", data.getvalue(), content_type="image/png")


def make_project(group: WorkGroup, **fields: object) -> Project:
    fields.setdefault("kind", Project.Kind.INDUSTRY)
    fields.setdefault("title", "蔬菜大棚")
    return Project.objects.create(work_group=group, **fields)


def make_activity(group: WorkGroup, **fields: object) -> Activity:
    fields.setdefault("kind", Activity.Kind.TRAINING)
    fields.setdefault("title", "种植技术培训班")
    return Activity.objects.create(work_group=group, **fields)


def grant(project: Project, pool: FundPool, amount: str, *, paid: str | None = None) -> Allocation:
    """Apply for, review and approve an allocation, and pay ``paid`` of it, as the services do."""
    allocation = allocations.apply_for(project=project, pool=pool, amount=amount, by=None)
    allocations.review(allocation=allocation, by=None)
    allocation = allocations.approve(allocation=allocation, by=None)
    if paid is not None:
        allocations.disburse(allocation=allocation, amount=paid, voucher=voucher(), by=None)
    return allocation


@pytest.fixture
def city() -> dict:
    """Two counties, three townships, five villages, seven units and eight work groups; pools,
    projects in every state, allocations at every step, activities; some of last year."""
    make_city()
    east = make_county(code="371728000000", name="东明县")
    west = make_county(code="371721000000", name="曹县")
    t1 = make_township(county=east, code="371728104000", name="沙窝镇")
    t2 = make_township(county=east, code="371728105000", name="菜园集镇")
    t3 = make_township(county=west, code="371721101000", name="普连集镇")
    villages = [
        make_village(township=t1, code="371728104201", name="王寨村"),
        make_village(township=t1, code="371728104202", name="蔡寨村"),
        make_village(township=t2, code="371728105201", name="东村"),
        make_village(township=t3, code="371721101201", name="西村"),
        make_village(township=t3, code="371721101202", name="空村"),
    ]
    names = [
        "市委组织部",
        "市财政局",
        "市农业农村局",
        "市水务局",
        "东明县委",
        "曹县交通局",
        "市妇联",
    ]
    units = [make_unit(name=name) for name in names]
    groups = [
        make_work_group(unit=units[0], village=villages[0]),
        make_work_group(unit=units[1], village=villages[0]),
        make_work_group(unit=units[2], village=villages[1]),
        make_work_group(unit=units[3], village=villages[2]),
        make_work_group(unit=units[4], village=villages[3]),
        make_work_group(unit=units[5], village=villages[3]),
        make_work_group(unit=units[6], village=villages[1]),
        make_work_group(unit=units[0], village=villages[2]),
    ]
    pools = {
        "organisation": FundPool.objects.create(
            source=FundPool.Source.ORGANISATION, name="组织部专项", amount=D("1000000.00")
        ),
        "finance": FundPool.objects.create(
            source=FundPool.Source.FINANCE, name="财政衔接资金", amount=D("500000.00")
        ),
        "old": FundPool.objects.create(
            source=FundPool.Source.AGRICULTURE, name="往年资金", amount=D("80000.00"), year=YEAR - 1
        ),
    }
    road = make_project(
        groups[0],
        kind=Project.Kind.INFRASTRUCTURE,
        title="村内道路硬化",
        budget_pooled=D("200000.00"),
        budget_unit=D("30000.00"),
        budget_village=D("10000.00"),
        beneficiary_count=120,
    )
    market = make_project(
        groups[1], title="农贸市场", budget_pooled=D("150000.00"), budget_donation=D("5000.50")
    )
    training = make_project(
        groups[3], kind=Project.Kind.TRAINING, title="电商培训", budget_unit=D("8000.00")
    )
    coop = make_project(
        groups[4], title="合作社", budget_pooled=D("90000.00"), beneficiary_count=45
    )
    gym = make_project(
        groups[7], kind=Project.Kind.CULTURE_SPORTS, title="文体器材", budget_pooled=D("20000.00")
    )
    make_project(groups[5], title="往年项目", year=YEAR - 1, budget_unit=D("99999.00"))
    grant(road, pools["organisation"], "120000.00", paid="100000.00")
    grant(road, pools["finance"], "80000.00")
    grant(market, pools["finance"], "60000.00", paid="60000.00")
    waiting = allocations.apply_for(
        project=market, pool=pools["organisation"], amount="50000", by=None
    )
    allocations.review(
        allocation=allocations.apply_for(
            project=coop, pool=pools["finance"], amount="40000", by=None
        ),
        by=None,
    )
    returned = allocations.apply_for(
        project=coop, pool=pools["organisation"], amount="9000", by=None
    )
    allocations.give_back(allocation=returned, by=None, reason="材料不全")
    old = make_project(groups[4], title="去年的合作社", year=YEAR - 1, budget_pooled=D("30000.00"))
    grant(old, pools["old"], "30000.00", paid="12000.00")
    grant(gym, pools["organisation"], "20000.00", paid="20000.00")
    for project in (gym, training):
        project_steps.start(project=project, by=None, on=TODAY)
    project_steps.complete(project=gym, by=None, on=TODAY)
    project_steps.accept(project=gym, by=None, note="验收合格")
    first_of_year = datetime.date(YEAR, 1, 1)
    make_activity(groups[2], held_on=first_of_year)
    make_activity(groups[2], kind=Activity.Kind.DONATION, title="捐赠图书", held_on=TODAY)
    make_activity(groups[5], kind=Activity.Kind.FORUM, title="座谈会", held_on=TODAY)
    make_activity(groups[6], held_on=first_of_year - datetime.timedelta(days=1))
    return {
        "counties": [east, west],
        "townships": [t1, t2, t3],
        "villages": villages,
        "units": units,
        "groups": groups,
        "pools": pools,
        "projects": {"road": road, "market": market, "training": training, "coop": coop},
        "waiting": waiting,
    }


def assert_exact() -> None:
    """Every level's section, read from the rollups, equals a recount of the raw tables."""
    areas = [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]
    for area in areas:
        rolled = figures_for(area).projects
        counted = recount_project_figures(area)
        assert rolled.total == counted.total, area
        for pk in rolled.rows.keys() | counted.rows.keys():
            assert rolled.row(pk) == counted.row(pk), (area, pk)
        assert rolled.sources == counted.sources, area
        assert (rolled.most, rolled.least) == (counted.most, counted.least), area
        assert gap_count("groups", area) == gap_queryset("groups", area).count(), area
    assert not RollupMark.objects.exists()


def test_the_section_starts_exact_and_holds_something(city: dict) -> None:
    assert_exact()
    figures = figures_for(None).projects
    total = figures.total
    assert (total.allocated, total.paid, total.left) == (
        D("280000.00"),
        D("180000.00"),
        D("100000.00"),
    ), "approved or later, from this year's pools; the applied, reviewed and returned not"
    assert total.projects.total == 5, "last year's projects are not this year's"
    assert (
        total.projects.planned,
        total.projects.underway,
        total.projects.completed,
        total.projects.accepted,
    ) == (3, 1, 0, 1)
    assert total.budget.total == D("513000.50")
    assert total.beneficiaries == 165
    assert total.per_household == D("3109.09")
    assert total.activities == 3, "the activity of last December is not this year's"
    assert total.groups == Rate(7, 8), "市妇联's only activity was last December"


def test_the_city_shows_each_source_with_its_pools(city: dict) -> None:
    sources = {source.source: source for source in figures_for(None).projects.sources}
    organisation, finance = sources["organisation"], sources["finance"]
    assert (organisation.allocated, organisation.paid, organisation.left) == (
        D("140000.00"),
        D("120000.00"),
        D("20000.00"),
    )
    assert (organisation.pools, organisation.unallocated) == (D("1000000.00"), D("860000.00"))
    assert (finance.allocated, finance.paid, finance.unallocated) == (
        D("140000.00"),
        D("60000.00"),
        D("360000.00"),
    )
    assert sources["agriculture"].pools is None, "last year's pool is not this year's"
    # An area below the city holds part of the pools' money: no pool columns there.
    county = figures_for(city["counties"][0]).projects
    assert all(source.pools is None for source in county.sources)
    assert county.total.allocated == D("280000.00")


def test_the_units_that_did_most_and_least(city: dict) -> None:
    figures = figures_for(None).projects
    assert [(rank.name, rank.done) for rank in figures.most] == [
        ("市委组织部", 2),
        ("市农业农村局", 2),
        ("市财政局", 1),
        ("东明县委", 1),
        ("市水务局", 1),
    ]
    assert figures.most[0] == UnitRank(city["units"][0].pk, "市委组织部", 2, 0, D("260000.00")), (
        "its projects in two villages"
    )
    assert [(rank.name, rank.done) for rank in figures.least] == [("市妇联", 0), ("曹县交通局", 1)]
    township = figures_for(city["townships"][0]).projects
    assert [rank.name for rank in township.most] == [
        "市农业农村局",
        "市委组织部",
        "市财政局",
        "市妇联",
    ], "only what they did in the township's villages"
    assert township.least == []


def test_approving_and_paying_through_the_services(city: dict) -> None:
    assert_exact()
    waiting = allocations.review(allocation=city["waiting"], by=None)
    assert_exact()
    waiting = allocations.approve(allocation=waiting, by=None)
    assert figures_for(None).projects.total.allocated == D("330000.00")
    assert_exact()
    allocations.disburse(allocation=waiting, amount="12345.67", voucher=voucher(), by=None)
    assert figures_for(city["villages"][0]).projects.total.paid == D("172345.67")
    assert_exact()
    pools = FundPool.objects.filter(year=YEAR)
    sources = {s.source: s for s in figures_for(None).projects.sources}
    for pool in pools:
        assert sources[pool.source].pools_allocated == pool.allocated


def test_projects_moving_through_their_states(city: dict) -> None:
    coop = city["projects"]["coop"]
    applied = Allocation.objects.get(project=coop, status=Allocation.Status.REVIEWED)
    allocations.give_back(allocation=applied, by=None, reason="调整方案")
    project_steps.start(project=coop, by=None, on=TODAY)
    assert_exact()
    project_steps.complete(project=coop, by=None, on=TODAY)
    project_steps.accept(project=coop, by=None, note="合格")
    assert figures_for(None).projects.total.projects.accepted == 2
    assert_exact()


def test_projects_and_activities_added_changed_and_removed(city: dict) -> None:
    idle = city["groups"][6]
    assert gap_queryset("groups", None).filter(pk=idle.pk).exists()
    activity = activity_steps.save_activity(
        activity=Activity(work_group=idle, kind=Activity.Kind.EXCHANGE, title="致富经验交流会"),
        by=None,
    )
    assert not gap_queryset("groups", None).filter(pk=idle.pk).exists()
    assert_exact()
    Activity.objects.filter(pk=activity.pk).update(held_on=datetime.date(YEAR - 1, 6, 1))
    assert_exact()
    project = project_steps.save_project(
        project=Project(
            work_group=idle,
            kind=Project.Kind.SCHOOL_MEDICAL,
            title="助学",
            budget_donation=D("3000.00"),
            beneficiary_count=3,
        ),
        by=None,
    )
    assert_exact()
    Project.objects.filter(pk=project.pk).update(budget_unit=D("700.00"), beneficiary_count=10)
    assert_exact()
    Project.objects.filter(pk=project.pk).update(year=YEAR - 1)
    assert_exact()
    project.delete()
    Activity.objects.filter(work_group=city["groups"][2]).delete()
    assert_exact()


def test_pools_and_work_groups_changed_in_bulk(city: dict) -> None:
    FundPool.objects.filter(pk=city["pools"]["old"].pk).update(year=YEAR)
    assert figures_for(None).projects.total.allocated == D("310000.00")
    assert_exact()
    FundPool.objects.filter(pk=city["pools"]["finance"].pk).update(source=FundPool.Source.WATER)
    assert_exact()
    group = make_work_group(unit=city["units"][6], village=city["villages"][4])
    assert_exact()
    group.delete()
    Activity.objects.filter(work_group=city["groups"][6]).delete()
    WorkGroup.objects.filter(pk=city["groups"][6].pk).delete()
    assert_exact()
    unit = make_unit(name="新单位")
    make_work_group(unit=unit, village=city["villages"][3])
    assert_exact()


def test_a_new_year_starts_at_nothing(city: dict) -> None:
    assert_exact()
    next_year = datetime.date(YEAR + 1, 1, 1)
    figures = figures_for(None, today=next_year).projects
    assert figures.year == YEAR + 1
    assert (figures.total.projects.total, figures.total.allocated) == (0, D("0.00"))
    assert figures == recount_project_figures(None, year=YEAR + 1)
    assert WorkGroupFigures.objects.idle().count() == WorkGroup.objects.count()
    figures_for(None, today=TODAY)
    assert_exact()


def test_rebuild_recounts_the_section(city: dict) -> None:
    WorkGroupFigures.objects.update(projects=99, budget_unit=D("1.00"))
    rollups.rebuild()
    assert_exact()


# --- the page ----------------------------------------------------------------------------


def test_the_page_shows_the_section_in_chinese(city: dict, admin_client: Client) -> None:
    text = admin_client.get(reverse("dashboard")).text
    assert "项目与资金" in text
    assert "已拨付180,000.00元，待拨付100,000.00元" in text
    assert "计划3个，实施中1个，已完工0个，已验收1个" in text
    assert "3,109.09" in text
    assert "8个工作组中有7个有项目或活动" in text
    assert "1个两者皆无" in text
    assert f'href="{reverse("gap_list", args=["groups"])}"' in text
    assert 'id="money-chart"' in text and 'id="project-chart"' in text
    assert "组织部" in text and "860,000.00" in text, "each source with its pools"
    assert "1,500,000.00" in text and "1,220,000.00" in text, "and all the pools"
    assert 'id="units-most"' in text and "市妇联" in text


def test_the_page_reads_english_too(city: dict, admin_client: Client) -> None:
    text = admin_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Projects and funds" in text
    assert "180,000.00 disbursed, 100,000.00 left to pay" in text


@pytest.mark.parametrize("level", ["city", "county", "township", "village"])
def test_each_level_answers_in_a_bounded_number_of_queries(
    city: dict, admin_client: Client, django_assert_max_num_queries: object, level: str
) -> None:
    area = {
        "city": None,
        "county": city["counties"][0],
        "township": city["townships"][0],
        "village": city["villages"][0],
    }[level]
    params = {"area": area.code} if area else {}
    admin_client.get(reverse("dashboard"), params)
    with django_assert_max_num_queries(30):
        response = admin_client.get(reverse("dashboard"), params)
    assert "项目与资金" in response.text


def _queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("area", ["", "371728000000", "371728104000", "371728104201"])
def test_the_section_runs_the_same_queries_for_few_and_many_projects(
    city: dict, admin_client: Client, area: str
) -> None:
    _queries(admin_client, area=area)  # the first reader counts everything
    small = _queries(admin_client, area=area)
    pool = city["pools"]["organisation"]
    for n, group in enumerate(city["groups"] * 5):
        project = make_project(group, title=f"项目{n}", budget_pooled=D("1000.00"))
        grant(project, pool, "500.00", paid="100.00")
        make_activity(group, held_on=TODAY)
    _queries(admin_client, area=area)  # recounts what changed
    assert _queries(admin_client, area=area) == small
    assert_exact()


# --- the gap list ------------------------------------------------------------------------


def test_the_gap_list_names_the_idle_work_groups_of_the_area(
    city: dict, admin_client: Client
) -> None:
    url = reverse("gap_list", args=["groups"])
    response = admin_client.get(url)
    assert response.status_code == 200
    text = response.text
    assert "本年度无项目和活动的工作组" in text
    assert "共1条。" in text
    assert "市妇联" in text and "曹县交通局" not in text, "its forum this year counts"
    assert "市水务局" not in text
    elsewhere = admin_client.get(url, {"area": "371721000000"}).text
    assert "市妇联" not in elsewhere


def test_the_gap_list_exports_the_area_it_shows(city: dict, admin_client: Client) -> None:
    url = reverse("gap_list", args=["groups"])
    response = admin_client.get(url, {"area": "371728000000", "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("乡镇（街道）", "村（社区）", "单位", "组长", "成立日期")
    assert [row[:3] for row in rows[1:]] == [("沙窝镇", "蔡寨村", "市妇联")]


def test_a_township_coordinator_sees_only_their_own_gap_list(city: dict) -> None:
    client = Client()
    client.force_login(make_coordinator("xiangzhen", Role.TOWNSHIP, township=city["townships"][0]))
    url = reverse("gap_list", args=["groups"])
    assert client.get(url).status_code == 200
    assert client.get(url, {"area": "371721000000"}).status_code == 403
    assert client.get(reverse("dashboard"), {"area": "371721101201"}).status_code == 403


def test_unit_names_hold_no_markup(city: dict, admin_client: Client) -> None:
    Unit.objects.filter(pk=city["units"][6].pk).update(name="<b>市妇联</b>")
    text = admin_client.get(reverse("dashboard")).text
    assert "<b>市妇联</b>" not in text and "&lt;b&gt;市妇联&lt;/b&gt;" in text
