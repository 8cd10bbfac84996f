import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_cadre, make_household, make_need, make_user
from visits import needs
from visits.models import Need, NeedNote

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PASSWORD = "a-long-test-password"


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def cadre():
    return make_cadre(name="王干部", user=make_user("wang", first_name="王干部"))


@pytest.fixture
def cadre_client(cadre) -> Client:
    client = Client()
    client.login(username="wang", password=PASSWORD)
    return client


def page_text(response) -> str:
    return response.content.decode()


def test_my_needs_lists_open_needs_overdue_first_and_marked(cadre_client, cadre, settings):
    settings.NEED_OVERDUE_DAYS = 15
    fresh = make_need(
        cadre=cadre,
        household=make_household(head_name="赵一"),
        category=Need.Category.HOUSING,
        description="房屋漏雨，申请危房改造",
        raised_on=days_ago(3),
        progressed_on=days_ago(3),
    )
    stale = make_need(
        cadre=cadre,
        household=make_household(head_name="钱二"),
        description="看病报销",
        raised_on=days_ago(40),
        progressed_on=days_ago(20),
    )
    make_need(
        cadre=cadre,
        household=make_household(head_name="孙三"),
        status=Need.Status.RESOLVED,
        resolution="已办",
        closed_on=TODAY,
    )

    response = cadre_client.get(reverse("visits:my_needs"))

    assert response.status_code == 200
    assert [n.pk for n in response.context["needs"]] == [stale.pk, fresh.pk]
    text = page_text(response)
    assert "我的待办诉求" in text
    assert text.index("钱二") < text.index("赵一")
    assert "孙三" not in text
    assert text.count('<span class="badge">已超期</span>') == 1
    assert f"{days_ago(40):%Y-%m-%d}提出，20天无进展" in text
    assert f"{days_ago(3):%Y-%m-%d}提出，3天无进展" in text
    assert "住房" in text
    assert "房屋漏雨，申请危房改造" in text


def test_escalated_needs_are_listed_apart_with_their_deadline(cadre_client, cadre):
    make_need(
        cadre=cadre,
        household=make_household(head_name="李四"),
        level=Need.Level.TOWNSHIP,
        escalated_on=days_ago(12),
        due_on=days_ago(2),
        raised_on=days_ago(20),
        progressed_on=days_ago(12),
    )

    response = cadre_client.get(reverse("visits:my_needs"))

    assert response.context["needs"] == []
    text = page_text(response)
    assert "暂无待办诉求。" in text
    assert "已上报，由上级办理" in text
    assert f"乡镇（街道） · {days_ago(2):%Y-%m-%d}前办结" in text
    assert "已超期" in text


def test_a_cadre_does_not_see_another_cadres_needs(cadre_client):
    other = make_need(household=make_household(head_name="周五"))

    assert "周五" not in page_text(cadre_client.get(reverse("visits:my_needs")))
    assert cadre_client.get(reverse("visits:need", args=[other.pk])).status_code == 404
    response = cadre_client.post(reverse("visits:need_step", args=[other.pk]), {"step": "start"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Need.Status.PENDING


def test_a_user_who_is_not_a_cadre_gets_the_no_role_page_and_no_need(cadre):
    need = make_need(cadre=cadre)
    make_user("nobody")
    client = Client()
    client.login(username="nobody", password=PASSWORD)

    response = client.get(reverse("visits:my_needs"))
    assert response.status_code == 403
    assert "尚未分配角色" in page_text(response)
    assert client.get(reverse("visits:need", args=[need.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(cadre):
    need = make_need(cadre=cadre)
    for url in (reverse("visits:my_needs"), reverse("visits:need", args=[need.pk])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_need_page_shows_details_and_the_dated_steps_newest_last(cadre_client, cadre):
    user = cadre.user
    need = make_need(
        cadre=cadre,
        household=make_household(head_name="吴六"),
        description="孩子上高中学费有困难",
        raised_on=days_ago(10),
    )
    needs.start(need=need, by=user, on=days_ago(9), note="已了解家庭情况")
    needs.add_note(need=need, by=user, on=days_ago(4), text="已联系县教育局资助中心")

    response = cadre_client.get(reverse("visits:need", args=[need.pk]))

    text = page_text(response)
    assert "孩子上高中学费有困难" in text
    assert '<dd id="need-status">办理中</dd>' in text
    assert text.index("已了解家庭情况") < text.index("已联系县教育局资助中心")
    assert f"{days_ago(9):%Y-%m-%d} · 办理中 · 联系干部 · 王干部" in text


def steps_shown(response) -> list[str]:
    return [item["step"] for item in response.context["steps"]]


def test_the_need_page_offers_only_the_allowed_next_steps(cadre_client, cadre):
    pending = make_need(cadre=cadre)
    started = make_need(cadre=cadre, status=Need.Status.IN_PROGRESS)
    escalated = make_need(cadre=cadre, level=Need.Level.UNIT, due_on=TODAY)
    closed = make_need(cadre=cadre, status=Need.Status.RESOLVED, resolution="已办", closed_on=TODAY)

    def shown(need: Need) -> list[str]:
        return steps_shown(cadre_client.get(reverse("visits:need", args=[need.pk])))

    assert shown(pending) == ["start", "resolve", "escalate", "note"]
    assert shown(started) == ["resolve", "escalate", "note"]
    assert shown(escalated) == ["note"]
    assert shown(closed) == []
    text = page_text(cadre_client.get(reverse("visits:need", args=[pending.pk])))
    assert '<label for="id_resolve-what_was_done">办理结果:</label>' in text
    assert '<label for="id_escalate-note">上报原因:</label>' in text
    assert "<legend>群众满意度</legend>" in text
    assert "认定无法解决" not in text


def post_step(client: Client, need: Need, step: str, **data: str):
    fields = {f"{step}-{name}": value for name, value in data.items()}
    return client.post(reverse("visits:need_step", args=[need.pk]), {"step": step, **fields})


def test_starting_a_need_from_the_phone(cadre_client, cadre):
    need = make_need(cadre=cadre, raised_on=days_ago(5))

    response = post_step(cadre_client, need, "start")

    assert response.status_code == 302
    assert response.url == reverse("visits:need", args=[need.pk])
    need.refresh_from_db()
    assert need.status == Need.Status.IN_PROGRESS
    page = cadre_client.get(response.url)
    assert "已开始办理。" in page_text(page)
    assert need.notes.get().author == cadre.user


def test_resolving_needs_what_was_done_and_the_households_satisfaction(cadre_client, cadre):
    need = make_need(cadre=cadre, raised_on=days_ago(5))

    response = post_step(cadre_client, need, "resolve", what_was_done="", on=f"{TODAY:%Y-%m-%d}")

    assert response.status_code == 200
    errors = response.context["steps"][1]["form"].errors
    assert errors == {
        "what_was_done": ["这个字段是必填项。"],
        "satisfaction": ["请选择群众满意度。"],
    }
    assert 'id="step-resolve" open' in page_text(response)
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING

    response = post_step(
        cadre_client,
        need,
        "resolve",
        what_was_done="已办理助学贷款",
        satisfaction="satisfied",
        on=f"{days_ago(1):%Y-%m-%d}",
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.resolution, need.satisfaction, need.closed_on) == (
        Need.Status.RESOLVED,
        "已办理助学贷款",
        "satisfied",
        days_ago(1),
    )
    assert "诉求已办结。" in page_text(cadre_client.get(response.url))


def test_a_refusal_from_the_rules_is_shown_on_the_form(cadre_client, cadre):
    need = make_need(cadre=cadre, raised_on=days_ago(5))

    response = post_step(cadre_client, need, "note", text="回访", on=f"{days_ago(6):%Y-%m-%d}")

    assert response.status_code == 200
    assert response.context["steps"][3]["form"].errors == {"on": ["日期不能早于诉求提出日期。"]}
    assert not NeedNote.objects.exists()


def test_escalating_from_the_phone_hands_the_need_to_the_unit(cadre_client, cadre, settings):
    settings.NEED_DEADLINE_DAYS_UNIT = 7
    need = make_need(cadre=cadre, raised_on=days_ago(5))

    response = post_step(
        cadre_client, need, "escalate", note="需单位协调医保", on=f"{TODAY:%Y-%m-%d}"
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.level, need.due_on) == (Need.Level.UNIT, TODAY + datetime.timedelta(days=7))
    page = cadre_client.get(response.url)
    assert "诉求已上报至干部所在单位。" in page_text(page)
    assert steps_shown(page) == ["note"]


def test_adding_a_note_from_the_phone(cadre_client, cadre):
    need = make_need(cadre=cadre, raised_on=days_ago(5), progressed_on=days_ago(5))

    response = post_step(cadre_client, need, "note", text="已电话联系", on=f"{TODAY:%Y-%m-%d}")

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.progressed_on == TODAY
    assert "进展已记录。" in page_text(cadre_client.get(response.url))


def test_a_step_not_offered_for_the_need_is_refused(cadre_client, cadre):
    need = make_need(cadre=cadre, level=Need.Level.COUNTY, raised_on=days_ago(5))

    response = post_step(cadre_client, need, "give_up", reason="无法办理", on=f"{TODAY:%Y-%m-%d}")

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING
    assert "这条诉求当前不能进行此项操作。" in page_text(cadre_client.get(response.url))
    assert cadre_client.get(reverse("visits:need_step", args=[need.pk])).status_code == 405


def make_needs(cadre, count: int) -> list[Need]:
    return [
        make_need(cadre=cadre, raised_on=days_ago(30), progressed_on=days_ago(i % 20))
        for i in range(count)
    ]


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_my_needs_runs_the_same_queries_for_1_and_30_needs(
    cadre_client, cadre, django_assert_max_num_queries
):
    make_needs(cadre, 1)
    url = reverse("visits:my_needs")
    few = count_queries(cadre_client, url)
    make_needs(cadre, 29)
    with django_assert_max_num_queries(few):
        response = cadre_client.get(url)
    assert len(response.context["needs"]) == 30
    assert len(response.content) < 100_000


def test_the_need_page_runs_the_same_queries_for_1_and_30_steps(
    cadre_client, cadre, django_assert_max_num_queries
):
    need = make_need(cadre=cadre, raised_on=days_ago(40))
    needs.add_note(need=need, by=cadre.user, on=days_ago(40), text="第一次回访")
    url = reverse("visits:need", args=[need.pk])
    few = count_queries(cadre_client, url)
    for i in range(29):
        needs.add_note(need=need, by=cadre.user, on=days_ago(39 - i), text=f"第{i + 2}次回访")
    with django_assert_max_num_queries(few):
        response = cadre_client.get(url)
    assert len(response.context["notes"]) == 30
    assert len(response.content) < 100_000
