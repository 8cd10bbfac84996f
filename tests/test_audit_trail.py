import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.client_address import client_ip
from shuanglian.audit.trail import record
from shuanglian.models import AuditEvent, Role, UserScope
from tests.factories import (
    make_cadre,
    make_household,
    make_user,
    make_village,
    make_work_group,
    recorded_at,
)
from tests.test_villages_exports import XLSX, export
from units.assignments import assign_household, assign_households, hand_over_households
from units.distribution import apply_distribution, plan_distribution

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def auditor(username: str = "auditor") -> object:
    user = make_user(username, is_staff=True)
    UserScope.objects.create(user=user, role=Role.AUDITOR)
    return user


def test_a_successful_sign_in_is_recorded_with_user_and_address(db: None) -> None:
    make_user("zhang", password="a-long-test-password")
    Client(REMOTE_ADDR="10.1.2.3").post(
        reverse("login"), {"username": "zhang", "password": "a-long-test-password"}
    )
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.username, event.result, event.ip) == ("zhang", "success", "10.1.2.3")
    assert event.user.username == "zhang"


def test_a_failed_sign_in_is_recorded_also_for_unknown_users(db: None) -> None:
    Client().post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.username, event.result, event.user) == ("nobody", "failure", None)


def test_the_client_address_comes_from_the_proxy_header_only_when_configured(
    settings: object, rf: object
) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2")
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.1"]
    assert client_ip(request) == "2.2.2.2"


def test_changes_to_users_and_scopes_are_recorded(db: None) -> None:
    user = make_user("li")
    UserScope.objects.create(user=user, role=Role.CITY)
    user.user_permissions.add(Permission.objects.first())
    actions = list(
        AuditEvent.objects.order_by("pk").values_list("action", "object_type", "object_id")
    )
    assert actions == [
        ("create", "auth.user", str(user.pk)),
        ("create", "shuanglian.userscope", str(user.scope.pk)),
        ("change", "auth.user", str(user.pk)),
    ]


def test_work_groups_and_assignments_are_recorded(db: None) -> None:
    group = make_work_group()
    household = make_household(village=make_village())
    assignment = assign_household(household=household, cadre=make_cadre(), on=timezone.localdate())
    assert AuditEvent.objects.filter(
        action="create", object_type="units.workgroup", object_id=str(group.pk)
    ).exists()
    event = AuditEvent.objects.get(object_type="units.householdassignment")
    assert (event.action, event.object_id) == ("create", str(assignment.pk))
    assert household.id_number not in event.object_repr


def test_an_export_is_recorded_with_its_row_count_and_filters(superuser_client: Client) -> None:
    village = make_village()
    make_household(village=village)
    export(superuser_client, XLSX, f"?township={village.township_id}")
    event = AuditEvent.objects.get(action="export")
    assert event.username == "admin"
    assert event.details["rows"] == 1
    assert event.details["model"] == "villages.household"
    assert event.details["filters"] == {"township": str(village.township_id)}


def test_the_audit_trail_is_readable_by_an_auditor_but_never_editable(db: None) -> None:
    event = record(action="reveal", username="someone")
    client = signed_in(auditor())
    assert client.get(reverse("admin:shuanglian_auditevent_changelist")).status_code == 200
    change = reverse("admin:shuanglian_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"action": "x"}).status_code == 403
    delete = reverse("admin:shuanglian_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:shuanglian_auditevent_add")).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "reveal"


def test_the_audit_trail_is_hidden_from_other_staff(db: None) -> None:
    user = make_user("township", is_staff=True)
    client = signed_in(user)
    url = reverse("admin:shuanglian_auditevent_changelist")
    assert client.get(url).status_code == 403


def test_the_audit_list_filters_by_action_in_constant_queries(
    db: None, django_assert_max_num_queries: object
) -> None:
    client = signed_in(auditor())
    url = reverse("admin:shuanglian_auditevent_changelist") + "?action=reveal"
    for count in (1, 40):
        for _ in range(count):
            record(action="reveal", username="someone")
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200


def test_purge_keeps_every_event_younger_than_184_days(db: None) -> None:
    now = timezone.now()
    old = recorded_at(now - datetime.timedelta(days=185), action="sign_in")
    young = recorded_at(now - datetime.timedelta(days=183), action="sign_in")
    call_command("purge_audit_events")
    kept = AuditEvent.objects.exclude(action="purge").values_list("pk", flat=True)
    assert list(kept) == [young.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_purge_refuses_to_keep_less_than_184_days(db: None) -> None:
    record(action="sign_in")
    with pytest.raises(CommandError):
        call_command("purge_audit_events", "--days", "30")
    assert AuditEvent.objects.count() == 1


def test_bulk_assignment_hand_over_and_distribution_are_recorded(db: None) -> None:
    today = timezone.localdate()
    village = make_village()
    households = [make_household(village=village) for _ in range(3)]
    first, second = make_cadre(), make_cadre()
    assign_households(households=households[:2], cadre=first, on=today)
    hand_over_households(from_cadre=first, to_cadre=second, on=today, reason="调动")
    make_work_group(village=village, unit=second.unit, leader=second)
    apply_distribution(plan=plan_distribution(village=village), on=today)
    events = list(AuditEvent.objects.filter(action__startswith="assignments_").order_by("pk"))
    assert [(e.action, e.object_id, e.details["households"]) for e in events] == [
        ("assignments_assign", str(first.pk), 2),
        ("assignments_hand_over", str(second.pk), 2),
        ("assignments_distribute", "", 1),
    ]
    assert events[1].details["reason"] == "调动"


def test_a_lockout_is_recorded(db: None) -> None:
    make_user("wang", password="Correct-horse-9")
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "wang", "password": "Correct-horse-9"})
    assert response.status_code == 429
    # The fifth failure locks the pair out; each refused attempt after it is recorded too.
    lockouts = AuditEvent.objects.filter(action="lockout").order_by("pk")
    assert [(e.username, e.ip, e.result) for e in lockouts] == [("wang", "10.0.0.7", "refused")] * 2
