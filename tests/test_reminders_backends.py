"""The digest's delivery backends: in-app, e-mail to a real SMTP server, and Aliyun's SendSms
spoken to a local HTTP server that checks the request and its signature."""

import base64
import datetime
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from reminders.backends import NoAddress, ReminderBackendError, get_backend
from reminders.backends.inapp import InAppBackend
from reminders.backends.sms import SmsBackend
from reminders.backends.smtp import EmailBackend
from reminders.digest import Digest
from reminders.models import Notification
from tests.factories import make_cadre, make_user

DAY = datetime.date(2026, 12, 7)
DIGEST = Digest(
    subject="2026-12-07 待办提醒",
    body="本周应走访联系户：1 户\n  张三（东村），从未走访\n\n查看：/me/\n",
    summary="本周应走访联系户：1 户",
    path="/me/",
)
SECRET = "testsecret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "reminders@example.org"
    try:
        yield inbox
    finally:
        controller.stop()


def aliyun_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def expected_signature(params: dict[str, str]) -> str:
    query = "&".join(f"{aliyun_encode(k)}={aliyun_encode(params[k])}" for k in sorted(params))
    to_sign = "GET&%2F&" + aliyun_encode(query)
    mac = hmac.new(f"{SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class FakeAliyun(BaseHTTPRequestHandler):
    """Answers SendSms as the provider does, after checking the request shape."""

    answer: dict[str, str] = {"Code": "OK", "Message": "OK"}
    delay = 0.0
    received: list[dict[str, str]] = []

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        if url.path != "/" or signature != expected_signature(params):
            body = {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched",
            }
            status = 400
        else:
            type(self).received.append(params)
            body, status = self.answer, 200
        time.sleep(self.delay)
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sms_server(settings: Any) -> Iterator[type[FakeAliyun]]:
    handler = type("Handler", (FakeAliyun,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_ENDPOINT = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.SMS_ACCESS_KEY_ID = "testid"
    settings.SMS_ACCESS_KEY_SECRET = SECRET
    settings.SMS_SIGN_NAME = "双联共建"
    settings.SMS_TEMPLATE_CODE = "SMS_123456789"
    settings.SMS_TIMEOUT_SECONDS = 1
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_default_backend_is_in_app(settings: Any) -> None:
    assert isinstance(get_backend(), InAppBackend)
    settings.REMINDER_BACKEND = "reminders.backends.sms.SmsBackend"
    assert isinstance(get_backend(), SmsBackend)


def test_in_app_backend_writes_a_notification(db: None) -> None:
    user = make_user("cadre1")
    InAppBackend().send(user=user, day=DAY, digest=DIGEST)
    notification = Notification.objects.get(user=user)
    assert (notification.day, notification.subject, notification.body) == (
        DAY,
        "2026-12-07 待办提醒",
        DIGEST.body,
    )
    assert list(Notification.objects.unread()) == [notification]


def test_email_backend_sends_the_digest_in_chinese_to_a_real_smtp_server(
    db: None, smtp_server: Inbox
) -> None:
    user = make_user("cadre1", email="zhang@example.org")
    EmailBackend().send(user=user, day=DAY, digest=DIGEST)
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["zhang@example.org"]
    assert message["To"] == "zhang@example.org"
    assert message["From"] == "reminders@example.org"
    assert message["Subject"] == "2026-12-07 待办提醒"
    assert message.get_content_charset() == "utf-8"
    # Lines end in CRLF on the wire, as SMTP has them.
    assert message.get_content().replace("\r\n", "\n") == DIGEST.body


def test_email_backend_skips_a_user_without_an_address(db: None, smtp_server: Inbox) -> None:
    user = make_user("cadre1", email="")
    with pytest.raises(NoAddress, match="no e-mail address"):
        EmailBackend().send(user=user, day=DAY, digest=DIGEST)
    assert smtp_server.messages == []


def test_email_backend_reports_an_unreachable_server(db: None, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    user = make_user("cadre1", email="zhang@example.org")
    with pytest.raises(ReminderBackendError, match=r"^SMTP: "):
        EmailBackend().send(user=user, day=DAY, digest=DIGEST)


def test_sms_backend_sends_a_signed_sendsms_request_to_the_cadres_phone(
    db: None, sms_server: type[FakeAliyun]
) -> None:
    user = make_user("cadre1")
    make_cadre(user=user, phone="13812345678")
    SmsBackend().send(user=user, day=DAY, digest=DIGEST)
    [params] = sms_server.received
    assert {key: params[key] for key in params if key not in ("SignatureNonce", "Timestamp")} == {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": "13812345678",
        "SignName": "双联共建",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_123456789",
        "TemplateParam": '{"summary": "本周应走访联系户：1 户"}',
        "Version": "2017-05-25",
    }
    assert len(params["SignatureNonce"]) >= 16
    stamp = datetime.datetime.strptime(params["Timestamp"] + "+0000", "%Y-%m-%dT%H:%M:%SZ%z")
    now = datetime.datetime.now(datetime.UTC)
    assert abs((now - stamp).total_seconds()) < 60


def test_sms_backend_raises_the_providers_message_when_the_code_is_not_ok(
    db: None, sms_server: type[FakeAliyun]
) -> None:
    sms_server.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}
    user = make_user("cadre1")
    make_cadre(user=user, phone="13812345678")
    with pytest.raises(ReminderBackendError) as raised:
        SmsBackend().send(user=user, day=DAY, digest=DIGEST)
    assert str(raised.value) == "SMS: isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控"


def test_sms_backend_raises_the_providers_message_for_a_bad_signature(
    db: None, sms_server: type[FakeAliyun], settings: Any
) -> None:
    settings.SMS_ACCESS_KEY_SECRET = "wrong"
    user = make_user("cadre1")
    make_cadre(user=user, phone="13812345678")
    with pytest.raises(ReminderBackendError) as raised:
        SmsBackend().send(user=user, day=DAY, digest=DIGEST)
    assert str(raised.value) == "SMS: SignatureDoesNotMatch: Specified signature is not matched"
    assert sms_server.received == []


def test_sms_backend_gives_up_after_the_timeout(db: None, sms_server: type[FakeAliyun]) -> None:
    sms_server.delay = 2.5
    user = make_user("cadre1")
    make_cadre(user=user, phone="13812345678")
    started = time.monotonic()
    with pytest.raises(ReminderBackendError, match=r"^SMS: .*timed out"):
        SmsBackend().send(user=user, day=DAY, digest=DIGEST)
    assert time.monotonic() - started < 2.4


def test_sms_backend_skips_a_user_without_a_cadres_phone(
    db: None, sms_server: type[FakeAliyun]
) -> None:
    with pytest.raises(NoAddress, match="no phone number"):
        SmsBackend().send(user=make_user("county1"), day=DAY, digest=DIGEST)
    assert sms_server.received == []
