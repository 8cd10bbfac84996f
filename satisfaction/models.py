"""群众满意度测评: satisfaction measured by interviewers from outside each village's own work
group and unit, on a random sample of households drawn per village and stratified by household
category, rather than taken from what cadres record after their own visits."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.records import actor_field
from units.models import Cadre
from villages.models import (
    THROUGH_VILLAGE,
    County,
    Household,
    Township,
    Village,
    VisibleQuerySet,
)


class RoundQuerySet(VisibleQuerySet):
    def open(self) -> "RoundQuerySet":
        return self.filter(status=Round.Status.OPEN)


class Round(models.Model):
    """A survey round (测评轮次) over one area: the city, a county or a township."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        OPEN = "open", _("interviewing")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=100, help_text=_("For example 2026年第四季度."))
    # Neither county nor township: the whole city.
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
    starts_on = models.DateField(_("interviews from"), default=timezone.localdate)
    ends_on = models.DateField(_("interviews until"))
    # The sample per village: a number of households, or a share of them (one or the other).
    per_village = models.PositiveSmallIntegerField(
        _("households per village"), null=True, blank=True
    )
    share = models.DecimalField(
        _("share of households (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reserve_per_village = models.PositiveSmallIntegerField(
        _("reserve households per village"), default=5
    )
    max_tries = models.PositiveSmallIntegerField(
        _("tries before a household is replaced"), default=3
    )
    # Fewer interviews than this in an area and its figure is not published.
    least_interviews = models.PositiveSmallIntegerField(
        _("least interviews for a published figure"), default=10
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status, default=Status.DRAFT, editable=False
    )
    # The draw: recorded so that drawing again from the same households gives the same sample.
    seed = models.BigIntegerField(_("random seed"), null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True, editable=False)
    drawn_by = actor_field(_("drawn by"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = actor_field(_("closed by"))
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(per_village__isnull=False) & Q(share__isnull=True))
                | (Q(per_village__isnull=True) & Q(share__isnull=False)),
                name="round_sample_number_or_share",
                violation_error_message=_(
                    "Give either the households per village or the share, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(share__gt=0, share__lte=100),
                name="round_share_percentage",
                violation_error_message=_("The share lies between 0 and 100%."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="round_ends_after_start",
                violation_error_message=_("A round cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(max_tries__gte=1),
                name="round_at_least_one_try",
                violation_error_message=_("A household is tried at least once."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area(self) -> County | Township | None:
        """The county or township surveyed; None: the whole city."""
        return self.township or self.county

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Question(models.Model):
    """One question of a round, answered 满意/基本满意/不满意/不了解 with a comment."""

    class Topic(models.TextChoices):
        # What the question asks about; the cadres' own visits' satisfaction is set beside the
        # answers to the CADRE_VISITS question.
        CADRE_VISITS = "cadre_visits", _("the linked cadre's visits")
        NEEDS = "needs", _("how needs were handled")
        VILLAGE_COMMITTEES = "committees", _("the village's two committees")
        UNIT_HELP = "unit_help", _("the unit's help")
        OTHER = "other", _("other")

    round = models.ForeignKey(
        Round, models.CASCADE, related_name="questions", verbose_name=_("survey round")
    )
    text = models.CharField(_("question"), max_length=200)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic, default=Topic.OTHER)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["round", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Interviewer(models.Model):
    """A cadre who interviews in one village of a round; never one of the village's own work
    group or of a unit linked to the village (the services refuse it)."""

    round = models.ForeignKey(
        Round, models.CASCADE, related_name="interviewers", verbose_name=_("survey round")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    cadre = models.ForeignKey(
        Cadre, models.PROTECT, related_name="interviews", verbose_name=_("interviewer")
    )
    assigned_by = actor_field(_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("interviewer")
        verbose_name_plural = _("interviewers")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "village", "cadre"],
                name="interviewer_once_per_village",
                violation_error_message=_("This cadre already interviews in this village."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.cadre)


class SampleQuerySet(VisibleQuerySet):
    area_lookups = THROUGH_VILLAGE

    def in_sample(self) -> "SampleQuerySet":
        """The households to be interviewed now: drawn, or brought in from the reserve."""
        return self.filter(status__in=Sample.IN_SAMPLE)


class Sample(models.Model):
    """A household drawn for a round, in the sample or in its village's reserve."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not yet reached")
        INTERVIEWED = "interviewed", _("interviewed")
        # Not reached after the round's tries; a reserve household takes its place.
        REPLACED = "replaced", _("not reached, replaced")
        RESERVE = "reserve", _("in reserve")

    IN_SAMPLE = (Status.PENDING, Status.INTERVIEWED)

    round = models.ForeignKey(
        Round, models.CASCADE, related_name="samples", verbose_name=_("survey round")
    )
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="+", verbose_name=_("household")
    )
    # Copied at the draw: the sample stays where it was drawn if the household moves.
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    stratum = models.CharField(_("household category"), max_length=20, choices=Household.Category)
    # The order of the draw: reserve households come into the sample in this order.
    draw_order = models.PositiveIntegerField(_("order of the draw"))
    status = models.CharField(_("status"), max_length=12, choices=Status)
    interviewer = models.ForeignKey(
        Cadre,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    replaces = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    tries = models.PositiveSmallIntegerField(_("tries"), default=0, editable=False)
    interviewed_at = models.DateTimeField(
        _("interviewed at"), null=True, blank=True, editable=False
    )
    method = models.CharField(_("how"), max_length=10, blank=True, editable=False)
    comment = models.TextField(_("comment"), blank=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampled household")
        verbose_name_plural = _("sampled households")
        ordering = ["round", "village", "draw_order"]
        indexes = [
            models.Index(fields=["round", "village", "status"], name="sample_round_village"),
            models.Index(fields=["interviewer", "status"], name="sample_interviewer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"],
                name="sample_household_once",
                violation_error_message=_("This household is already drawn in this round."),
            ),
            models.UniqueConstraint(
                fields=["round", "village", "draw_order"],
                name="sample_draw_order_unique",
                violation_error_message=_("Two households drawn in the same place."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(round)s: household %(pk)s") % {"round": self.round_id, "pk": self.pk}


class Attempt(models.Model):
    """One try to reach a sampled household, reached or not."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("by phone")

    sample = models.ForeignKey(
        Sample, models.CASCADE, related_name="attempts", verbose_name=_("sampled household")
    )
    method = models.CharField(_("how"), max_length=10, choices=Method)
    reached = models.BooleanField(_("reached"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(Cadre, models.PROTECT, related_name="+", verbose_name=_("interviewer"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The phone's key for the submission, so that a form sent twice counts once.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class Answer(models.Model):
    """满意/基本满意/不满意/不了解: one household's answer to one question."""

    class Choice(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        FAIRLY_SATISFIED = "fair", _("fairly satisfied")
        DISSATISFIED = "dissatisfied", _("dissatisfied")
        UNKNOWN = "unknown", _("does not know")

    sample = models.ForeignKey(
        Sample, models.CASCADE, related_name="answers", verbose_name=_("sampled household")
    )
    question = models.ForeignKey(
        Question, models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    choice = models.CharField(_("answer"), max_length=12, choices=Choice)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "question"],
                name="answer_once_per_question",
                violation_error_message=_("This question is already answered."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_choice_display()


class VillageResult(models.Model):
    """A round's counts in one village for one question, written when the round closes (and
    refreshed while it is open): what the figures of every area are summed from."""

    round = models.ForeignKey(
        Round, models.CASCADE, related_name="results", verbose_name=_("survey round")
    )
    village = models.ForeignKey(
        Village, models.CASCADE, related_name="+", verbose_name=_("village or community")
    )
    question = models.ForeignKey(
        Question, models.CASCADE, related_name="+", verbose_name=_("question")
    )
    # Households in the village when drawn (the population the sample stands for).
    households = models.PositiveIntegerField(_("households"))
    interviewed = models.PositiveIntegerField(_("interviewed"))
    satisfied = models.PositiveIntegerField(_("satisfied"))
    fairly_satisfied = models.PositiveIntegerField(_("fairly satisfied"))
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"))
    unknown = models.PositiveIntegerField(_("does not know"))
    # What the linked cadres recorded after their own visits to the same interviewed households
    # (their last visit within the round or the 90 days before it): how many, and how many of
    # them satisfied or fairly satisfied.
    self_reported = models.PositiveIntegerField(_("cadres' own records"), default=0)
    self_reported_satisfied = models.PositiveIntegerField(
        _("satisfied in cadres' own records"), default=0
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("village result")
        verbose_name_plural = _("village results")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "village", "question"], name="village_result_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.village_id}/{self.question_id}"


class DrawnVillageQuerySet(VisibleQuerySet):
    area_lookups = THROUGH_VILLAGE


class DrawnVillage(models.Model):
    """A village as it stood at a round's draw: how many households it had (the population its
    sample stands for), how many were drawn into the sample and how many into the reserve."""

    round = models.ForeignKey(
        Round, models.CASCADE, related_name="drawn_villages", verbose_name=_("survey round")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    households = models.PositiveIntegerField(_("households"))
    drawn = models.PositiveIntegerField(_("households drawn"))
    reserve = models.PositiveIntegerField(_("reserve households"))

    objects = DrawnVillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village drawn")
        verbose_name_plural = _("villages drawn")
        ordering = ["round", "village"]
        constraints = [
            models.UniqueConstraint(fields=["round", "village"], name="drawn_village_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.village_id}"
