"""Coordinators link cadres to households in admin: assign, distribute, hand over, look back."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devdata.demo import SUPERUSER
from shuanglian.figures import rollups
from tests.factories import (
    make_assignment,
    make_cadre,
    make_household,
    make_staff_user,
    make_village,
    make_work_group,
    make_work_group_member,
    unique_resident_id,
)
from units.coverage import HouseholdCoverageQuerySet
from units.models import Cadre, HouseholdAssignment
from villages.models import Household, Village

pytestmark = pytest.mark.django_db

ASSIGN_URL = reverse("admin:villages_household_assign")
HOUSEHOLDS_URL = reverse("admin:villages_household_changelist")
VILLAGES_URL = reverse("admin:villages_village_changelist")
CADRES_URL = reverse("admin:units_cadre_changelist")
TODAY = timezone.localdate()


def add_households(village: Village, n: int) -> list[Household]:
    created = Household.objects.bulk_create(
        Household(village=village, head_name=f"批量户{i}", id_number=unique_resident_id())
        for i in range(n)
    )
    return sorted(created, key=lambda household: household.pk)


def ids_query(households: list[Household]) -> str:
    return ",".join(str(household.pk) for household in households)


def messages_of(response: object) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def count_queries(client: Client, method: str, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in {200, 302}
    return len(queries)


def active_cadre(household: Household) -> Cadre | None:
    assignment = HouseholdAssignment.objects.active().filter(household=household).first()
    return assignment.cadre if assignment else None


@pytest.fixture
def clerk(demo: None) -> Client:
    """Staff who may edit households but not who is responsible for them."""
    make_staff_user(
        "clerk", "villages.view_household", "villages.change_household", "villages.view_village"
    )
    client = Client()
    client.login(username="clerk", password="a-long-test-password")
    return client


# Assigning chosen households ---------------------------------------------------------------


def test_the_household_action_opens_the_assign_page_for_the_chosen_households(
    superuser_client: Client,
) -> None:
    chosen = list(Household.objects.order_by("pk")[:3])
    response = superuser_client.post(
        HOUSEHOLDS_URL,
        {"action": "assign_cadre", "_selected_action": [h.pk for h in chosen]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ASSIGN_URL}?ids={ids_query(chosen)}"


def test_the_household_action_is_named_in_chinese(superuser_client: Client) -> None:
    response = superuser_client.get(HOUSEHOLDS_URL)
    assert ("assign_cadre", "分配联系干部") in response.context["action_form"].fields[
        "action"
    ].choices


def test_the_assign_page_lists_the_households_with_their_cadre_now(
    superuser_client: Client,
) -> None:
    covered = HouseholdAssignment.objects.active().select_related("cadre__unit").first()
    uncovered = HouseholdCoverageQuerySet.of(Household.objects.all()).uncovered().first()
    response = superuser_client.get(ASSIGN_URL, {"ids": ids_query([covered.household, uncovered])})
    assert response.status_code == 200
    text = response.text
    assert "已选择2户，请选择负责联系的干部。" in text
    assert f"{covered.cadre.name}（{covered.cadre.unit.name}）" in text
    assert covered.household.masked_id_number in text
    assert covered.household.id_number not in text
    # The cadre field searches as one types, through the admin's autocomplete.
    assert 'data-field-name="cadre"' in text
    assert 'data-model-name="householdassignment"' in text


def test_assigning_reports_new_moved_and_unchanged_households(
    superuser_client: Client, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1000  # the demo's first cadre is near the maximum
    cadre = Cadre.objects.in_service().order_by("pk").first()
    other = Cadre.objects.in_service().exclude(pk=cadre.pk).first()
    new = make_household()
    moved = make_assignment(cadre=other, started_on=TODAY).household
    kept = make_assignment(cadre=cadre, started_on=TODAY).household

    response = superuser_client.post(
        f"{ASSIGN_URL}?ids={ids_query([new, moved, kept])}",
        {"cadre": cadre.pk, "started_on": TODAY.isoformat(), "reason": "工作调整"},
    )

    assert response.status_code == 302
    assert response["Location"] == HOUSEHOLDS_URL
    assert messages_of(response) == [
        f"{cadre.name}：新分配1户，从其他干部转来1户，1户原已由其联系、未变。"
    ]
    assert [active_cadre(h) for h in (new, moved, kept)] == [cadre] * 3
    ended = HouseholdAssignment.objects.get(household=moved, cadre=other)
    assert (ended.ended_on, ended.end_reason) == (TODAY, "工作调整")


def test_the_cadre_search_offers_only_cadres_in_service(superuser_client: Client) -> None:
    serving = make_cadre(name="吴在岗甲")
    make_cadre(name="吴在岗乙", in_service=False)
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "units",
            "model_name": "householdassignment",
            "field_name": "cadre",
            "term": "吴在岗",
        },
    )
    assert [row["id"] for row in response.json()["results"]] == [str(serving.pk)]
    # The cadre list itself still finds everyone.
    listed = superuser_client.get(CADRES_URL, {"q": "吴在岗"}).context["cl"].result_list
    assert len(listed) == 2


def test_the_assign_page_takes_repeated_ids_as_other_pages_send_them(
    superuser_client: Client,
) -> None:
    chosen = [make_household(), make_household()]
    response = superuser_client.get(ASSIGN_URL + f"?ids={chosen[0].pk}&ids={chosen[1].pk}")
    assert response.context["page"].paginator.count == 2


def test_a_cadre_not_in_service_is_refused_and_nothing_is_written(
    superuser_client: Client,
) -> None:
    retired = make_cadre(in_service=False, name="王退休")
    household = make_household()
    response = superuser_client.post(
        f"{ASSIGN_URL}?ids={household.pk}",
        {"cadre": retired.pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cadre"] == ["王退休已不在岗，请选择在岗干部。"]
    assert active_cadre(household) is None


def test_a_date_before_the_current_link_began_is_refused(superuser_client: Client) -> None:
    household = make_assignment(cadre=make_cadre(), started_on=TODAY).household
    yesterday = TODAY - datetime.timedelta(days=1)
    response = superuser_client.post(
        f"{ASSIGN_URL}?ids={household.pk}",
        {"cadre": make_cadre().pk, "started_on": yesterday.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["started_on"] == [
        f"所选日期早于部分农户现联系干部的开始日期（最晚为{TODAY.isoformat()}），"
        "请选择该日或之后的日期。"
    ]


def test_opening_the_assign_page_writes_nothing(superuser_client: Client) -> None:
    household = make_household()
    response = superuser_client.get(
        ASSIGN_URL,
        {"ids": household.pk, "cadre": make_cadre().pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert active_cadre(household) is None


def test_assigning_needs_the_csrf_token(demo: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.login(username=SUPERUSER.username, password=SUPERUSER.password)
    household = make_household()
    response = client.post(
        f"{ASSIGN_URL}?ids={household.pk}",
        {"cadre": make_cadre().pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 403
    assert active_cadre(household) is None


def test_staff_without_the_assignment_permission_may_not_assign(clerk: Client) -> None:
    household = make_household()
    assert clerk.get(ASSIGN_URL, {"ids": household.pk}).status_code == 403
    response = clerk.post(
        f"{ASSIGN_URL}?ids={household.pk}",
        {"cadre": make_cadre().pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 403
    assert active_cadre(household) is None
    assert 'value="assign_cadre"' not in clerk.get(HOUSEHOLDS_URL).text


@pytest.mark.parametrize("ids", ["", "1,x", "0"])
def test_no_or_bad_ids_lead_back_to_the_list_with_a_message(
    superuser_client: Client, ids: str
) -> None:
    response = superuser_client.get(ASSIGN_URL, {"ids": ids})
    assert response.status_code == 302
    assert response["Location"] == HOUSEHOLDS_URL
    assert messages_of(response) == ["没有选中任何农户。"]


def test_more_than_500_households_at_once_are_refused(superuser_client: Client) -> None:
    households = add_households(make_village(), 501)
    response = superuser_client.post(
        HOUSEHOLDS_URL,
        {"action": "assign_cadre", "_selected_action": [h.pk for h in households]},
    )
    assert response.status_code == 302
    assert messages_of(response) == ["一次最多选择500户，请先按村（社区）筛选。"]


def test_the_assign_page_and_its_confirmation_take_constant_queries(
    superuser_client: Client, django_assert_max_num_queries: object, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1000
    village = make_village()
    households = add_households(village, 200)
    cadre = make_cadre()

    counts = {}
    for n in (10, 200):
        url = f"{ASSIGN_URL}?ids={ids_query(households[:n])}"
        with django_assert_max_num_queries(6):
            counts[n] = count_queries(superuser_client, "get", url)
    assert counts[10] == counts[200]

    for chosen in (households[:10], households[10:200]):
        url = f"{ASSIGN_URL}?ids={ids_query(chosen)}"
        # SQLite inserts in batches of 166 rows, PostgreSQL in one statement; then the scope
        # check of households and cadre, and the audit record.
        with django_assert_max_num_queries(17):
            superuser_client.post(url, {"cadre": cadre.pk, "started_on": TODAY.isoformat()})
    assert HouseholdAssignment.objects.filter(cadre=cadre).count() == 200


def test_the_assign_page_is_paginated(superuser_client: Client) -> None:
    households = add_households(make_village(), 120)
    response = superuser_client.get(ASSIGN_URL, {"ids": ids_query(households), "p": 3})
    page = response.context["page"]
    assert (page.number, len(page.object_list), page.paginator.count) == (3, 20, 120)
    assert "第3页，共3页" in response.text


# The household list's cadre filter ---------------------------------------------------------


def test_the_household_list_filters_by_cadre_status(superuser_client: Client) -> None:
    village = make_village()
    retired = make_cadre()
    stale = make_assignment(household=make_household(village=village), cadre=retired).household
    Cadre.objects.filter(pk=retired.pk).update(in_service=False)
    covered = make_assignment(household=make_household(village=village)).household
    uncovered = make_household(village=village)

    def listed(status: str) -> list[Household]:
        response = superuser_client.get(HOUSEHOLDS_URL, {"cadre_status": status, "q": village.name})
        return list(response.context["cl"].result_list)

    assert listed("active") == [covered]
    assert listed("none") == [uncovered]
    assert listed("stale") == [stale]


def test_the_household_list_names_the_filter_and_the_cadre_in_chinese(
    superuser_client: Client,
) -> None:
    assignment = HouseholdAssignment.objects.active().select_related("cadre__unit").first()
    response = superuser_client.get(HOUSEHOLDS_URL, {"q": assignment.household.head_name})
    text = response.text
    assert "联系干部" in text
    for label in ("有", "无", "需更换"):
        assert f'title="{label}"' in text or f">{label}</a>" in text
    assert f"{assignment.cadre.name}（{assignment.cadre.unit.name}）" in text


@pytest.mark.parametrize("status", ["active", "none", "stale"])
def test_the_cadre_filter_takes_constant_queries(
    superuser_client: Client, django_assert_max_num_queries: object, status: str
) -> None:
    def listing() -> int:
        # The list reads its length from the rollups; the first reader after a change also
        # recounts them (a fixed number of queries of its own).
        rollups.bring_up_to_date()
        with django_assert_max_num_queries(8):
            return count_queries(superuser_client, "get", HOUSEHOLDS_URL, {"cadre_status": status})

    before = listing()
    retired = make_cadre()
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household=household, cadre=retired, started_on=TODAY)
        for household in add_households(make_village(), 2000)[::2]
    )
    Cadre.objects.filter(pk=retired.pk).update(in_service=False)
    assert listing() == before


# Who was responsible on a date -------------------------------------------------------------


def test_the_household_page_says_who_was_responsible_on_a_date(
    superuser_client: Client, django_assert_max_num_queries: object
) -> None:
    household = make_household()
    cadre = make_cadre(name="赵联系")
    make_assignment(
        household=household,
        cadre=cadre,
        started_on=datetime.date(2026, 1, 1),
        ended_on=datetime.date(2026, 3, 1),
    )
    url = reverse("admin:villages_household_change", args=[household.pk])

    with django_assert_max_num_queries(30):
        during = superuser_client.get(url, {"responsible_on": "2026-02-01"})
    assert f"2026-02-01的联系干部：赵联系（{cadre.unit.name}）" in during.text
    before = superuser_client.get(url, {"responsible_on": "2025-12-31"})
    assert "2025-12-31的联系干部：无" in before.text
    assert 'id="responsible-on"' in superuser_client.get(url).text


def test_the_household_page_links_to_the_assign_page(superuser_client: Client) -> None:
    household = make_household()
    response = superuser_client.get(reverse("admin:villages_household_change", args=[household.pk]))
    assert f'href="{ASSIGN_URL}?ids={household.pk}"' in response.text


def test_a_bad_date_gives_no_answer(superuser_client: Client) -> None:
    household = make_household()
    url = reverse("admin:villages_household_change", args=[household.pk])
    response = superuser_client.get(url, {"responsible_on": "2026-13-45"})
    assert response.status_code == 200
    assert "responsible_answer" not in response.context


# Auto-distribution for a village -----------------------------------------------------------


def village_with_group(n_cadres: int, n_households: int) -> tuple[Village, list[Cadre]]:
    village = make_village()
    group = make_work_group(village=village)
    cadres = [make_cadre(unit=group.unit) for _ in range(n_cadres)]
    group.leader = cadres[0]
    group.save()
    for cadre in cadres[1:]:
        make_work_group_member(work_group=group, cadre=cadre)
    add_households(village, n_households)
    return village, cadres


def distribute_url(village: Village) -> str:
    return reverse("admin:villages_village_distribute", args=[village.pk])


def test_the_distribute_page_shows_the_plan_and_writes_nothing(superuser_client: Client) -> None:
    village, cadres = village_with_group(2, 5)
    fingerprint = (
        superuser_client.get(distribute_url(village), {"max_per_cadre": 2})
        .context["plan"]
        .fingerprint
    )
    # Even with everything the apply button sends, a GET only shows the plan.
    response = superuser_client.get(
        distribute_url(village), {"max_per_cadre": 2, "plan": fingerprint}
    )

    assert response.status_code == 200
    plan = response.context["plan"]
    assert [(load.cadre, load.before, load.after) for load in plan.loads] == [
        (cadres[0], 0, 2),
        (cadres[1], 0, 2),
    ]
    text = response.text
    assert "未分配联系干部的农户：5户；本村（社区）工作组在岗干部：2名；每名干部最多联系2户" in text
    assert "因干部均已达到上限未能分配的农户：1户" in text
    assert "按此方案分配（4户）" in text
    assert not HouseholdAssignment.objects.filter(household__village=village).exists()


def test_applying_the_plan_assigns_the_households(superuser_client: Client) -> None:
    village, cadres = village_with_group(2, 5)
    page = superuser_client.get(distribute_url(village))
    plan = page.context["plan"]

    response = superuser_client.post(
        distribute_url(village),
        {"max_per_cadre": plan.max_per_cadre, "plan": page.context["plan_token"]},
    )

    assert response.status_code == 302
    assert messages_of(response) == ["已为5户分配联系干部。"]
    counts = [HouseholdAssignment.objects.active().filter(cadre=c).count() for c in cadres]
    assert counts == [3, 2]
    after = superuser_client.get(response["Location"])
    assert "本村（社区）每户都已有联系干部。" in after.text


def test_a_preview_that_is_not_one_is_not_applied(superuser_client: Client) -> None:
    village, _cadres = village_with_group(2, 4)
    plan = superuser_client.get(distribute_url(village)).context["plan"]

    response = superuser_client.post(
        distribute_url(village), {"max_per_cadre": plan.max_per_cadre, "plan": plan.fingerprint}
    )

    assert response.status_code == 200
    assert messages_of(response) == ["预览已失效，请核对新的分配方案后再确认。"]
    assert not HouseholdAssignment.objects.filter(household__village=village).exists()


def test_a_village_without_cadres_says_so(superuser_client: Client) -> None:
    village = make_village()
    add_households(village, 2)
    response = superuser_client.get(distribute_url(village))
    assert f"{village}还没有工作组：尚无单位联系该村（社区），请先为其建立单位工作组。" in (
        response.text
    )
    assert 'id="apply-form"' not in response.text


def test_the_village_action_opens_the_distribute_page_for_one_village(
    superuser_client: Client,
) -> None:
    first, second = Village.objects.order_by("pk")[:2]
    one = superuser_client.post(
        VILLAGES_URL, {"action": "distribute", "_selected_action": [first.pk]}
    )
    assert one["Location"] == distribute_url(first)
    two = superuser_client.post(
        VILLAGES_URL, {"action": "distribute", "_selected_action": [first.pk, second.pk]}
    )
    assert messages_of(two) == ["请一次只选择一个村（社区）进行自动分配。"]


def test_the_village_list_links_each_village_to_its_distribution(
    superuser_client: Client,
) -> None:
    village = Village.objects.order_by("code").first()
    response = superuser_client.get(VILLAGES_URL)
    assert f'href="{distribute_url(village)}"' in response.text
    assert ("distribute", "自动分配") in response.context["action_form"].fields["action"].choices


def test_the_distribute_page_takes_constant_queries(
    superuser_client: Client, django_assert_max_num_queries: object, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1000
    counts = {}
    for n in (10, 200):
        village, _cadres = village_with_group(4, n)
        url = distribute_url(village)
        with django_assert_max_num_queries(6):
            counts[n] = count_queries(superuser_client, "get", url, {"max_per_cadre": 100})
        token = superuser_client.get(url, {"max_per_cadre": 100}).context["plan_token"]
        # …plus the scope check of every household and cadre, and the audit record.
        with django_assert_max_num_queries(17):
            superuser_client.post(url, {"max_per_cadre": 100, "plan": token})
        assert HouseholdAssignment.objects.filter(household__village=village).count() == n
    assert counts[10] == counts[200]


def test_the_leftovers_are_paginated(superuser_client: Client) -> None:
    village, _cadres = village_with_group(1, 80)
    response = superuser_client.get(distribute_url(village), {"max_per_cadre": 5, "p": 2})
    leftovers = response.context["leftovers"]
    assert (leftovers.number, len(leftovers.object_list), leftovers.paginator.count) == (2, 25, 75)


def test_distributing_needs_the_assignment_permission(clerk: Client) -> None:
    village, _cadres = village_with_group(1, 2)
    assert clerk.get(distribute_url(village)).status_code == 403
    assert clerk.post(distribute_url(village), {"max_per_cadre": 5}).status_code == 403
    assert not HouseholdAssignment.objects.filter(household__village=village).exists()


# Handing a cadre's households over ---------------------------------------------------------


def handover_url(cadre: Cadre) -> str:
    return reverse("admin:units_cadre_handover", args=[cadre.pk])


def cadre_with_households(n: int) -> Cadre:
    cadre = make_cadre(name="钱离岗")
    HouseholdAssignment.objects.bulk_create(
        HouseholdAssignment(household=household, cadre=cadre, started_on=TODAY)
        for household in add_households(make_village(), n)
    )
    return cadre


def test_the_handover_page_lists_the_households_and_writes_nothing(
    superuser_client: Client,
) -> None:
    cadre = cadre_with_households(3)
    response = superuser_client.get(
        handover_url(cadre),
        {"to_cadre": make_cadre().pk, "on": TODAY.isoformat(), "reason": "退休"},
    )
    assert response.status_code == 200
    assert f"钱离岗（{cadre.unit.name}）现联系3户。" in response.text
    assert response.context["page"].paginator.count == 3
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 3


def test_handing_over_moves_every_household_to_the_successor(superuser_client: Client) -> None:
    cadre = cadre_with_households(3)
    successor = make_cadre(name="孙接手")
    response = superuser_client.post(
        handover_url(cadre),
        {"to_cadre": successor.pk, "on": TODAY.isoformat(), "reason": "退休"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:units_cadre_change", args=[cadre.pk])
    assert messages_of(response) == ["已将3户从钱离岗移交给孙接手。"]
    assert HouseholdAssignment.objects.active().filter(cadre=successor).count() == 3
    assert set(
        HouseholdAssignment.objects.filter(cadre=cadre).values_list("end_reason", flat=True)
    ) == {"退休"}


def test_handing_over_to_a_cadre_not_in_service_is_refused(superuser_client: Client) -> None:
    cadre = cadre_with_households(2)
    response = superuser_client.post(
        handover_url(cadre),
        {
            "to_cadre": make_cadre(in_service=False, name="周离岗").pk,
            "on": TODAY.isoformat(),
            "reason": "调离",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["to_cadre"] == ["周离岗已不在岗，请选择在岗干部。"]
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 2


def test_handing_over_needs_a_reason(superuser_client: Client) -> None:
    cadre = cadre_with_households(1)
    response = superuser_client.post(
        handover_url(cadre), {"to_cadre": make_cadre().pk, "on": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 1


def test_the_cadre_action_opens_the_handover_page_for_one_cadre(
    superuser_client: Client,
) -> None:
    first, second = Cadre.objects.order_by("pk")[:2]
    one = superuser_client.post(CADRES_URL, {"action": "hand_over", "_selected_action": [first.pk]})
    assert one["Location"] == handover_url(first)
    two = superuser_client.post(
        CADRES_URL, {"action": "hand_over", "_selected_action": [first.pk, second.pk]}
    )
    assert messages_of(two) == ["请一次只选择一名干部进行移交。"]
    choices = dict(superuser_client.get(CADRES_URL).context["action_form"].fields["action"].choices)
    assert choices["hand_over"] == "移交联系户"


def test_the_cadre_list_filters_cadres_who_left_with_households_still_linked(
    superuser_client: Client,
) -> None:
    leaving = cadre_with_households(2)
    Cadre.objects.filter(pk=leaving.pk).update(in_service=False)
    make_cadre(in_service=False)  # left, nothing to hand over
    response = superuser_client.get(CADRES_URL, {"handover": "needed"})
    assert list(response.context["cl"].result_list) == [leaving]
    assert "需移交" in response.text
    assert "已离岗仍有联系户" in response.text


def test_the_handover_page_takes_constant_queries(
    superuser_client: Client, django_assert_max_num_queries: object, settings: object
) -> None:
    settings.ASSIGNMENT_MAX_PER_CADRE = 1000
    counts = {}
    for n in (10, 200):
        cadre = cadre_with_households(n)
        with django_assert_max_num_queries(6):
            counts[n] = count_queries(superuser_client, "get", handover_url(cadre))
        # …plus the scope check of both cadres, the cadres' locks and loads, the audit record
        # (SQLite inserts 200 rows in two batches).
        with django_assert_max_num_queries(20):
            superuser_client.post(
                handover_url(cadre),
                {"to_cadre": make_cadre().pk, "on": TODAY.isoformat(), "reason": "调离"},
            )
        assert not HouseholdAssignment.objects.active().filter(cadre=cadre).exists()
    assert counts[10] == counts[200]


def test_handing_over_needs_the_assignment_permission(clerk: Client) -> None:
    cadre = cadre_with_households(1)
    assert clerk.get(handover_url(cadre)).status_code == 403
    response = clerk.post(
        handover_url(cadre), {"to_cadre": make_cadre().pk, "on": TODAY.isoformat(), "reason": "x"}
    )
    assert response.status_code == 403
    assert HouseholdAssignment.objects.active().filter(cadre=cadre).count() == 1
