"""创建村级服务型党组织: each village's party organisation assessed every year against a checklist
the city sets, first by the village itself, then reviewed by the township and approved by the
county; a village below the standard rectifies item by item until the township accepts each."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.records import actor_field, this_year
from units.models import WorkGroup
from villages.models import THROUGH_VILLAGE, Village, VisibleQuerySet


def score_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """Points with one decimal place, never a float."""
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=1, **kwargs)


class Checklist(models.Model):
    """One year's standard (创建标准): criteria with weights, and how a total becomes a rating."""

    class RatingKind(models.TextChoices):
        STARS = "stars", _("stars (one to five)")
        PASS_FAIL = "pass_fail", _("up to standard or not")

    year = models.PositiveSmallIntegerField(_("year"), unique=True, default=this_year)
    name = models.CharField(_("name"), max_length=100)
    rating_kind = models.CharField(
        _("rating"), max_length=10, choices=RatingKind, default=RatingKind.STARS
    )
    # Totals are out of 100 whatever the weights add up to: a village's points over the
    # checklist's, times 100.
    standard_score = score_field(
        _("up to standard from"),
        default=Decimal("80.0"),
        help_text=_("Out of 100. A village below it must rectify."),
    )
    # Stars: the least total for two, three, four and five stars; below the first, one star.
    two_stars_from = score_field(_("two stars from"), default=Decimal("60.0"))
    three_stars_from = score_field(_("three stars from"), default=Decimal("70.0"))
    four_stars_from = score_field(_("four stars from"), default=Decimal("80.0"))
    five_stars_from = score_field(_("five stars from"), default=Decimal("90.0"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment checklist")
        verbose_name_plural = _("assessment checklists")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_score__gte=0, standard_score__lte=100)
                & Q(two_stars_from__gte=0)
                & Q(three_stars_from__gte=F("two_stars_from"))
                & Q(four_stars_from__gte=F("three_stars_from"))
                & Q(five_stars_from__gte=F("four_stars_from"))
                & Q(five_stars_from__lte=100),
                name="checklist_thresholds_in_order",
                violation_error_message=_(
                    "Thresholds lie between 0 and 100, and each number of stars needs at least "
                    "the total of the one below it."
                ),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(year)s: %(name)s") % {"year": self.year, "name": self.name}

    def stars_for(self, total: Decimal) -> int:
        """The stars a total out of 100 earns."""
        thresholds = [
            self.two_stars_from,
            self.three_stars_from,
            self.four_stars_from,
            self.five_stars_from,
        ]
        return 1 + sum(1 for threshold in thresholds if total >= threshold)


class Criterion(models.Model):
    """One line of the checklist: what is asked, in which group, for how many points."""

    class Group(models.TextChoices):
        TEAM = "team", _("leadership team")
        MEMBERS = "members", _("party members")
        VENUE = "venue", _("service venue")
        MECHANISM = "mechanism", _("service mechanisms")
        RESULTS = "results", _("service results")
        SATISFACTION = "satisfaction", _("people's satisfaction")

    class Scoring(models.TextChoices):
        # Any number of points from 0 to the weight, in steps of 0.5.
        GRADED = "graded", _("graded, up to the weight")
        # All the points or none.
        MET = "met", _("met or not")

    checklist = models.ForeignKey(
        Checklist, models.CASCADE, related_name="criteria", verbose_name=_("checklist")
    )
    group = models.CharField(_("criterion group"), max_length=12, choices=Group)
    title = models.CharField(_("criterion"), max_length=200)
    guidance = models.TextField(
        _("how it is scored"), blank=True, help_text=_("What the evidence must show.")
    )
    weight = score_field(_("points"))
    scoring = models.CharField(_("scoring"), max_length=8, choices=Scoring, default=Scoring.GRADED)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["checklist", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100),
                name="criterion_weight_positive",
                violation_error_message=_("Points lie between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AssessmentQuerySet(VisibleQuerySet):
    area_lookups = THROUGH_VILLAGE

    def approved(self) -> "AssessmentQuerySet":
        return self.filter(status=Assessment.Status.APPROVED)

    def path_of(self, village: Village) -> "AssessmentQuerySet":
        """A village's approved ratings, year by year, oldest first."""
        return self.approved().filter(village=village).order_by("year")


class Assessment(models.Model):
    """One village's assessment of one year, from self-assessment to the county's approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("self-assessment under way")
        SUBMITTED = "submitted", _("awaiting the township's review")
        REVIEWED = "reviewed", _("awaiting the county's approval")
        APPROVED = "approved", _("approved by the county")

    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="assessments",
        verbose_name=_("village or community"),
    )
    checklist = models.ForeignKey(
        Checklist, models.PROTECT, related_name="assessments", verbose_name=_("checklist")
    )
    # Copied from the checklist: a village's path is read year by year without a join.
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    work_group = models.ForeignKey(
        WorkGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("work group that filled it"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT, editable=False
    )
    # Totals out of 100, written by the services at each step.
    self_total = score_field(_("self-assessed total"), null=True, blank=True, editable=False)
    review_total = score_field(_("reviewed total"), null=True, blank=True, editable=False)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True, editable=False)
    up_to_standard = models.BooleanField(_("up to standard"), null=True, blank=True, editable=False)
    review_comment = models.TextField(_("township's opinion"), blank=True, editable=False)
    approval_comment = models.TextField(_("county's opinion"), blank=True, editable=False)
    submitted_by = actor_field(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_by = actor_field(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    approved_by = actor_field(_("approver"))
    approved_at = models.DateTimeField(_("time of approval"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organisation assessment")
        verbose_name_plural = _("party organisation assessments")
        ordering = ["-year", "village__code"]
        indexes = [models.Index(fields=["year", "status"], name="assessment_year_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="assessment_one_per_village_year",
                violation_error_message=_("This village already has an assessment this year."),
            ),
            models.CheckConstraint(
                condition=Q(status="approved", review_total__isnull=False) | ~Q(status="approved"),
                name="assessment_approved_has_total",
                violation_error_message=_("An approved assessment has a reviewed total."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(village)s, %(year)s") % {"village": self.village, "year": self.year}


class CriterionScore(models.Model):
    """The village's points and evidence for one criterion, and the township's."""

    assessment = models.ForeignKey(
        Assessment, models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        Criterion, models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    self_score = score_field(_("self-assessed points"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    review_score = score_field(_("reviewed points"), null=True, blank=True)
    review_comment = models.TextField(_("township's comment"), blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"],
                name="criterion_score_once",
                violation_error_message=_("This criterion is already scored."),
            ),
            models.CheckConstraint(
                condition=(Q(self_score__isnull=True) | Q(self_score__gte=0))
                & (Q(review_score__isnull=True) | Q(review_score__gte=0)),
                name="criterion_score_not_negative",
                violation_error_message=_("Points cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.criterion)


class EvidenceFile(models.Model):
    """A photo or document backing a criterion's self-assessment."""

    score = models.ForeignKey(
        CriterionScore, models.CASCADE, related_name="files", verbose_name=_("criterion")
    )
    file = models.FileField(_("file"), upload_to="assessments/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = actor_field(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class RectificationItemQuerySet(VisibleQuerySet):
    area_lookups = {
        "county": "assessment__village__township__county",
        "township": "assessment__village__township",
        "village": "assessment__village",
    }

    def open(self) -> "RectificationItemQuerySet":
        return self.exclude(status=RectificationItem.Status.ACCEPTED)

    def overdue(self, today=None) -> "RectificationItemQuerySet":
        return self.open().filter(deadline__lt=today or timezone.localdate())


class RectificationItem(models.Model):
    """整改: one thing a village below the standard must put right, by a day, by someone."""

    class Status(models.TextChoices):
        OPEN = "open", _("under way")
        DONE = "done", _("reported done")
        ACCEPTED = "accepted", _("accepted by the township")

    assessment = models.ForeignKey(
        Assessment, models.CASCADE, related_name="rectification", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        Criterion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    task = models.TextField(_("what is to be put right"))
    responsible = models.CharField(_("responsible"), max_length=50)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.OPEN, editable=False
    )
    accepted_by = actor_field(_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RectificationItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due")]

    def __str__(self) -> str:
        return self.task[:50]

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.ACCEPTED and self.deadline < timezone.localdate()


class RectificationNote(models.Model):
    """Progress on a rectification item, with a photo if one shows it."""

    item = models.ForeignKey(
        RectificationItem, models.CASCADE, related_name="notes", verbose_name=_("item")
    )
    text = models.TextField(_("progress"))
    photo = models.ImageField(_("photo"), upload_to="rectification/%Y/%m/", blank=True)
    written_by = actor_field(_("written by"))
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
