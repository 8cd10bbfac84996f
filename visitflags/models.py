"""Visits flagged for a coordinator to review: never a sanction, only a question to ask."""

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villages.models import VisibleQuerySet
from visits.models import Visit


class VisitFlagQuerySet(VisibleQuerySet):
    area_lookups = {
        "county": "visit__village__township__county",
        "township": "visit__village__township",
        "village": "visit__village",
    }

    def open(self) -> "VisitFlagQuerySet":
        """Flags not yet dismissed: the ones waiting for review."""
        return self.filter(dismissed_at__isnull=True)

    def dismissed(self) -> "VisitFlagQuerySet":
        return self.filter(dismissed_at__isnull=False)


def _month_day(value: str) -> str:
    day = datetime.date.fromisoformat(value)
    return gettext("%(month)s/%(day)s") % {"month": day.month, "day": day.day}


class VisitFlag(models.Model):
    class Kind(models.TextChoices):
        RAPID = "rapid", _("many visits within minutes")
        COPIED_SUMMARY = "copied_summary", _("same summary for several households")
        FAR_FROM_VILLAGE = "far_from_village", _("recorded far from the village")
        WHILE_AWAY = "while_away", _("dated on days away")

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="flags", verbose_name=_("visit"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # What was found, in numbers and dates; ``reason`` puts it in words in the reader's language.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    dismissal_note = models.TextField(_("dismissal note"), blank=True)

    objects = VisitFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit flag")
        verbose_name_plural = _("visits to review")
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["dismissed_at", "kind"], name="visitflag_state_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind"],
                name="visitflag_one_per_visit_and_kind",
                violation_error_message=_("This visit is already flagged for this reason."),
            ),
            models.CheckConstraint(
                condition=Q(dismissed_at__isnull=True) | ~Q(dismissal_note=""),
                name="visitflag_dismissal_has_note",
                violation_error_message=_("A dismissed flag must say why it was dismissed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.reason}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None

    @property
    def reason(self) -> str:
        """The finding in words, from ``facts``."""
        facts: dict[str, Any] = self.facts or {}
        if self.kind == self.Kind.RAPID:
            return gettext("%(count)s visits recorded within %(minutes)s minutes") % facts
        if self.kind == self.Kind.COPIED_SUMMARY:
            return gettext("Same record as the visits to %(households)s households") % facts
        if self.kind == self.Kind.FAR_FROM_VILLAGE:
            return (
                gettext("%(km)s km from the village (location accurate to ±%(accuracy)s m)") % facts
            )
        if self.kind == self.Kind.WHILE_AWAY:
            dates = {
                "from": _month_day(facts["starts_on"]),
                "until": _month_day(facts["ends_on"]),
                "reason": facts.get("reason") or gettext("no reason given"),
            }
            return gettext("Visit dated during days away (%(from)s–%(until)s, %(reason)s)") % dates
        return ""
