"""Visits to households and the needs households raise, followed up until resolved."""

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Cadre
from villages.models import Household


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    FAIRLY_SATISFIED = "fair", _("fairly satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


# The six tasks of the campaign, as (field name, label); each is a flag on a visit.
SIX_TASKS = (
    ("task_policy", _("promote the Party's policies")),
    ("task_voices", _("reflect the people's voices")),
    ("task_difficulties", _("help solve difficulties")),
    ("task_prosperity", _("explore ways to prosperity")),
    ("task_civility", _("foster a civilized new atmosphere")),
    ("task_organization", _("strengthen grassroots organization")),
)


class VisitQuerySet(models.QuerySet):
    def last_date_subquery(self, household: OuterRef) -> Subquery:
        """The latest visit date of the household at ``household``, for ``annotate``."""
        return Subquery(
            self.filter(household=household).order_by("-visited_on").values("visited_on")[:1]
        )


class Visit(models.Model):
    class Method(models.TextChoices):
        HOME = "home", _("home visit")
        PHONE = "phone", _("phone call")
        MEETING = "meeting", _("group discussion")
        EVENT = "event", _("collective activity")

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    cadre = models.ForeignKey(Cadre, models.PROTECT, related_name="visits", verbose_name=_("cadre"))
    visited_on = models.DateField(_("visit date"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=10, choices=Method, default=Method.HOME)
    summary = models.TextField(_("what was discussed"), blank=True)
    task_policy = models.BooleanField(SIX_TASKS[0][1], default=False)
    task_voices = models.BooleanField(SIX_TASKS[1][1], default=False)
    task_difficulties = models.BooleanField(SIX_TASKS[2][1], default=False)
    task_prosperity = models.BooleanField(SIX_TASKS[3][1], default=False)
    task_civility = models.BooleanField(SIX_TASKS[4][1], default=False)
    task_organization = models.BooleanField(SIX_TASKS[5][1], default=False)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction, blank=True
    )
    # The local date the server recorded the visit; the database keeps visits from being
    # dated after it, which is "not in the future" without a non-deterministic CHECK.
    recorded_on = models.DateField(_("recorded on"), default=timezone.localdate, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(visited_on__lte=F("recorded_on")),
                name="visit_date_not_in_future",
                violation_error_message=_("The visit date cannot be in the future."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.household.head_name}"

    @property
    def tasks(self) -> list[str]:
        return [str(label) for field, label in SIX_TASKS if getattr(self, field)]


class Need(models.Model):
    class Category(models.TextChoices):
        MEDICAL = "medical", _("medical care")
        SCHOOLING = "schooling", _("schooling")
        EMPLOYMENT = "employment", _("employment")
        HOUSING = "housing", _("housing")
        PRODUCTION = "production", _("production and business")
        INFRASTRUCTURE = "infrastructure", _("infrastructure")
        SOCIAL_SECURITY = "social_security", _("social security")
        DISPUTE = "dispute", _("disputes")
        POLICY = "policy", _("policy questions")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PENDING = "pending", _("to do")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        UNRESOLVABLE = "unresolvable", _("cannot be resolved")

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="needs", verbose_name=_("household")
    )
    visit = models.ForeignKey(
        Visit,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("raised in visit"),
    )
    cadre = models.ForeignKey(
        Cadre,
        models.PROTECT,
        related_name="needs",
        verbose_name=_("responsible cadre"),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category)
    description = models.TextField(_("description"))
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    resolution = models.TextField(
        _("resolution"),
        blank=True,
        help_text=_("What was done; for a need that cannot be resolved, the reason."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["status", "raised_on"], name="need_status_raised")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "unresolvable"]) | ~Q(resolution=""),
                name="need_closed_has_resolution",
                violation_error_message=_(
                    "A closed need must say what was done, or why it cannot be resolved."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "unresolvable"]) | Q(closed_on__isnull=False),
                name="need_closed_has_date",
                violation_error_message=_("A closed need must have the date it was closed."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("raised_on")),
                name="need_closed_after_raised",
                violation_error_message=_("A need cannot be closed before it was raised."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.head_name}：{self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.IN_PROGRESS)
