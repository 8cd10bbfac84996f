"""The reminders sent, in admin: a read-only list for city coordinators."""

import datetime

import pytest
from django.test import Client

from reminders.models import Delivery
from tests.factories import client_for, make_coordinator, make_township, make_user

DAY = datetime.date(2026, 11, 25)
LIST = "/admin/reminders/delivery/"


@pytest.fixture
def deliveries(db: None) -> list[Delivery]:
    sent = Delivery.objects.create(
        user=make_user("lihua"), day=DAY, backend="reminders.backends.inapp.InAppBackend"
    )
    Delivery.objects.filter(pk=sent.pk).update(status=Delivery.Status.SENT)
    failed = Delivery.objects.create(
        user=make_user("zhaomin"),
        day=DAY,
        backend="reminders.backends.sms.SmsBackend",
        status=Delivery.Status.FAILED,
        error="SMS: isv.MOBILE_NUMBER_ILLEGAL: 非法手机号",
    )
    return [sent, failed]


def test_a_city_coordinator_reads_the_deliveries_in_chinese(deliveries: list[Delivery]) -> None:
    client = client_for(make_coordinator("city", "city"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(LIST).content.decode()
    for text in ("提醒发送记录", "已发送", "失败", "SMS: isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"):
        assert text in html
    assert "lihua" in html and "zhaomin" in html


def test_nobody_adds_changes_or_deletes_a_delivery(deliveries: list[Delivery]) -> None:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    assert client.get(LIST + "add/").status_code == 403
    page = client.get(f"{LIST}{deliveries[0].pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"{LIST}{deliveries[0].pk}/delete/", {"post": "yes"}).status_code == 403
    assert Delivery.objects.count() == 2


def test_a_township_coordinator_does_not_see_the_deliveries(deliveries: list[Delivery]) -> None:
    client = client_for(make_coordinator("town", "township", township=make_township()))
    assert client.get(LIST).status_code == 403
    assert LIST not in client.get("/admin/").content.decode()
