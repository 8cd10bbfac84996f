"""Scoring a checklist: points checked against each criterion with the limit named, totals out of
100 rounded half up, the stars and the standard; and the city keeping and copying checklists."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import checklists, scoring
from assessments.models import Checklist, Criterion, CriterionScore
from tests.conftest import ScopeWorld
from tests.factories import make_checklist, make_village

D = Decimal


def criterion(weight: str = "10", how: str = "graded", title: str = "组织生活规范") -> Criterion:
    return Criterion(title=title, weight=D(weight), scoring=how, group="team")


def test_graded_criterion_takes_any_half_point_up_to_its_weight() -> None:
    graded = criterion("10")
    assert scoring.check_points(graded, "0") == D("0.0")
    assert scoring.check_points(graded, "7.5") == D("7.5")
    assert scoring.check_points(graded, D("10")) == D("10.0")
    assert scoring.check_points(graded, 3) == D("3.0")


def test_empty_points_leave_the_criterion_unscored() -> None:
    assert scoring.check_points(criterion(), "") is None
    assert scoring.check_points(criterion(), None) is None


def test_graded_points_above_the_weight_are_refused_naming_the_criterion_and_limit() -> None:
    with pytest.raises(ValidationError) as refused:
        scoring.check_points(criterion("10"), "10.5")
    assert refused.value.messages == ["“组织生活规范”的得分应在0到10分之间。"]


def test_negative_points_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        scoring.check_points(criterion("2.5"), "-1")
    assert refused.value.messages == ["“组织生活规范”的得分应在0到2.5分之间。"]


def test_graded_points_off_the_half_point_steps_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        scoring.check_points(criterion("10"), "7.3")
    assert refused.value.messages == ["“组织生活规范”按0.5分一档计分。"]


def test_met_criterion_takes_nothing_or_its_full_weight() -> None:
    met = criterion("5", "met", "建有党群服务中心")
    assert scoring.check_points(met, "0") == D("0.0")
    assert scoring.check_points(met, "5") == D("5.0")
    with pytest.raises(ValidationError) as refused:
        scoring.check_points(met, "2.5")
    assert refused.value.messages == ["“建有党群服务中心”只计达标与否：得0分或5分。"]


def test_points_that_are_not_a_number_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        scoring.check_points(criterion(), "七")
    assert refused.value.messages == ["“组织生活规范”：得分必须是数字。"]
    with pytest.raises(ValidationError):
        scoring.check_points(criterion(), "NaN")


def test_total_is_points_over_weights_out_of_100() -> None:
    rows = [(criterion("20"), D("15")), (criterion("30"), D("30")), (criterion("50"), D("40"))]
    assert scoring.total(rows) == D("85.0")


def test_total_of_weights_not_adding_to_100_is_still_out_of_100() -> None:
    rows = [(criterion("10"), D("7.5")), (criterion("30"), D("20"))]
    # 27.5 / 40 = 68.75
    assert scoring.total(rows) == D("68.8")


def test_total_rounds_half_up_to_one_decimal() -> None:
    # 1 / 8 * 100 = 12.5 exactly; 0.5 / 8 = 6.25 → 6.3 (half up, not to even)
    assert scoring.total([(criterion("8"), D("0.5"))]) == D("6.3")
    # 2 / 3 * 100 = 66.666… → 66.7
    assert scoring.total([(criterion("3"), D("2"))]) == D("66.7")


def test_total_of_no_criteria_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        scoring.total([])
    assert refused.value.messages == ["评价标准还没有任何指标。"]


def test_stars_follow_the_thresholds() -> None:
    checklist = Checklist(year=2026, name="标准")
    assert [checklist.stars_for(D(t)) for t in ("0", "59.9", "60", "70", "85", "90", "100")] == [
        1,
        1,
        2,
        3,
        4,
        5,
        5,
    ]


def test_rating_in_stars_also_says_whether_up_to_standard() -> None:
    checklist = Checklist(year=2026, name="标准", standard_score=D("80"))
    assert scoring.rating(checklist, D("79.9")) == (3, False)
    assert scoring.rating(checklist, D("80.0")) == (4, True)


def test_pass_fail_rating_gives_no_stars() -> None:
    checklist = Checklist(
        year=2026, name="标准", rating_kind=Checklist.RatingKind.PASS_FAIL, standard_score=D("75")
    )
    assert scoring.rating(checklist, D("74.9")) == (None, False)
    assert scoring.rating(checklist, D("75")) == (None, True)


def test_points_are_written_without_a_trailing_zero() -> None:
    assert scoring.points_text(D("5.0")) == "5"
    assert scoring.points_text(D("2.5")) == "2.5"


# --- keeping the checklists ---------------------------------------------------------------


@pytest.mark.django_db
def test_city_saves_a_checklist_with_its_criteria(scope_world: ScopeWorld) -> None:
    checklist = Checklist(year=2030, name="2030年标准")
    rows = [criterion("60", title="甲"), criterion("40", "met", "乙")]
    checklists.save_checklist(checklist=checklist, criteria=rows, by=scope_world.users["city"])
    assert list(checklist.criteria.values_list("title", "weight")) == [
        ("甲", D("60.0")),
        ("乙", D("40.0")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county", "township", "liaison"])
def test_only_the_city_keeps_checklists(scope_world: ScopeWorld, role: str) -> None:
    checklist = Checklist(year=2030, name="2030年标准")
    with pytest.raises(PermissionDenied) as refused:
        checklists.save_checklist(
            checklist=checklist, criteria=[criterion()], by=scope_world.users[role]
        )
    assert str(refused.value) == "只有市级管理员可以维护评价标准。"
    assert not Checklist.objects.filter(year=2030).exists()


@pytest.mark.django_db
def test_thresholds_out_of_order_are_refused(scope_world: ScopeWorld) -> None:
    checklist = Checklist(year=2030, name="标准", three_stars_from=D("50"))
    with pytest.raises(ValidationError) as refused:
        checklists.save_checklist(checklist=checklist, by=scope_world.users["city"])
    assert "各星级的起点分应在0到100之间，且不低于下一档的起点分。" in refused.value.messages


def _scored(checklist: Checklist) -> None:
    from assessments.models import Assessment

    assessment = Assessment.objects.create(
        village=make_village(), checklist=checklist, year=checklist.year
    )
    first = checklist.criteria.first()
    CriterionScore.objects.create(assessment=assessment, criterion=first, self_score=D("10"))


@pytest.mark.django_db
def test_scored_checklist_keeps_its_weights_but_not_its_wording(scope_world: ScopeWorld) -> None:
    city = scope_world.users["city"]
    checklist = make_checklist()
    _scored(checklist)
    first = checklist.criteria.get(title="班子团结有力")
    first.title = "班子团结、有力"
    checklists.save_checklist(checklist=checklist, criteria=[first], by=city)
    first.refresh_from_db()
    assert first.title == "班子团结、有力"

    message = "已有村按此标准评分：指标不能增加、删除、改变分值或计分方式，只能修改文字表述。"
    first.weight = D("35")
    with pytest.raises(ValidationError) as refused:
        checklists.save_checklist(checklist=checklist, criteria=[first], by=city)
    assert refused.value.messages == [message]
    with pytest.raises(ValidationError) as refused:
        checklists.save_checklist(checklist=checklist, removed=[checklist.criteria.last()], by=city)
    assert refused.value.messages == [message]
    with pytest.raises(ValidationError):
        checklists.save_checklist(checklist=checklist, criteria=[criterion()], by=city)
    assert list(checklist.criteria.values_list("weight", flat=True)) == [
        D("40.0"),
        D("30.0"),
        D("30.0"),
    ]


@pytest.mark.django_db
def test_a_new_year_starts_from_last_years_checklist(scope_world: ScopeWorld) -> None:
    last = make_checklist(year=2029, name="2029年村级服务型党组织创建标准", five_stars_from=D("95"))
    copy = checklists.copy_checklist(from_year=2029, to_year=2030, by=scope_world.users["city"])
    assert copy.name == "2030年村级服务型党组织创建标准"
    assert copy.five_stars_from == D("95.0")
    fields = ("group", "title", "weight", "scoring", "position")
    assert list(copy.criteria.values_list(*fields)) == list(last.criteria.values_list(*fields))


@pytest.mark.django_db
def test_copying_onto_a_year_that_has_a_checklist_is_refused(scope_world: ScopeWorld) -> None:
    make_checklist(year=2029)
    make_checklist(year=2030)
    with pytest.raises(ValidationError) as refused:
        checklists.copy_checklist(from_year=2029, to_year=2030, by=scope_world.users["city"])
    assert refused.value.messages == ["2030年已有评价标准。"]
    with pytest.raises(ValidationError) as refused:
        checklists.copy_checklist(from_year=2020, to_year=2031, by=scope_world.users["city"])
    assert refused.value.messages == ["2020年没有可复制的评价标准。"]


@pytest.mark.django_db
def test_opened_but_unscored_assessments_follow_added_and_removed_criteria(
    scope_world: ScopeWorld,
) -> None:
    from assessments import assessments as steps

    checklist = make_checklist(year=2030)
    assessment = steps.start_assessment(village=make_village(), year=2030, by=None)
    last = checklist.criteria.get(title="群众满意")
    checklists.save_checklist(
        checklist=checklist,
        criteria=[criterion("30", title="群众评议")],
        removed=[last],
        by=scope_world.users["city"],
    )
    titles = set(assessment.scores.values_list("criterion__title", flat=True))
    assert titles == {"班子团结有力", "活动场所规范", "群众评议"}


@pytest.mark.django_db
def test_evidence_alone_makes_a_checklist_scored(scope_world: ScopeWorld) -> None:
    from assessments.models import Assessment

    checklist = make_checklist(year=2030)
    assessment = Assessment.objects.create(village=make_village(), checklist=checklist, year=2030)
    first = checklist.criteria.first()
    CriterionScore.objects.create(assessment=assessment, criterion=first, evidence="会议记录")
    with pytest.raises(ValidationError):
        checklists.save_checklist(
            checklist=checklist, removed=[first], by=scope_world.users["city"]
        )
    assert checklist.criteria.count() == 3


@pytest.mark.django_db
def test_the_year_of_a_checklist_in_use_cannot_change(scope_world: ScopeWorld) -> None:
    from assessments import assessments as steps

    checklist = make_checklist(year=2030)
    steps.start_assessment(village=make_village(), year=2030, by=None)
    checklist.year = 2031
    with pytest.raises(ValidationError) as refused:
        checklists.save_checklist(checklist=checklist, by=scope_world.users["city"])
    assert refused.value.messages == ["已有村按此标准评价，不能修改其年度。"]
    assert Checklist.objects.get(pk=checklist.pk).year == 2030
