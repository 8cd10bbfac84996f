"""What units do for their villages: projects of work groups paid in part from pooled funds,
the allocations and disbursements that pay them, and the activities work groups hold."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.records import actor_field, this_year
from units.models import Unit, WorkGroup
from villages.models import Household, Village, VisibleQuerySet
from visits.models import Need

ZERO = Decimal("0.00")


def money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """An amount in 元 with two places: up to a hundred billion, never a float."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def take_place_of_work_group(record: models.Model) -> None:
    """Fill a project's or activity's unit and village from its work group."""
    if record.work_group_id is not None:
        group = WorkGroup.objects.only("unit_id", "village_id").get(pk=record.work_group_id)
        record.unit_id, record.village_id = group.unit_id, group.village_id


class FundPool(models.Model):
    """资金池: one year's money that one department put into the integrated funds."""

    class Source(models.TextChoices):
        ORGANISATION = "organisation", _("organisation department")
        FINANCE = "finance", _("finance bureau")
        AGRICULTURE = "agriculture", _("agriculture and rural affairs bureau")
        WATER = "water", _("water resources bureau")
        POVERTY_RELIEF = "poverty_relief", _("poverty relief office")
        OTHER = "other", _("other department")

    source = models.CharField(_("source department"), max_length=16, choices=Source)
    name = models.CharField(
        _("name"), max_length=100, help_text=_("As the department's document names the funds.")
    )
    year = models.PositiveSmallIntegerField(_("year"), default=this_year)
    amount = money_field(_("amount (yuan)"))
    # Sum of the allocations approved from the pool; the database keeps it within the amount.
    allocated = money_field(_("allocated (yuan)"), default=ZERO, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund pool")
        verbose_name_plural = _("fund pools")
        ordering = ["-year", "source", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="fund_pool_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("amount")),
                name="fund_pool_never_over_allocated",
                violation_error_message=_("A fund pool cannot allocate more than it holds."),
            ),
            models.UniqueConstraint(
                fields=["year", "source", "name"],
                name="fund_pool_unique_name",
                violation_error_message=_("This department already has a pool of this name."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(year)s %(source)s: %(name)s") % {
            "year": self.year,
            "source": self.get_source_display(),
            "name": self.name,
        }

    @property
    def left(self) -> Decimal:
        return self.amount - self.allocated


class ProjectQuerySet(VisibleQuerySet):
    area_lookups = {
        "county": "village__township__county",
        "township": "village__township",
        "village": "village",
    }

    def of_year(self, year: int) -> "ProjectQuerySet":
        return self.filter(year=year)


class Project(models.Model):
    """帮扶项目: what a unit's work group does for its village."""

    class Kind(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("infrastructure")
        INDUSTRY = "industry", _("industry development")
        TRAINING = "training", _("skills training")
        CULTURE_SPORTS = "culture_sports", _("culture and sports facilities")
        SCHOOL_MEDICAL = "school_medical", _("help with schooling and medical care")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDERWAY = "underway", _("underway")
        COMPLETED = "completed", _("completed")
        ACCEPTED = "accepted", _("accepted")

    work_group = models.ForeignKey(
        WorkGroup, models.PROTECT, related_name="projects", verbose_name=_("work group")
    )
    # Copied from the work group: the area and unit of a project are read without a join.
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="projects", verbose_name=_("unit"), editable=False
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="projects",
        verbose_name=_("village or community"),
        editable=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    year = models.PositiveSmallIntegerField(_("year"), default=this_year)
    budget_pooled = money_field(_("from the pooled funds (yuan)"), default=ZERO)
    budget_unit = money_field(_("from the unit's own funds (yuan)"), default=ZERO)
    budget_donation = money_field(_("from donations (yuan)"), default=ZERO)
    budget_village = money_field(_("from the village's own funds (yuan)"), default=ZERO)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    beneficiaries = models.ManyToManyField(
        Household,
        blank=True,
        related_name="projects",
        verbose_name=_("beneficiary households"),
    )
    beneficiary_count = models.PositiveIntegerField(
        _("households benefiting"),
        default=0,
        help_text=_("All the households the project serves, linked above or not."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PLANNED, editable=False
    )
    accepted_by = actor_field(_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    acceptance_note = models.TextField(_("acceptance opinion"), blank=True, editable=False)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["year", "status"], name="project_year_status"),
            models.Index(fields=["village", "year"], name="project_village_year"),
            models.Index(fields=["unit", "year"], name="project_unit_year"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_pooled__gte=0)
                & Q(budget_unit__gte=0)
                & Q(budget_donation__gte=0)
                & Q(budget_village__gte=0),
                name="project_budget_not_negative",
                violation_error_message=_("A budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_planned_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="project_actual_end_after_start",
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="project_accepted_has_time",
                violation_error_message=_("An accepted project must say when it was accepted."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        take_place_of_work_group(self)
        super().save(*args, **kwargs)

    @property
    def budget_total(self) -> Decimal:
        return self.budget_pooled + self.budget_unit + self.budget_donation + self.budget_village

    @property
    def money_per_household(self) -> Decimal | None:
        if not self.beneficiary_count:
            return None
        return (self.budget_total / self.beneficiary_count).quantize(Decimal("0.01"))

    def allocated_total(self) -> Decimal:
        """Pooled funds applied for and not returned: what the pooled budget must cover."""
        total = self.allocations.exclude(status=Allocation.Status.RETURNED).aggregate(
            total=Sum("amount")
        )["total"]
        return total or ZERO


class ProjectNote(models.Model):
    """A dated step of a project's progress, with a photo of the work where there is one."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="notes", verbose_name=_("project")
    )
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("progress"))
    photo = models.ImageField(_("photo"), upload_to="projects/%Y/", blank=True)
    author = actor_field(_("written by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["project", "-noted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.project.title}"


class ProjectNeed(models.Model):
    """A household's need that a project resolved; the need's history says so."""

    project = models.ForeignKey(
        Project, models.PROTECT, related_name="resolved_needs", verbose_name=_("project")
    )
    need = models.OneToOneField(
        Need, models.PROTECT, related_name="resolved_by_project", verbose_name=_("need")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("need resolved by a project")
        verbose_name_plural = _("needs resolved by projects")

    def __str__(self) -> str:
        return f"{self.project.title} → {self.need}"


class Allocation(models.Model):
    """Pooled funds for one project, from one pool: 申报 → 审核 → 批复 → 拨付 → 验收."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied for")
        REVIEWED = "reviewed", _("reviewed by the township")
        APPROVED = "approved", _("approved by the city")
        DISBURSED = "disbursed", _("disbursed")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")

    pool = models.ForeignKey(
        FundPool, models.PROTECT, related_name="allocations", verbose_name=_("fund pool")
    )
    project = models.ForeignKey(
        Project, models.PROTECT, related_name="allocations", verbose_name=_("project")
    )
    amount = money_field(_("amount (yuan)"))
    paid = money_field(_("paid (yuan)"), default=ZERO, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.APPLIED, editable=False
    )
    purpose = models.TextField(_("what the money is for"), blank=True)
    applied_by = actor_field(_("applied by"))
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now, editable=False)
    reviewed_by = actor_field(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("review opinion"), blank=True, editable=False)
    approved_by = actor_field(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    accepted_by = actor_field(_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    returned_by = actor_field(_("returned by"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True, editable=False)
    return_reason = models.TextField(_("reason for returning"), blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-applied_at", "-pk"]
        indexes = [models.Index(fields=["status", "applied_at"], name="allocation_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=F("amount")),
                name="allocation_never_paid_past_amount",
                violation_error_message=_("An allocation cannot pay out more than it grants."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(project)s: %(amount)s yuan from %(pool)s") % {
            "project": self.project.title,
            "amount": self.amount,
            "pool": self.pool.name,
        }

    @property
    def unpaid(self) -> Decimal:
        return self.amount - self.paid

    @property
    def counts_against_pool(self) -> bool:
        """Approved and after: what the pool's ``allocated`` holds."""
        return self.status in GRANTED


# Approved and after: the allocations a pool's ``allocated`` holds, which may be paid.
GRANTED = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.ACCEPTED)


class Disbursement(models.Model):
    """拨付: one payment of an approved allocation, with its voucher."""

    allocation = models.ForeignKey(
        Allocation, models.PROTECT, related_name="disbursements", verbose_name=_("allocation")
    )
    amount = money_field(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"), default=timezone.localdate)
    voucher = models.FileField(_("voucher"), upload_to="vouchers/%Y/")
    voucher_name = models.CharField(_("voucher file name"), max_length=200, blank=True)
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="disbursement_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s yuan on %(day)s") % {
            "amount": self.amount,
            "day": f"{self.paid_on:%Y-%m-%d}",
        }


class ActivityQuerySet(VisibleQuerySet):
    area_lookups = ProjectQuerySet.area_lookups


class Activity(models.Model):
    """活动: a training class, exchange meeting, forum or donation a work group held."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("training class")
        EXCHANGE = "exchange", _("exchange meeting on getting rich")
        FORUM = "forum", _("forum with villagers")
        DONATION = "donation", _("donation")
        OTHER = "other", _("other")

    work_group = models.ForeignKey(
        WorkGroup, models.PROTECT, related_name="activities", verbose_name=_("work group")
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="activities", verbose_name=_("unit"), editable=False
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="activities",
        verbose_name=_("village or community"),
        editable=False,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    held_on = models.DateField(_("date"), default=timezone.localdate)
    title = models.CharField(_("what"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    households_reached = models.PositiveIntegerField(_("households reached"), default=0)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["held_on", "id"], name="activity_held"),
            models.Index(fields=["village", "held_on"], name="activity_village_held"),
            models.Index(fields=["unit", "held_on"], name="activity_unit_held"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        take_place_of_work_group(self)
        super().save(*args, **kwargs)


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        Activity, models.CASCADE, related_name="photos", verbose_name=_("activity")
    )
    photo = models.ImageField(_("photo"), upload_to="activities/%Y/")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.photo.name
