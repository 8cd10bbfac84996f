"""Who may see what (a user's role and scope) and the audit trail of sensitive actions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from villages.models import County, Township, VisibleQuerySet


class Role(models.TextChoices):
    CITY = "city", _("city coordinator")
    COUNTY = "county", _("county coordinator")
    TOWNSHIP = "township", _("township coordinator")
    LIAISON = "liaison", _("unit liaison")
    CADRE = "cadre", _("cadre")
    AUDITOR = "auditor", _("audit viewer")


class UserScope(models.Model):
    """A user's role and the one county, township or unit it covers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="scope", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role)
    county = models.ForeignKey(
        County,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county or district"),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township or subdistrict"),
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    full_personal_data = models.BooleanField(
        _("may view full personal data"),
        default=False,
        help_text=_("Full resident ID and phone numbers; each reveal is recorded."),
    )
    password_changed_at = models.DateTimeField(_("password last changed"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role and scope")
        verbose_name_plural = _("roles and scopes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=["city", "cadre", "auditor"],
                        county__isnull=True,
                        township__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="county",
                        county__isnull=False,
                        township__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(role="township", township__isnull=False, unit__isnull=True)
                    | Q(
                        role="liaison",
                        unit__isnull=False,
                        county__isnull=True,
                        township__isnull=True,
                    )
                ),
                name="user_scope_matches_role",
                violation_error_message=_(
                    "A county coordinator needs a county, a township coordinator a township and "
                    "a unit liaison a unit; the other roles cover no single area."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()}：{self.get_role_display()}"


class AuditEvent(models.Model):
    """One audited action; rows are only ever added (see ``save``)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        REFUSED = "refused", _("refused")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as typed, also for unknown users and after a user is deleted.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result, default=Result.SUCCESS)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("audit events are never changed")
        super().save(*args, **kwargs)
