"""The dashboard's "双创" section and the ranking (考核排名): ratings, rectification, measured
satisfaction with its margin of error, and the weighted scores, each checked against a recount
of the raw tables, in a constant number of queries, scoped like the rest of the dashboard."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Checklist, RectificationItem
from projects.models import Activity
from satisfaction.models import Question, Round, VillageResult
from satisfaction.results import ALL_QUESTIONS, area_results
from shuanglian.figures import ranking as scores
from shuanglian.figures.summary import figures_for
from shuanglian.models import RankingWeights, Role
from tests.factories import (
    make_assignment,
    make_cadre,
    make_city,
    make_coordinator,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
)
from tests.oracles import recount_estimate, recount_ranking, recount_ratings
from villages.models import County, Township, Village
from visits.models import Need

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
D = Decimal


def assess(village: Village, checklist: Checklist, status: str, total: str | None = None) -> None:
    approved = status == Assessment.Status.APPROVED
    value = D(total) if total else None
    Assessment.objects.create(
        village=village,
        checklist=checklist,
        year=checklist.year,
        status=status,
        review_total=value,
        stars=checklist.stars_for(value) if approved and value is not None else None,
        up_to_standard=(value >= checklist.standard_score) if approved and value else None,
    )


def close_round(name: str, *, ends_on: datetime.date, **fields: object) -> Round:
    survey = Round.objects.create(
        name=name,
        starts_on=ends_on - datetime.timedelta(days=20),
        ends_on=ends_on,
        per_village=10,
        **fields,
    )
    Round.objects.filter(pk=survey.pk).update(status=Round.Status.CLOSED, closed_at=timezone.now())
    survey.refresh_from_db()
    return survey


def results(survey: Round, village: Village, *rows: tuple) -> None:
    """One VillageResult per question: (households, interviewed, satisfied, fair, dissatisfied,
    unknown, self_reported, self_satisfied)."""
    for n, row in enumerate(rows):
        question = Question.objects.create(
            round=survey,
            text=f"问题{n}",
            topic=Question.Topic.CADRE_VISITS if n == 0 else Question.Topic.OTHER,
        )
        households, interviewed, sat, fair, dis, unknown, own, own_sat = row
        VillageResult.objects.create(
            round=survey,
            village=village,
            question=question,
            households=households,
            interviewed=interviewed,
            satisfied=sat,
            fairly_satisfied=fair,
            dissatisfied=dis,
            unknown=unknown,
            self_reported=own,
            self_reported_satisfied=own_sat,
        )


@pytest.fixture
def city() -> dict:
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
    units = [make_unit(name=name) for name in ("市委组织部", "市财政局", "曹县交通局")]
    groups = [
        make_work_group(unit=units[0], village=villages[0]),
        make_work_group(unit=units[0], village=villages[2]),
        make_work_group(unit=units[1], village=villages[1]),
        make_work_group(unit=units[2], village=villages[3]),
    ]
    cadre = make_cadre(unit=units[0])
    gone = make_cadre(unit=units[1], in_service=False)
    for index, village in enumerate(villages[:4]):
        for n in range(3 + index):
            household = make_household(village=village)
            if n % 3 != 2:
                make_assignment(household=household, cadre=gone if index == 1 and n else cadre)
            if n % 2 == 0:
                make_visit(household=household, cadre=cadre)
            if n == 0:
                make_need(
                    household=household,
                    cadre=cadre,
                    status=Need.Status.RESOLVED,
                    closed_on=TODAY,
                    resolution="已解决",
                )
            if n == 1:
                make_need(
                    household=household,
                    cadre=cadre,
                    progressed_on=TODAY - datetime.timedelta(days=400),
                    raised_on=TODAY - datetime.timedelta(days=400),
                )
    Activity.objects.create(work_group=groups[0], kind=Activity.Kind.TRAINING, title="培训")
    checklist = Checklist.objects.create(year=YEAR, name="标准")
    last_year = Checklist.objects.create(year=YEAR - 1, name="去年标准")
    assess(villages[0], checklist, Assessment.Status.APPROVED, "92.5")
    assess(villages[1], checklist, Assessment.Status.APPROVED, "65.0")
    assess(villages[2], checklist, Assessment.Status.REVIEWED, "85.0")
    assess(villages[3], checklist, Assessment.Status.DRAFT)
    assess(villages[3], last_year, Assessment.Status.APPROVED, "99.0")
    below = Assessment.objects.get(village=villages[1], year=YEAR)
    for days, status in ((-10, "open"), (-3, "done"), (5, "open"), (-20, "accepted")):
        RectificationItem.objects.create(
            assessment=below,
            task=f"整改{days}",
            responsible="村支书",
            deadline=TODAY + datetime.timedelta(days=days),
            status=status,
        )
    old = close_round("2025年第四季度", ends_on=TODAY - datetime.timedelta(days=200))
    results(old, villages[0], (100, 10, 5, 2, 3, 0, 8, 8))
    latest = close_round("2026年第一季度", ends_on=TODAY - datetime.timedelta(days=30))
    results(latest, villages[0], (100, 10, 6, 2, 1, 1, 8, 8), (100, 10, 4, 4, 2, 0, 0, 0))
    results(latest, villages[1], (40, 8, 2, 2, 4, 0, 6, 5), (40, 8, 3, 3, 2, 0, 0, 0))
    results(latest, villages[3], (200, 4, 4, 0, 0, 0, 2, 2))
    Round.objects.create(name="进行中", ends_on=TODAY, per_village=5)
    return {
        "counties": [east, west],
        "townships": [t1, t2, t3],
        "villages": villages,
        "units": units,
        "groups": groups,
        "rounds": [old, latest],
    }


def test_ratings_statuses_and_rectification_of_the_year(city: dict) -> None:
    twin = figures_for(None).shuangchuang
    total = twin.total
    assert total.villages == 5
    assert total.stars == [0, 1, 0, 0, 1], "92.5 earns five stars, 65.0 two"
    assert total.approved == 2 and total.not_approved == 3, "last year's approval is not this one"
    assert (total.standard.done, total.standard.total) == (1, 2)
    assert dict(total.by_status) == {"draft": 1, "submitted": 0, "reviewed": 1, "approved": 2}
    assert (total.rectification_open, total.rectification_overdue) == (3, 2)
    east = twin.row(city["counties"][0].pk)
    assert (east.approved, east.rectification_overdue) == (2, 2)
    assert twin.row(city["counties"][1].pk).approved == 0


def assert_ratings_exact(today: datetime.date = TODAY) -> None:
    """Every level's ratings and rectification, read from the village figures, equal a recount
    of the assessment tables."""
    for area in [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]:
        twin = figures_for(area, today=today).shuangchuang
        counted = recount_ratings(area, today=today)
        empty = (dict.fromkeys(("draft", "submitted", "reviewed", "approved"), 0), [0] * 5, 0, 0, 0)
        for key, row in [(None, twin.total), *twin.rows.items()]:
            mine = (dict(row.by_status), row.stars, row.up_to_standard)
            mine += (row.rectification_open, row.rectification_overdue)
            assert mine == counted.get(key, empty), (area, key)


def test_ratings_follow_every_kind_of_write(city: dict) -> None:
    assert_ratings_exact()
    villages = city["villages"]
    Assessment.objects.filter(village=villages[2], year=YEAR).update(
        status=Assessment.Status.APPROVED, stars=4, up_to_standard=True
    )
    assert_ratings_exact()
    RectificationItem.objects.filter(task="整改5").update(deadline=TODAY - datetime.timedelta(1))
    assert_ratings_exact()
    RectificationItem.objects.filter(task="整改-10").update(status="accepted")
    assert_ratings_exact()
    Assessment.objects.filter(village=villages[1], year=YEAR).delete()
    assert figures_for(None).shuangchuang.total.rectification_open == 0
    assert_ratings_exact()
    Assessment.objects.filter(village=villages[3], year=YEAR).update(village=villages[4])
    assert_ratings_exact()
    assert_ratings_exact(TODAY + datetime.timedelta(days=400))


def test_measured_satisfaction_equals_the_recount_at_every_level(city: dict) -> None:
    latest = city["rounds"][1]
    areas = [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]
    for area in areas:
        survey = figures_for(area).shuangchuang.survey
        assert survey.latest == latest, area
        counted = recount_estimate(latest.pk, Village.objects.in_area(area))
        assert survey.total.interviewed == counted["interviewed"], area
        assert survey.total.percent == counted["percent"], area
        assert survey.total.margin == counted["margin"], area
        assert survey.total.self_percent == counted["self"], area


def test_the_city_estimate_weighs_villages_by_households(city: dict) -> None:
    survey = figures_for(None).shuangchuang.survey
    # 王寨村 16 of 19 answers (N 100), 蔡寨村 10 of 16 (N 40), 西村 4 of 4 (N 200).
    p = (100 * 16 / 19 + 40 * 10 / 16 + 200 * 1) / 340
    assert survey.total.percent == round(100 * p, 1)
    assert survey.total.interviewed == 22
    assert survey.total.self_percent == round(100 * 15 / 16, 1)
    assert survey.total.gap == round(survey.total.self_percent - survey.total.percent, 1)
    assert [r.name for r, _ in survey.trend] == ["2025年第四季度", "2026年第一季度"]
    assert survey.trend[0][1].percent == 70.0


def test_the_dashboard_shows_the_results_pages_figure_of_all_questions(city: dict) -> None:
    latest = city["rounds"][1]
    areas = [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]
    for area in areas:
        shown = figures_for(area).shuangchuang.survey.total
        pooled = area_results(latest, area).figures[-1]
        assert pooled.topic == ALL_QUESTIONS
        assert pooled.interviewed == shown.interviewed, area
        if shown.percent is None:
            assert not pooled.published, area
        else:
            assert round(100 * pooled.rate, 1) == shown.percent, area
            assert round(100 * pooled.margin, 1) == shown.margin, area


def test_too_few_interviews_show_no_figure(city: dict) -> None:
    survey = figures_for(city["counties"][1]).shuangchuang.survey
    assert survey.total.interviewed == 4
    assert survey.total.percent is None and survey.total.margin is None
    text = Client()
    text.force_login(make_coordinator("shi", Role.CITY))
    page = text.get(reverse("dashboard"), {"area": city["counties"][1].code}).text
    assert "样本不足" in page


def test_an_area_nobody_was_interviewed_in_shows_dashes_not_a_sample_too_small(
    city: dict,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_coordinator("shi", Role.CITY))
    page = client.get(reverse("dashboard"), {"area": city["counties"][0].code}).text
    table = page[page.index('id="twin-table"') :]
    surveyed = table[table.index("<td>沙窝镇</td>") :].split("</tr>")[0]
    unsurveyed = table[table.index("<td>菜园集镇</td>") :].split("</tr>")[0]
    assert "样本不足" not in unsurveyed and "—" in unsurveyed
    assert "%" in surveyed


def test_a_county_round_covers_its_county_only(city: dict) -> None:
    mine = close_round("东明县专项", ends_on=TODAY, county=city["counties"][0])
    results(mine, city["villages"][2], (50, 12, 12, 0, 0, 0, 0, 0))
    assert figures_for(city["counties"][0]).shuangchuang.survey.latest == mine
    assert figures_for(city["townships"][1]).shuangchuang.survey.latest == mine
    assert figures_for(None).shuangchuang.survey.latest == city["rounds"][1]
    assert figures_for(city["counties"][1]).shuangchuang.survey.latest == city["rounds"][1]


def test_a_round_closed_again_is_rolled_up_again(city: dict) -> None:
    latest = city["rounds"][1]
    before = figures_for(None).shuangchuang.survey.total.interviewed
    results(latest, city["villages"][4], (30, 9, 9, 0, 0, 0, 0, 0))
    assert figures_for(None).shuangchuang.survey.total.interviewed == before, "not yet closed anew"
    Round.objects.filter(pk=latest.pk).update(closed_at=timezone.now())
    assert figures_for(None).shuangchuang.survey.total.interviewed == before + 9


def test_the_page_shows_the_section_in_chinese(city: dict, admin_client: Client) -> None:
    text = admin_client.get(reverse("dashboard")).text
    assert "创建服务型党组织与群众满意度" in text
    assert "超期2件" in text and "无超期" not in text
    assert 'id="rating-chart"' in text and 'id="trend-chart"' in text
    assert f'href="{reverse("gap_list", args=["rectification"])}"' in text
    assert f'href="{reverse("ranking")}"' in text
    assert "2026年第一季度：受访22户" in text


def test_the_page_reads_english_too(city: dict, admin_client: Client) -> None:
    text = admin_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Service-oriented party organisations and satisfaction" in text
    assert "2026年第一季度: 22 households interviewed" in text


def _queries(client: Client, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("area", ["", "371728000000", "371728104000", "371728104201"])
@pytest.mark.parametrize("name", ["dashboard", "ranking"])
def test_the_same_queries_for_little_and_much_data(
    city: dict,
    admin_client: Client,
    django_assert_max_num_queries: object,
    area: str,
    name: str,
) -> None:
    url = reverse(name)
    _queries(admin_client, url, area=area)  # the first reader rolls up and recounts
    small = _queries(admin_client, url, area=area)
    checklist = Checklist.objects.get(year=YEAR)
    township = city["townships"][0]
    fresh = close_round("2026年第二季度", ends_on=TODAY - datetime.timedelta(days=1))
    for n in range(12):
        village = make_village(township=township, name=f"新村{n}")
        make_work_group(unit=city["units"][n % 3], village=village)
        assess(village, checklist, Assessment.Status.APPROVED, str(50 + 3 * n))
        RectificationItem.objects.create(
            assessment=Assessment.objects.get(village=village),
            task="整改",
            responsible="支书",
            deadline=TODAY - datetime.timedelta(days=n),
        )
        results(fresh, village, (80, 10, 7, 1, 2, 0, 5, 5))
    _queries(admin_client, url, area=area)
    with django_assert_max_num_queries(small):
        response = admin_client.get(url, {"area": area} if area else {})
    assert response.status_code == 200


# --- the gap list of overdue rectification items ------------------------------------------


def test_the_gap_list_names_the_overdue_items_of_the_area(city: dict, admin_client: Client) -> None:
    url = reverse("gap_list", args=["rectification"])
    text = admin_client.get(url).text
    assert "超期未完成的整改事项" in text and "共2条。" in text
    assert "整改-10" in text and "整改5" not in text and "整改-20" not in text
    assert "整改-10" not in admin_client.get(url, {"area": "371721000000"}).text


def test_the_gap_list_exports_its_rows(city: dict, admin_client: Client) -> None:
    url = reverse("gap_list", args=["rectification"])
    response = admin_client.get(url, {"area": "371728104000", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("村（社区）", "年度", "整改内容")
    assert sorted(row[2] for row in rows[1:]) == ["整改-10", "整改-3"]


def test_a_township_coordinator_sees_only_their_own(city: dict) -> None:
    client = Client()
    client.force_login(make_coordinator("xiangzhen", Role.TOWNSHIP, township=city["townships"][0]))
    assert client.get(reverse("gap_list", args=["rectification"])).status_code == 200
    assert client.get(reverse("ranking")).status_code == 200
    assert client.get(reverse("ranking"), {"area": "371721000000"}).status_code == 403
    text = client.get(reverse("ranking")).text
    assert "市委组织部" in text and "曹县交通局" not in text
    liaison = Client()
    liaison.force_login(make_coordinator("lianluo", Role.LIAISON, unit=city["units"][0]))
    assert liaison.get(reverse("ranking")).status_code == 403


# --- the ranking --------------------------------------------------------------------------


def weights_of(weights: RankingWeights) -> dict[str, int]:
    return {i.key: getattr(weights, i.key) for i in scores.INDICATORS}


def assert_scores_recounted(area: object) -> None:
    result = scores.ranking(area, today=TODAY)
    counted = recount_ranking(area, weights_of(result.weights), today=TODAY)
    mine = {("unit", r.pk): r.score for r in result.units} | {
        ("township", r.pk): r.score for r in result.townships
    }
    assert mine == counted, area


def test_the_scores_equal_a_recount_at_every_level(city: dict) -> None:
    for area in [None, *County.objects.all(), *Township.objects.all(), *Village.objects.all()]:
        assert_scores_recounted(area)


def test_the_scores_follow_the_weights_the_city_sets(city: dict) -> None:
    RankingWeights.objects.update_or_create(
        year=YEAR,
        defaults={
            "coverage": 0,
            "visits": 0,
            "needs": 0,
            "projects": 0,
            "rating": 1,
            "satisfaction": 0,
        },
    )
    result = scores.ranking(None, today=TODAY)
    by_name = {r.name: r for r in result.units}
    assert by_name["市委组织部"].score == 92.5, "the mean approved total of its villages"
    assert by_name["市财政局"].score == 65.0
    assert by_name["曹县交通局"].score is None, "nothing approved: no score at all"
    assert [r.rank for r in result.units] == [1, 2, None]
    assert_scores_recounted(None)


def test_a_missing_indicator_is_left_out_and_the_weights_shared(city: dict) -> None:
    result = scores.ranking(None, today=TODAY)
    transport = next(r for r in result.units if r.name == "曹县交通局")
    parts = {p.indicator.key: p for p in transport.parts}
    assert parts["rating"].value is None, "no approved assessment this year"
    assert parts["satisfaction"].value is None, "4 interviews, fewer than 10"
    present = [p for p in transport.parts if p.value is not None]
    expected = sum(p.weight * p.value for p in present) / sum(p.weight for p in present)
    assert transport.score == round(expected, 1)


def test_weights_cannot_all_be_zero() -> None:
    weights = RankingWeights(
        year=YEAR, coverage=0, visits=0, needs=0, projects=0, rating=0, satisfaction=0
    )
    with pytest.raises(ValidationError) as raised:
        weights.full_clean()
    assert "至少有一项权重大于零。" in str(raised.value)


def test_the_weights_are_made_with_their_defaults_when_first_read(db: None) -> None:
    weights = scores.weights_for(YEAR)
    assert weights_of(weights) == {
        "coverage": 20,
        "visits": 20,
        "needs": 15,
        "projects": 15,
        "rating": 15,
        "satisfaction": 15,
    }


def test_only_a_city_coordinator_changes_the_weights(city: dict) -> None:
    weights = scores.weights_for(YEAR)
    url = reverse("admin:shuanglian_rankingweights_change", args=[weights.pk])
    county = Client()
    county.force_login(make_coordinator("xian", Role.COUNTY, county=city["counties"][0]))
    assert county.get(url).status_code == 200
    listed = county.get(reverse("admin:shuanglian_rankingweights_changelist"))
    assert listed.status_code == 200 and str(YEAR) in listed.text
    assert county.get(reverse("admin:shuanglian_rankingweights_add")).status_code == 403
    county.post(
        url,
        {
            "year": YEAR,
            "coverage": 90,
            "visits": 0,
            "needs": 0,
            "projects": 0,
            "rating": 0,
            "satisfaction": 0,
        },
    )
    weights.refresh_from_db()
    assert weights.coverage == 20
    city_client = Client()
    city_client.force_login(make_coordinator("shi", Role.CITY))
    response = city_client.post(
        url,
        {
            "year": YEAR,
            "coverage": 90,
            "visits": 0,
            "needs": 0,
            "projects": 0,
            "rating": 0,
            "satisfaction": 0,
        },
    )
    assert response.status_code == 302
    weights.refresh_from_db()
    assert weights.coverage == 90


def test_the_ranking_page_and_its_workbook(city: dict, admin_client: Client) -> None:
    text = admin_client.get(reverse("ranking")).text
    assert "考核排名" in text and "市委组织部" in text and "沙窝镇" in text
    unit = city["units"][0]
    assert f'href="?row=unit-{unit.pk}#ranking-detail"' in text
    detail = admin_client.get(reverse("ranking"), {"row": f"unit-{unit.pk}"}).text
    assert "市委组织部得分的构成" in detail and 'id="ranking-parts"' in detail
    assert "<b>" not in admin_client.get(reverse("ranking"), {"row": "unit-<b>"}).text
    response = admin_client.get(reverse("ranking"), {"format": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    units = workbook.worksheets[0]
    assert units.freeze_panes == "A2"
    rows = list(units.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "名称", "得分", "户覆盖率")
    result = scores.ranking(None, today=TODAY)
    assert [row[1:3] for row in rows[1:]] == [(r.name, r.score) for r in result.units]
    assert isinstance(rows[1][2], float)
    assert admin_client.get(reverse("ranking"), {"format": "pdf"}).status_code == 404


def test_names_in_the_ranking_hold_no_markup(city: dict, admin_client: Client) -> None:
    from units.models import Unit

    Unit.objects.filter(pk=city["units"][0].pk).update(name="<b>市委组织部</b>")
    text = admin_client.get(reverse("ranking"), {"area": "371728000000"}).text
    assert "<b>市委组织部</b>" not in text and "&lt;b&gt;市委组织部&lt;/b&gt;" in text
    assert "?area=371728000000&amp;row=unit-" in text
