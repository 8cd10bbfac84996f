"""The digest by e-mail, through Django's mail settings (``EMAIL_HOST`` and the rest)."""

import datetime
import smtplib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage

from reminders.backends.base import BaseBackend, NoAddress, ReminderBackendError

if TYPE_CHECKING:
    from reminders.digest import Digest


class EmailBackend(BaseBackend):
    def send(self, *, user: Any, day: datetime.date, digest: "Digest") -> None:
        if not user.email:
            raise NoAddress("no e-mail address")
        message = EmailMessage(
            subject=digest.subject,
            body=digest.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as error:
            raise ReminderBackendError(f"SMTP: {error}") from error
