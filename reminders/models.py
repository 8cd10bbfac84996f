"""Reminders: what a user is told each day, whether they want to be told, and what was sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderPreference(models.Model):
    """A user's choice about the daily digest; a user without a row gets it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="reminder_preference",
        verbose_name=_("user"),
    )
    muted = models.BooleanField(_("reminders muted"), default=False)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return str(self.user)


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at=None)


class Notification(models.Model):
    """One in-app message: the daily digest as the in-app backend delivers it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    day = models.DateField(_("day"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["user", "-day"], name="notification_user_day")]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """The one daily digest of a user on a day: claimed before it is sent, so that a second
    run of the job, or a second worker, never sends it again."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("claimed, not finished")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("nothing to send")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="reminder_deliveries",
        verbose_name=_("user"),
    )
    day = models.DateField(_("day"))
    backend = models.CharField(_("backend"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        ordering = ["-day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminder_delivery_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.status}"
