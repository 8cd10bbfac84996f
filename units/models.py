"""Units, their cadres, the work groups they send to villages, and cadre ↔ household links."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from villages.fields import PhoneField
from villages.models import (
    THROUGH_VILLAGE,
    Area,
    County,
    Household,
    Township,
    Village,
    VisibleQuerySet,
    household_village_field,
)
from villages.search import VILLAGE_OR_UNIT_NAME_MIN_LENGTH, is_id_digits, keys_or_subquery
from villages.validators import mask_phone


class UnitQuerySet(VisibleQuerySet):
    # A unit is based in a county or township; a village has none of its own, so the units
    # linking it (with a work group there) stand for it.
    area_lookups = {"county": "county", "township": "township"}

    def in_area(self, area: Area | None) -> "UnitQuerySet":
        if area is not None and area.is_village:
            return self.filter(pk__in=WorkGroup.objects.filter(village=area).values("unit"))
        return super().in_area(area)


class Unit(models.Model):
    class Kind(models.TextChoices):
        PARTY_GOVERNMENT = "party_gov", _("Party and government organ")
        PEOPLES_ORGANIZATION = "people_org", _("people's organization")
        ENTERPRISE_INSTITUTION = "enterprise", _("enterprise or public institution")
        STATIONED = "stationed", _("central or provincial unit stationed in the city")

    class Level(models.TextChoices):
        CITY = "city", _("city level")
        COUNTY = "county", _("county level")
        TOWNSHIP = "township", _("township level")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    level = models.CharField(_("level"), max_length=10, choices=Level, default=Level.CITY)
    county = models.ForeignKey(
        County,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("county or district"),
        help_text=_("For county- and township-level units."),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("township or subdistrict"),
        help_text=_("For township-level units."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["level", "name"]
        indexes = [models.Index(fields=["level", "name"], name="unit_level_name")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level="city", county__isnull=True, township__isnull=True)
                    | Q(level="county", county__isnull=False, township__isnull=True)
                    | Q(level="township", county__isnull=False, township__isnull=False)
                ),
                name="unit_area_matches_level",
                violation_error_message=_(
                    "City-level units have no county; county-level units need a county; "
                    "township-level units need a county and a township."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.township_id and not self.county_id:
            self.county_id = self.township.county_id
        if self.township_id and self.township.county_id != self.county_id:
            raise ValidationError(
                {"township": gettext("The township is not in the chosen county.")}
            )


class CadreQuerySet(VisibleQuerySet):
    # Where their unit is based; for a village, the cadres of the units linking it.
    area_lookups = {"county": "unit__county", "township": "unit__township"}

    def in_area(self, area: Area | None) -> "CadreQuerySet":
        if area is not None and area.is_village:
            return self.filter(unit__in=Unit.objects.in_area(area))
        return super().in_area(area)

    def in_service(self) -> "CadreQuerySet":
        return self.filter(in_service=True)

    def needing_handover(self) -> "CadreQuerySet":
        """Cadres no longer in service who are still linked to households."""
        return self.filter(in_service=False).filter(
            Exists(HouseholdAssignment.objects.active().filter(cadre=OuterRef("pk")))
        )

    def matching(self, term: str) -> "CadreQuerySet":
        """Cadres a search finds: by the start of their name or (from two characters) of their
        unit's name."""
        term = "".join(term.split())
        if not term:
            return self
        condition = Q(name__startswith=term)
        if len(term) >= VILLAGE_OR_UNIT_NAME_MIN_LENGTH:
            units = Unit.objects.filter(name__startswith=term)
            condition |= Q(unit__in=keys_or_subquery(units))
        return self.filter(condition)

    def for_picking(self, villages: models.QuerySet) -> "CadreQuerySet":
        """Annotated with ``load`` (households in force) and ``in_group`` (leads or belongs to
        a work group of ``villages``, a query of village keys); those in a group first."""
        leads = WorkGroup.objects.filter(village__in=villages).values("leader_id")
        belongs = WorkGroupMember.objects.filter(work_group__village__in=villages).values("cadre")
        return self.annotate(
            load=count_subquery(HouseholdAssignment.objects.active(), "cadre"),
            in_group=models.Case(
                models.When(Q(pk__in=leads) | Q(pk__in=belongs), then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
        ).order_by("-in_group", "unit__name", "name", "pk")


class Cadre(models.Model):
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="cadres", verbose_name=_("unit"))
    name = models.CharField(_("full name"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to="cadres/%Y/",
        blank=True,
        help_text=_("For the public notice board: a recent head-and-shoulders photo."),
    )
    is_party_member = models.BooleanField(_("party member"), default=True)
    in_service = models.BooleanField(
        _("in service"),
        default=True,
        help_text=_("Untick when the cadre retires or leaves the unit."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
        verbose_name=_("login account"),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set while the account has a one-time password; cleared when it is changed."),
    )
    # Who last set the account's password, shown to the cadre when they sign in: a
    # coordinator issuing a one-time password, or the cadre choosing their own.
    password_set_at = models.DateTimeField(_("password last set"), null=True, blank=True)
    password_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("password last set by"),
        # Never looked up by; and a plain column lets SQLite drop it again without rebuilding a
        # table that the figures' triggers name.
        db_index=False,
        db_constraint=False,
    )

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["unit", "name", "pk"]
        indexes = [
            models.Index(
                fields=["name"], name="cadre_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
            # The list's order within each unit (the units in order by unit_level_name): a
            # page is read from the indexes instead of sorting 150,000 cadres.
            models.Index(fields=["unit", "name", "id"], name="cadre_unit_name"),
            # The few who left service (those whose households await a successor), found
            # without reading every cadre.
            models.Index(fields=["unit"], name="cadre_left_unit", condition=Q(in_service=False)),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.name}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def password_set_by_label(self) -> str:
        """Who last set the password, as people know them: name and username ("": the system)."""
        user = self.password_set_by
        if user is None:
            return ""
        name, username = user.get_full_name(), user.get_username()
        return f"{name}（{username}）" if name and name != username else username


class WorkGroup(models.Model):
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="work_groups", verbose_name=_("unit")
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="work_groups",
        verbose_name=_("village or community"),
    )
    leader = models.ForeignKey(
        Cadre,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_work_groups",
        verbose_name=_("group leader"),
    )
    members = models.ManyToManyField(
        Cadre,
        through="WorkGroupMember",
        related_name="work_groups",
        verbose_name=_("members"),
        blank=True,
    )
    established_on = models.DateField(_("established on"), default=timezone.localdate)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("work group")
        verbose_name_plural = _("work groups")
        ordering = ["village", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "village"],
                name="work_group_one_per_unit_and_village",
                violation_error_message=_("This unit already has a work group in this village."),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(unit)s in %(village)s") % {
            "unit": self.unit.name,
            "village": self.village.name,
        }

    def clean(self) -> None:
        if self.leader_id and self.unit_id and self.leader.unit_id != self.unit_id:
            raise ValidationError({"leader": gettext("The leader must be a cadre of this unit.")})


class WorkGroupMember(models.Model):
    work_group = models.ForeignKey(
        WorkGroup, models.CASCADE, related_name="memberships", verbose_name=_("work group")
    )
    cadre = models.ForeignKey(
        Cadre, models.CASCADE, related_name="work_group_memberships", verbose_name=_("cadre")
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("work group member")
        verbose_name_plural = _("work group members")
        constraints = [
            models.UniqueConstraint(
                fields=["work_group", "cadre"],
                name="work_group_member_once",
                violation_error_message=_("This cadre is already a member of the work group."),
            )
        ]

    def __str__(self) -> str:
        return self.cadre.name

    def clean(self) -> None:
        if self.cadre_id and self.work_group_id and (self.cadre.unit_id != self.work_group.unit_id):
            raise ValidationError(
                {"cadre": gettext("Members must be cadres of the work group's unit.")}
            )


class HouseholdRecordQuerySet(VisibleQuerySet):
    """Records about a household by a cadre: assignments, visits and needs."""

    area_lookups = THROUGH_VILLAGE

    def matching(self, term: str) -> "HouseholdRecordQuerySet":
        """Records a search finds: by their household (``HouseholdQuerySet.matching``) or, for a
        term that is not ID digits, by their cadre (``CadreQuerySet.matching``)."""
        term = "".join(term.split())
        if not term:
            return self
        # Key lists rather than joins, so that an index on each key answers either side.
        condition = Q(household__in=keys_or_subquery(Household.objects.matching(term)))
        if not is_id_digits(term):
            condition |= Q(cadre__in=keys_or_subquery(Cadre.objects.matching(term)))
        return self.filter(condition)


class HouseholdAssignmentQuerySet(HouseholdRecordQuerySet):
    def active(self) -> "HouseholdAssignmentQuerySet":
        return self.filter(ended_on__isnull=True)

    def on(self, day: datetime.date) -> "HouseholdAssignmentQuerySet":
        """Assignments in force on ``day``: started by then and not ended before it."""
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )

    def needing_new_cadre(self) -> "HouseholdAssignmentQuerySet":
        """Assignments in force whose cadre has left service."""
        return self.active().filter(cadre__in_service=False)


class HouseholdAssignment(models.Model):
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="assignments", verbose_name=_("household")
    )
    village = household_village_field()
    cadre = models.ForeignKey(
        Cadre, models.PROTECT, related_name="assignments", verbose_name=_("cadre")
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HouseholdAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("household assignment")
        verbose_name_plural = _("household assignments")
        ordering = ["-started_on", "-pk"]
        indexes = [
            models.Index(fields=["started_on", "id"], name="assignment_started"),
            # Each cadre's households now: the cadre list's and the gap lists' counts.
            models.Index(
                fields=["cadre"],
                name="assignment_active_cadre",
                condition=Q(ended_on__isnull=True),
            ),
            # The ended ones of an area or a unit, found and sorted from the index alone.
            models.Index(
                fields=["village", "cadre", "started_on", "id"],
                name="assignment_ended_village",
                condition=Q(ended_on__isnull=False),
            ),
            # Ended assignments are the old ones: the list of them would otherwise scan past
            # every assignment in force first.
            models.Index(
                fields=["started_on", "id"],
                name="assignment_ended_started",
                condition=Q(ended_on__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_on__isnull=True),
                name="household_assignment_one_active",
                violation_error_message=_(
                    "This household already has a responsible cadre; end that assignment first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="household_assignment_ends_after_start",
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} → {self.household.head_name}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class VillageSurvey(models.Model):
    """村情民意: what a work group found in its village in one year."""

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="surveys", verbose_name=_("village or community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    recorded_by = models.ForeignKey(
        Cadre, models.PROTECT, related_name="village_surveys", verbose_name=_("recorded by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    production_and_living = models.TextField(_("production and living conditions"), blank=True)
    poor_households = models.TextField(_("situation of poor households"), blank=True)
    medical_care = models.TextField(_("access to medical care"), blank=True)
    schooling = models.TextField(_("access to schooling"), blank=True)
    village_committees = models.TextField(_("how the village two committees work"), blank=True)
    roads = models.TextField(_("roads"), blank=True)
    schools = models.TextField(_("schools"), blank=True)
    farms_and_cooperatives = models.TextField(_("farms and cooperatives"), blank=True)
    main_problems = models.TextField(_("main problems"), blank=True)

    objects = VisibleQuerySet.as_manager()

    ANSWER_FIELDS = (
        "production_and_living",
        "poor_households",
        "medical_care",
        "schooling",
        "village_committees",
        "roads",
        "schools",
        "farms_and_cooperatives",
        "main_problems",
    )

    class Meta:
        verbose_name = _("village survey")
        verbose_name_plural = _("village surveys")
        ordering = ["-year", "village"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="village_survey_one_per_year",
                violation_error_message=_("This village already has a survey for this year."),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(village)s, %(year)s") % {"village": self.village.name, "year": self.year}


class CadreAbsence(models.Model):
    """Days a cadre recorded as away (出差、培训、休假): visits dated on them are flagged for
    review."""

    cadre = models.ForeignKey(
        Cadre, models.CASCADE, related_name="absences", verbose_name=_("cadre")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("days away")
        verbose_name_plural = _("days away")
        ordering = ["cadre", "-starts_on", "pk"]
        indexes = [models.Index(fields=["cadre", "starts_on"], name="absence_cadre_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="absence_ends_after_start",
                violation_error_message=_("The last day away cannot be before the first."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"
