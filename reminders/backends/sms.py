"""The digest by text message, through Aliyun's SendSms (短信服务).

The request is Aliyun's RPC shape: the parameters in the query string, signed with HMAC-SHA1
of ``GET&%2F&`` and the percent-encoded, sorted query under the key secret followed by ``&``.
The message itself is the template ``SMS_TEMPLATE_CODE`` approved at the provider, given the
digest's one-line summary as its ``summary`` variable. The phone is the cadre record's.
"""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from reminders.backends.base import BaseBackend, NoAddress, ReminderBackendError
from units.models import Cadre

if TYPE_CHECKING:
    from reminders.digest import Digest

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    """Aliyun's encoding: RFC 3986, spaces as %20, ``*`` as %2A, ``~`` kept."""
    return urllib.parse.quote(value, safe="~")


def signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    query = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_query(*, phone: str, template_param: dict[str, str]) -> str:
    params = {
        "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "SignName": settings.SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": settings.SMS_TEMPLATE_CODE,
        "TemplateParam": json.dumps(template_param, ensure_ascii=False),
        "Timestamp": timezone.now()
        .astimezone(datetime.UTC)
        .replace(microsecond=0)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
    }
    params["Signature"] = signature(params, settings.SMS_ACCESS_KEY_SECRET)
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())


class SmsBackend(BaseBackend):
    def send(self, *, user: Any, day: datetime.date, digest: "Digest") -> None:
        phone = Cadre.objects.filter(user=user).values_list("phone", flat=True).first()
        if not phone:
            raise NoAddress("no phone number")
        query = signed_query(phone=phone, template_param={"summary": digest.summary})
        endpoint = settings.SMS_ENDPOINT
        if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
            raise ReminderBackendError(f"SMS: SMS_ENDPOINT is not an http(s) address: {endpoint}")
        separator = "&" if "?" in endpoint else "?"
        # The scheme is checked above: no file: or other opener is reached.
        request = urllib.request.Request(f"{endpoint}{separator}{query}")  # noqa: S310
        timeout = settings.SMS_TIMEOUT_SECONDS
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as error:
            # The provider answers errors with a status and the same JSON body.
            raw = error.read()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ReminderBackendError(f"SMS: {reason}") from error
        try:
            answer = json.loads(raw)
        except ValueError as error:
            raise ReminderBackendError(f"SMS: not JSON: {raw[:200]!r}") from error
        if answer.get("Code") != "OK":
            raise ReminderBackendError(
                f"SMS: {answer.get('Code', '?')}: {answer.get('Message', '')}".strip()
            )
