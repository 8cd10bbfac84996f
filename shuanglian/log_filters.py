"""Resident ID and mobile numbers never reach log files or error e-mails in full."""

import logging
from typing import Any

from django.utils.log import AdminEmailHandler

from villages.validators import mask_personal_numbers


class MaskPersonalNumbers(logging.Filter):
    """Mask the numbers in a record's message and traceback; the record is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_numbers(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        return True


class MaskedAdminEmailHandler(AdminEmailHandler):
    """Error e-mails carry the request and local variables: mask the whole report."""

    def send_mail(self, subject: str, message: str, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = mask_personal_numbers(kwargs["html_message"])
        super().send_mail(
            mask_personal_numbers(subject), mask_personal_numbers(message), *args, **kwargs
        )
