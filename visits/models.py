"""Visits to households and the needs households raise, followed up until resolved."""

import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Cadre, HouseholdRecordQuerySet
from units.people import person_name
from units.six_tasks import SIX_TASKS
from villages.models import Household, VisibleQuerySet, household_village_field


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    FAIRLY_SATISFIED = "fair", _("fairly satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class VisitQuerySet(HouseholdRecordQuerySet):
    def contacts(self) -> "VisitQuerySet":
        """Visits that reached the household; attempts with nobody met do not count."""
        return self.filter(outcome=Visit.Outcome.MET)

    def last_date_subquery(self, household: OuterRef) -> Subquery:
        """The latest date the household at ``household`` was reached, for ``annotate``."""
        return Subquery(
            self.contacts()
            .filter(household=household)
            .order_by("-visited_on")
            .values("visited_on")[:1]
        )


class Visit(models.Model):
    class Method(models.TextChoices):
        HOME = "home", _("home visit")
        PHONE = "phone", _("phone call")
        MEETING = "meeting", _("group discussion")
        EVENT = "event", _("collective activity")

    class Outcome(models.TextChoices):
        MET = "met", _("met the head or the family")
        AWAY = "away", _("nobody at home")
        REFUSED = "refused", _("visit refused")
        RESCHEDULED = "rescheduled", _("agreed to come again")

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    village = household_village_field()
    cadre = models.ForeignKey(Cadre, models.PROTECT, related_name="visits", verbose_name=_("cadre"))
    visited_on = models.DateField(_("visit date"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=10, choices=Method, default=Method.HOME)
    outcome = models.CharField(
        _("contact outcome"),
        max_length=12,
        choices=Outcome,
        default=Outcome.MET,
        help_text=_("Only a visit that met the head or the family counts as a visit."),
    )
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
    # Made by the phone for each visit form; a form sent twice (double tap, a retry after the
    # network came back) is stored once.
    client_key = models.UUIDField(
        _("submission key"), null=True, blank=True, unique=True, editable=False
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_date"),
            models.Index(fields=["visited_on", "id"], name="visit_date"),
            # The list's filters by outcome and satisfaction, newest first; the few visits
            # that met nobody or left a household dissatisfied are found without a scan.
            models.Index(fields=["outcome", "visited_on", "id"], name="visit_outcome_date"),
            models.Index(
                fields=["satisfaction", "visited_on", "id"], name="visit_satisfaction_date"
            ),
        ]
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


class NeedQuerySet(HouseholdRecordQuerySet):
    def open(self) -> "NeedQuerySet":
        return self.filter(status__in=[Need.Status.PENDING, Need.Status.IN_PROGRESS])

    def overdue(self, today: datetime.date | None = None) -> "NeedQuerySet":
        """Open needs that are overdue (超期), the one meaning admin, the cadre's pages and the
        dashboard share: no progress for more than ``settings.NEED_OVERDUE_DAYS`` days, or
        escalated above the cadre and past the deadline at that level."""
        today = today or timezone.localdate()
        return self.filter(self._overdue_condition(today))

    def not_overdue(self, today: datetime.date | None = None) -> "NeedQuerySet":
        """Needs that ``overdue()`` leaves out: closed ones, and open ones on time."""
        today = today or timezone.localdate()
        # exclude() guards the nullable due date, so a need without one is not lost.
        return self.exclude(self._overdue_condition(today))

    def near_deadline(
        self, today: datetime.date | None = None, days: int | None = None
    ) -> "NeedQuerySet":
        """Open needs on time today that become overdue, as ``overdue()`` decides, within
        ``days`` days (``settings.REMINDER_DEADLINE_DAYS`` by default) unless progress is made:
        the deadline (``Need.deadline_on``) falls between today and ``today + days``.

        An escalated need's deadline is its ``due_on`` or, when sooner, the end of the days
        allowed without progress; a need with the cadre has only the latter."""
        today = today or timezone.localdate()
        days = settings.REMINDER_DEADLINE_DAYS if days is None else days
        # Overdue on the day after the window, not overdue today: the deadline is inside.
        after_window = today + datetime.timedelta(days=days + 1)
        return self.exclude(self._overdue_condition(today)).filter(
            self._overdue_condition(after_window)
        )

    def overdue_or_near_deadline(
        self, today: datetime.date | None = None, days: int | None = None
    ) -> "NeedQuerySet":
        """``overdue()`` and ``near_deadline()`` together, in one query, annotated ``is_late``."""
        today = today or timezone.localdate()
        days = settings.REMINDER_DEADLINE_DAYS if days is None else days
        # Overdue by the day after the window: overdue already, or becoming so within it.
        after_window = today + datetime.timedelta(days=days + 1)
        return self.filter(self._overdue_condition(after_window)).with_lateness(today)

    def with_lateness(self, today: datetime.date | None = None) -> "NeedQuerySet":
        """Annotate ``is_late``: overdue, as ``overdue()`` decides."""
        today = today or timezone.localdate()
        return self.annotate(
            is_late=Case(When(self._overdue_condition(today), then=True), default=False)
        )

    @staticmethod
    def _overdue_condition(today: datetime.date) -> Q:
        limit = today - datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)
        escalated_past_due = ~Q(level=Need.Level.CADRE) & Q(due_on__lt=today)
        return Q(status__in=[Need.Status.PENDING, Need.Status.IN_PROGRESS]) & (
            Q(progressed_on__lt=limit) | escalated_past_due
        )


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

    class Level(models.TextChoices):
        """Who is handling the need: 村报告、乡处理、县办结, with the cadre's unit first."""

        CADRE = "cadre", _("the cadre")
        UNIT = "unit", _("the cadre's unit")
        TOWNSHIP = "township", _("the township")
        COUNTY = "county", _("the county")

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="needs", verbose_name=_("household")
    )
    village = household_village_field()
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
    level = models.CharField(
        _("handled by"), max_length=10, choices=Level, default=Level.CADRE, db_index=True
    )
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    due_on = models.DateField(
        _("due on"), null=True, blank=True, help_text=_("The deadline at the current level.")
    )
    # The last day anything happened to the need; "overdue" counts from here.
    progressed_on = models.DateField(_("last progress on"), default=timezone.localdate)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-raised_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "raised_on"], name="need_status_raised"),
            models.Index(fields=["raised_on", "id"], name="need_raised"),
        ]
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A need raised in a visit belongs to the visited household, whichever form made it
        # (the visit page's inline has no household field).
        if self.household_id is None and self.visit_id is not None:
            self.household_id = self.visit.household_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.IN_PROGRESS)

    @property
    def next_level(self) -> str | None:
        """The level above the one handling the need now; None at the county."""
        levels = list(self.Level)
        index = levels.index(self.level)
        return levels[index + 1] if index + 1 < len(levels) else None

    def days_without_progress(self, today: datetime.date | None = None) -> int:
        return ((today or timezone.localdate()) - self.progressed_on).days

    @property
    def deadline_on(self) -> datetime.date:
        """The last day the need is on time without further progress: overdue from the day
        after, as ``NeedQuerySet.overdue()`` decides."""
        deadline = self.progressed_on + datetime.timedelta(days=settings.NEED_OVERDUE_DAYS)
        if self.level != self.Level.CADRE and self.due_on is not None:
            return min(deadline, self.due_on)
        return deadline

    def is_late_on(self, today: datetime.date | None = None) -> bool:
        """Overdue as ``NeedQuerySet.overdue()`` decides, for one need in hand."""
        today = today or timezone.localdate()
        if not self.is_open:
            return False
        if self.days_without_progress(today) > settings.NEED_OVERDUE_DAYS:
            return True
        return self.level != self.Level.CADRE and self.due_on is not None and self.due_on < today


class NeedNote(models.Model):
    """A dated step in following up a need: what changed, at which level, and what was done."""

    need = models.ForeignKey(Need, models.CASCADE, related_name="notes", verbose_name=_("need"))
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Need.Status)
    level = models.CharField(_("handled by"), max_length=10, choices=Need.Level)
    text = models.TextField(_("note"))
    # Made by the phone for each step, as for visits: a step queued offline and sent again
    # is stored once.
    client_key = models.UUIDField(
        _("submission key"), null=True, blank=True, unique=True, editable=False
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("need follow-up note")
        verbose_name_plural = _("need follow-up notes")
        ordering = ["need", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.get_status_display()}"

    @property
    def author_name(self) -> str:
        """Who wrote the step, by name (load with ``select_related("author__cadre")``)."""
        return person_name(self.author)


class VisitPhoto(models.Model):
    """A photo taken on the visit (入户照片), shrunk on the phone and re-encoded on the server
    with no metadata but the time it was taken."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="photos", verbose_name=_("visit"))
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return f"{self.visit} #{self.pk}"


class VisitLocation(models.Model):
    """Where the phone was when the visit was recorded, given with the cadre's consent; kept
    for ``VISIT_LOCATION_RETENTION_DAYS`` days."""

    visit = models.OneToOneField(
        Visit, models.CASCADE, related_name="location", verbose_name=_("visit")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy = models.PositiveIntegerField(_("accuracy (metres)"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit location")
        verbose_name_plural = _("visit locations")
        indexes = [models.Index(fields=["recorded_at"], name="visit_location_recorded")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="visit_location_on_earth",
                violation_error_message=_("The location is not a place on Earth."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude} (±{self.accuracy} m)"


class VisitInterval(models.Model):
    """How often a household of a category should be visited; coordinators set it in admin."""

    category = models.CharField(
        _("household category"), max_length=20, choices=Household.Category, unique=True
    )
    days = models.PositiveSmallIntegerField(
        _("visit at least every (days)"), validators=[MinValueValidator(1)]
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit interval")
        verbose_name_plural = _("visit intervals")
        ordering = ["days", "category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1),
                name="visit_interval_at_least_a_day",
                violation_error_message=_("The interval must be at least one day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.days}"
