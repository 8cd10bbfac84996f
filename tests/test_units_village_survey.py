"""村情民意: work-group members write one survey per village and year; coordinators read them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_cadre,
    make_staff_user,
    make_user,
    make_village,
    make_village_survey,
    make_work_group,
    make_work_group_member,
)
from units.models import Cadre, VillageSurvey, WorkGroup

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
ANSWERS = {
    "production_and_living": "以种植小麦为主",
    "poor_households": "脱贫户12户",
    "medical_care": "村卫生室一处",
    "schooling": "适龄儿童全部入学",
    "village_committees": "村两委班子齐全",
    "roads": "主街已硬化",
    "schools": "村小学一所",
    "farms_and_cooperatives": "大蒜合作社一个",
    "main_problems": "生产路需硬化",
}


def signed_in(cadre: Cadre) -> Client:
    if cadre.user is None:
        cadre.user = make_user(f"user{cadre.pk}")
        cadre.save(update_fields=["user"])
    client = Client()
    client.force_login(cadre.user)
    return client


@pytest.fixture
def group(db: None) -> WorkGroup:
    village = make_village(name="王寨村")
    group = make_work_group(village=village)
    group.leader = make_cadre(unit=group.unit, name="组长甲")
    group.save()
    make_work_group_member(work_group=group, cadre=make_cadre(unit=group.unit, name="组员乙"))
    return group


def member(group: WorkGroup) -> Cadre:
    return group.memberships.get().cadre


def survey_url(group: WorkGroup, year: int | None = None) -> str:
    if year is None:
        return reverse("units:village_survey", args=[group.village.pk])
    return reverse("units:village_survey_year", args=[group.village.pk, year])


def test_a_member_writes_this_years_survey_and_it_shows_on_the_list(group: WorkGroup) -> None:
    client = signed_in(member(group))
    listing = client.get(reverse("units:my_villages"))
    assert "王寨村" in listing.text
    assert f"{THIS_YEAR}年尚未填写" in listing.text

    form = client.get(survey_url(group))
    assert form.status_code == 200
    for name, label in [("production_and_living", "生产生活情况"), ("main_problems", "主要问题")]:
        assert f'<label for="id_{name}">{label}</label>' in form.text
    assert len(form.content) < 100_000

    response = client.post(survey_url(group), ANSWERS, follow=True)
    assert f"王寨村{THIS_YEAR}年村情民意已保存。" in response.text
    assert f"{THIS_YEAR}年已填写，点击修改" in response.text
    survey = VillageSurvey.objects.get()
    assert (survey.village, survey.year, survey.recorded_by) == (
        group.village,
        THIS_YEAR,
        member(group),
    )
    assert survey.roads == "主街已硬化"


def test_saving_again_the_same_year_updates_the_one_survey(group: WorkGroup) -> None:
    signed_in(member(group)).post(survey_url(group), ANSWERS)
    leader_client = signed_in(group.leader)
    page = leader_client.get(survey_url(group))
    assert "主街已硬化" in page.text
    assert "组员乙于" in page.text
    leader_client.post(survey_url(group), {**ANSWERS, "roads": "生产路已硬化"})
    survey = VillageSurvey.objects.get()
    assert (survey.roads, survey.recorded_by) == ("生产路已硬化", group.leader)


def test_an_earlier_year_is_its_own_survey(group: WorkGroup) -> None:
    client = signed_in(member(group))
    client.post(survey_url(group), ANSWERS)
    client.post(survey_url(group, THIS_YEAR - 1), {**ANSWERS, "roads": "去年的路"})
    assert sorted(VillageSurvey.objects.values_list("year", "roads")) == [
        (THIS_YEAR - 1, "去年的路"),
        (THIS_YEAR, "主街已硬化"),
    ]
    page = client.get(survey_url(group))
    assert survey_url(group, THIS_YEAR - 1) in page.text


def test_years_to_come_and_before_the_campaign_are_not_found(group: WorkGroup) -> None:
    client = signed_in(member(group))
    assert client.get(survey_url(group, THIS_YEAR + 1)).status_code == 404
    assert client.get(survey_url(group, 2015)).status_code == 404


def test_one_survey_per_village_and_year_is_a_database_rule(group: WorkGroup) -> None:
    make_village_survey(village=group.village, recorded_by=group.leader)
    duplicate = VillageSurvey(village=group.village, year=THIS_YEAR, recorded_by=group.leader)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.messages == ["该村本年度的村情民意已经填写。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_cadres_outside_the_work_group_get_not_found(group: WorkGroup) -> None:
    stranger = make_cadre(unit=group.unit, name="外人")
    client = signed_in(stranger)
    assert client.get(survey_url(group)).status_code == 404
    assert client.post(survey_url(group), ANSWERS).status_code == 404
    assert not VillageSurvey.objects.exists()
    listing = client.get(reverse("units:my_villages"))
    assert "王寨村" not in listing.text
    assert "您还不是任何村工作组的成员。" in listing.text


def test_users_who_are_not_cadres_get_the_no_role_page_or_not_found(group: WorkGroup) -> None:
    client = Client()
    client.force_login(make_user("villager"))
    assert client.get(reverse("units:my_villages")).status_code == 403
    assert client.get(survey_url(group)).status_code == 404
    anonymous = Client().get(survey_url(group))
    assert anonymous["Location"].startswith(reverse("login"))


def test_the_list_runs_the_same_queries_for_2_and_20_villages(group: WorkGroup) -> None:
    cadre = member(group)
    client = signed_in(cadre)
    client.get(reverse("units:my_villages"))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("units:my_villages")).status_code == 200
        return len(captured)

    make_work_group_member(work_group=make_work_group(unit=group.unit), cadre=cadre)
    small = count()
    for n in range(18):
        other = make_work_group(unit=group.unit, village=make_village())
        make_work_group_member(work_group=other, cadre=cadre)
        if n % 2:
            make_village_survey(village=other.village, recorded_by=cadre)
    assert count() == small
    assert client.get(reverse("units:my_villages")).text.count("年已填写，点击修改") == 9


def test_coordinators_read_surveys_in_admin_but_cannot_change_them(group: WorkGroup) -> None:
    survey = make_village_survey(village=group.village, recorded_by=group.leader)
    old = make_village_survey(
        village=make_village(name="李庄村"), year=THIS_YEAR - 1, recorded_by=group.leader
    )
    coordinator = Client()
    coordinator.force_login(
        make_staff_user("county", "units.view_villagesurvey", "units.change_villagesurvey")
    )
    changelist = reverse("admin:units_villagesurvey_changelist")
    listing = coordinator.get(changelist)
    assert listing.status_code == 200
    assert "王寨村" in listing.text and "李庄村" in listing.text
    assert "王寨村" not in coordinator.get(changelist, {"year__exact": THIS_YEAR - 1}).text
    assert "李庄村" not in coordinator.get(changelist, {"q": "王寨"}).text
    by_unit = coordinator.get(changelist, {"recorded_by__unit__id__exact": group.unit.pk})
    assert "王寨村" in by_unit.text
    county = group.village.township.county
    assert "王寨村" in coordinator.get(changelist, {"county": county.pk}).text

    change = reverse("admin:units_villagesurvey_change", args=[survey.pk])
    page = coordinator.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "生产路需硬化" in page.text
    assert coordinator.post(change, {"main_problems": "改了"}).status_code == 403
    assert coordinator.get(reverse("admin:units_villagesurvey_add")).status_code == 403
    survey.refresh_from_db()
    assert survey.main_problems == "生产路需硬化"
    assert old.year == THIS_YEAR - 1


def test_superusers_may_correct_a_survey_in_admin(group: WorkGroup, admin_client: Client) -> None:
    survey = make_village_survey(village=group.village, recorded_by=group.leader)
    page = admin_client.get(reverse("admin:units_villagesurvey_change", args=[survey.pk]))
    assert 'name="_save"' in page.text


def test_the_survey_page_says_who_saved_it_last(group: WorkGroup) -> None:
    make_village_survey(village=group.village, recorded_by=group.leader)
    VillageSurvey.objects.update(
        updated_at=datetime.datetime(2026, 3, 1, 1, 30, tzinfo=datetime.UTC)
    )
    page = signed_in(member(group)).get(survey_url(group))
    assert "组长甲于2026-03-01 09:30最后保存" in page.text


def test_the_unit_filter_narrows_the_list_and_lists_units_only_when_few(
    group: WorkGroup, admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from units.admin.filters import RecorderUnitFilter

    make_village_survey(village=group.village, recorded_by=group.leader)
    other = make_cadre(name="外单位干部")
    make_village_survey(village=make_village(name="李庄村"), recorded_by=other)
    changelist = reverse("admin:units_villagesurvey_changelist")

    def unit_choices(response) -> list[str]:
        specs = response.context["cl"].filter_specs
        # A filter with nothing to offer is left out of the sidebar.
        return [
            str(title)
            for spec in specs
            if isinstance(spec, RecorderUnitFilter)
            for _key, title in spec.lookup_choices
        ]

    listing = admin_client.get(changelist)
    assert set(unit_choices(listing)) == {group.unit.name, other.unit.name}
    monkeypatch.setattr(RecorderUnitFilter, "most_choices", 1)
    assert unit_choices(admin_client.get(changelist)) == []
    by_unit = admin_client.get(changelist, {"recorded_by__unit__id__exact": other.unit.pk})
    assert by_unit.status_code == 200
    assert "李庄村" in by_unit.text and "王寨村" not in by_unit.text
