"""Who may see what (a user's role and scope) and the audit trail of sensitive actions."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from villages.models import AreaQuerySet, County, Township, VisibleQuerySet


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


class AppendOnlyError(ValueError):
    """Raised on any attempt to change or delete audit events outside the purge."""


APPEND_ONLY_MESSAGE = (
    "Audit events are never changed or deleted; only the purge_audit_events command removes "
    "events older than the retention period."
)


class AuditEventQuerySet(VisibleQuerySet):
    """Audit events are only ever added: updates and deletes are refused here and, again, by
    triggers in the database (migration ``0005_auditevent_append_only``)."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    update.alters_data = True

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    bulk_update.alters_data = True


# The actions the audit trail records (shuanglian.audit.trail and its callers), as a reader
# names them.
AUDIT_ACTIONS = {
    "create": _("created"),
    "change": _("changed"),
    "delete": _("deleted"),
    "sign_in": _("signed in"),
    "lockout": _("locked out"),
    "reveal": _("full ID number shown"),
    "purge": _("old audit events deleted"),
    "export": _("exported"),
    "import": _("imported"),
    "import_upload": _("import file uploaded"),
    "import_errors": _("rejected rows downloaded"),
    "geography_load": _("geography loaded from the code table"),
    "digit_search": _("searched by digits"),
    "cadre_login_created": _("cadre sign-in account created"),
    "cadre_password_reset": _("cadre password reset"),
    "assignments_assign": _("households assigned"),
    "assignments_distribute": _("households distributed"),
    "assignments_hand_over": _("households handed over"),
    "allocation_apply": _("pooled funds applied for"),
    "allocation_review": _("application reviewed"),
    "allocation_return": _("application returned"),
    "allocation_approve": _("allocation approved"),
    "disbursement": _("funds disbursed"),
    "project_accept": _("project accepted"),
    "voucher_download": _("voucher downloaded"),
    "ledger": _("ledger exported"),
    "round_open": _("survey round opened"),
    "round_draw": _("survey sample drawn"),
    "round_start": _("survey round started"),
    "round_close": _("survey round closed"),
    "interviewer_assign": _("interviewer assigned"),
    "interviewers_assign": _("interviewers assigned"),
    "sample_replace": _("sampled household replaced"),
    "results_export": _("survey results exported"),
    "checklist_add": _("assessment checklist added"),
    "checklist_change": _("assessment checklist changed"),
    "checklist_copy": _("assessment checklist copied"),
    "assessment_start": _("assessment opened"),
    "assessments_start": _("assessments of a year opened"),
    "assessment_save": _("self-assessment saved"),
    "evidence_add": _("evidence file added"),
    "evidence_download": _("evidence file downloaded"),
    "evidence_remove": _("evidence file removed"),
    "assessment_submit": _("self-assessment submitted"),
    "assessment_review": _("assessment reviewed"),
    "assessment_return": _("self-assessment returned"),
    "assessment_approve": _("assessment approved"),
    "assessment_send_back": _("review sent back"),
    "rectification_add": _("rectification item added"),
    "rectification_note": _("rectification progress reported"),
    "rectification_done": _("rectification item reported done"),
    "rectification_accept": _("rectification item accepted"),
    "rectification_reopen": _("rectification item reopened"),
    "report_export": _("statistical report exported"),
}


class AuditEvent(models.Model):
    """One audited action; rows are only ever added (see ``save``, the QuerySet and the
    database triggers)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        REFUSED = "refused", _("refused")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Never nulled nor enforced by the database: deleting a user leaves their events, with
    # the user's id and name, exactly as they were written.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.username} {self.action_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError(APPEND_ONLY_MESSAGE)
        if self.user is not None and not self.username:
            self.username = self.user.get_username()
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    @property
    def action_label(self) -> str:
        """What was done, in the reader's language; an action named nowhere shows as stored."""
        return str(AUDIT_ACTIONS.get(self.action, self.action))

    @property
    def object_type_label(self) -> str:
        """The kind of object, by its model's name (``units.workgroup`` reads 工作组)."""
        try:
            model = apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return self.object_type
        return str(model._meta.verbose_name)


class VillageFiguresQuerySet(AreaQuerySet):
    # Each row names its township and county itself, so no join is needed to place it.
    area_lookups = {"county": "county", "township": "township", "village": "village"}


class VillageFigures(models.Model):
    """One village's counts behind the dashboards, kept by ``shuanglian.figures.rollups``.

    Triggers on the raw tables mark a village whenever something it counts changes; the
    marked villages are recounted before figures are read, so the page never shows a stale
    count. The visit and need counts that depend on the date are as of ``as_of``.
    """

    village = models.OneToOneField(
        "villages.Village",
        models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("village or community"),
    )
    # Copied from the village so an area's figures are summed without joins.
    township = models.ForeignKey(Township, models.DO_NOTHING, db_constraint=False, related_name="+")
    county = models.ForeignKey(County, models.DO_NOTHING, db_constraint=False, related_name="+")
    has_work_group = models.BooleanField(default=False)
    households = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    # Households with a cadre assigned now, in service or not: with ``covered``, the lengths of
    # the household list's "linked cadre" choices.
    assigned = models.PositiveIntegerField(default=0)
    visited_30 = models.PositiveIntegerField(default=0)
    visited_90 = models.PositiveIntegerField(default=0)
    needs_raised = models.PositiveIntegerField(default=0)
    needs_open = models.PositiveIntegerField(default=0)
    needs_resolved = models.PositiveIntegerField(default=0)
    needs_overdue = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    pleased = models.PositiveIntegerField(default=0)
    # The village's assessment of the year of ``as_of`` (双创), one of these set at most: its
    # step, and once approved its stars and whether it is up to the standard; its
    # rectification items not yet accepted, and those of them past their deadline.
    assessed_draft = models.PositiveIntegerField(default=0)
    assessed_submitted = models.PositiveIntegerField(default=0)
    assessed_reviewed = models.PositiveIntegerField(default=0)
    assessed_approved = models.PositiveIntegerField(default=0)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    up_to_standard = models.PositiveIntegerField(default=0)
    rectification_open = models.PositiveIntegerField(default=0)
    rectification_overdue = models.PositiveIntegerField(default=0)
    as_of = models.DateField()

    objects = VillageFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("village figures")
        verbose_name_plural = _("village figures")
        indexes = [
            models.Index(fields=["county", "township"], name="village_figures_area"),
            models.Index(fields=["as_of"], name="village_figures_as_of"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.village_id}"


class UnitFigures(models.Model):
    """One unit's counts behind the participation rates, kept like ``VillageFigures``."""

    unit = models.OneToOneField(
        Unit, models.CASCADE, primary_key=True, related_name="figures", verbose_name=_("unit")
    )
    links_village = models.BooleanField(default=False)
    cadres = models.PositiveIntegerField(default=0)
    cadres_linked = models.PositiveIntegerField(default=0)
    # The most households any in-service cadre of the unit links now: only the units above the
    # maximum need their cadres counted for the list of cadres above it.
    most_households = models.PositiveIntegerField(default=0)
    # The unit's projects and activities of the year of the village figures, and the budget of
    # those projects: its work groups' figures summed, so the city's units are ranked from
    # these rows rather than by grouping every work group's.
    projects = models.PositiveIntegerField(default=0)
    activities = models.PositiveIntegerField(default=0)
    work_done = models.PositiveIntegerField(default=0)
    money = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("unit figures")
        verbose_name_plural = _("unit figures")
        indexes = [
            # The city's units that did most and least, read in order from the index.
            models.Index(
                fields=["work_done", "money", "unit"],
                name="unit_figures_rank",
                condition=models.Q(links_village=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.unit_id}"


class WorkGroupFiguresQuerySet(AreaQuerySet):
    area_lookups = VillageFiguresQuerySet.area_lookups

    def idle(self) -> "WorkGroupFiguresQuerySet":
        """The work groups with no project and no activity this year."""
        return self.filter(projects=0, activities=0)


class WorkGroupFigures(models.Model):
    """One work group's projects and activities of the year of ``VillageFigures.as_of``.

    Recounted with its village's figures (every project or activity written marks the
    village), so an area's projects, and its units' part in them, are summed from these rows.
    """

    work_group = models.OneToOneField(
        "units.WorkGroup",
        models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("work group"),
    )
    # Copied from the work group and its village, so an area's rows are summed without joins.
    unit = models.ForeignKey(Unit, models.DO_NOTHING, db_constraint=False, related_name="+")
    village = models.ForeignKey(
        "villages.Village", models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    township = models.ForeignKey(Township, models.DO_NOTHING, db_constraint=False, related_name="+")
    county = models.ForeignKey(County, models.DO_NOTHING, db_constraint=False, related_name="+")
    projects = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    underway = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    beneficiaries = models.PositiveIntegerField(default=0)
    activities = models.PositiveIntegerField(default=0)
    budget_pooled = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_unit = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_donation = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_village = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    objects = WorkGroupFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("work group figures")
        verbose_name_plural = _("work group figures")
        indexes = [
            models.Index(fields=["county", "township"], name="work_group_figures_area"),
            models.Index(fields=["village"], name="work_group_figures_village"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.work_group_id}"


class VillageFunds(models.Model):
    """Pooled funds of one source granted to one village's projects, from the pools of the year
    of ``VillageFigures.as_of``: approved or later, and how much of it was paid.

    A row per village and source that has any, recounted with the village's figures.
    """

    village = models.ForeignKey(
        "villages.Village", models.CASCADE, related_name="+", verbose_name=_("village or community")
    )
    township = models.ForeignKey(Township, models.DO_NOTHING, db_constraint=False, related_name="+")
    county = models.ForeignKey(County, models.DO_NOTHING, db_constraint=False, related_name="+")
    # One of ``projects.models.FundPool.Source``.
    source = models.CharField(max_length=16)
    allocated = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    objects = VillageFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("village funds")
        verbose_name_plural = _("village funds")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "source"], name="village_funds_one_per_source"
            )
        ]
        indexes = [models.Index(fields=["county", "township"], name="village_funds_area")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.village_id} {self.source}"


class RollupMark(models.Model):
    """A village or unit whose figures must be recounted; written by database triggers."""

    class Kind(models.TextChoices):
        VILLAGE = "v", _("village or community")
        UNIT = "u", _("unit")

    pk = models.CompositePrimaryKey("kind", "object_id")
    kind = models.CharField(max_length=1, choices=Kind)
    object_id = models.IntegerField()

    class Meta:
        verbose_name = _("figures to recount")
        verbose_name_plural = _("figures to recount")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class RankingWeights(models.Model):
    """The weight the city gives each indicator of the units' and townships' ranking (考核排名)
    in one year; a missing indicator is left out and the others' weights share its part."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    coverage = models.PositiveSmallIntegerField(_("households covered"), default=20)
    visits = models.PositiveSmallIntegerField(_("households visited"), default=20)
    needs = models.PositiveSmallIntegerField(_("needs resolved on time"), default=15)
    projects = models.PositiveSmallIntegerField(_("work groups at work"), default=15)
    rating = models.PositiveSmallIntegerField(_("party organisation rating"), default=15)
    satisfaction = models.PositiveSmallIntegerField(_("measured satisfaction"), default=15)

    class Meta:
        verbose_name = _("ranking weights")
        verbose_name_plural = _("ranking weights")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage__gt=0)
                | Q(visits__gt=0)
                | Q(needs__gt=0)
                | Q(projects__gt=0)
                | Q(rating__gt=0)
                | Q(satisfaction__gt=0),
                name="ranking_weights_not_all_zero",
                violation_error_message=_("At least one weight must be above zero."),
            )
        ]

    def __str__(self) -> str:
        return gettext("Ranking weights of %(year)s") % {"year": self.year}


class SurveyFiguresQuerySet(AreaQuerySet):
    area_lookups = VillageFiguresQuerySet.area_lookups


class SurveyVillageFigures(models.Model):
    """One village's satisfaction in one closed survey round, all its questions together,
    with the terms an area's weighted estimate and margin of error are summed from.

    Written from ``satisfaction.VillageResult`` the first time a closed round's figures are
    read (``shuanglian.figures.survey_stats.rolled_up``), again if the round was closed anew.
    """

    round = models.ForeignKey(
        "satisfaction.Round", models.CASCADE, related_name="+", verbose_name=_("round")
    )
    village = models.ForeignKey(
        "villages.Village", models.CASCADE, related_name="+", verbose_name=_("village or community")
    )
    township = models.ForeignKey(Township, models.DO_NOTHING, db_constraint=False, related_name="+")
    county = models.ForeignKey(County, models.DO_NOTHING, db_constraint=False, related_name="+")
    # The population (households when drawn) and the households interviewed.
    households = models.PositiveIntegerField(default=0)
    interviewed = models.PositiveIntegerField(default=0)
    # Answers other than 不了解, and of them 满意 or 基本满意, over every question.
    answered = models.PositiveIntegerField(default=0)
    pleased = models.PositiveIntegerField(default=0)
    self_reported = models.PositiveIntegerField(default=0)
    self_pleased = models.PositiveIntegerField(default=0)
    # N·p and N²·p(1−p)/n·(N−n)/(N−1): an area's estimate is Σ N·p / Σ N, its variance
    # Σ N²·p(1−p)/n·fpc / (Σ N)², over the villages with answers.
    weighted = models.FloatField(default=0)
    variance = models.FloatField(default=0)

    objects = SurveyFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("village satisfaction figures")
        verbose_name_plural = _("village satisfaction figures")
        constraints = [
            models.UniqueConstraint(fields=["round", "village"], name="survey_figures_once")
        ]
        indexes = [models.Index(fields=["round", "county", "township"], name="survey_figures_area")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.village_id}"


class SurveyTownshipFigures(models.Model):
    """A township's sums of its villages' ``SurveyVillageFigures`` in one closed round, written
    with them: the city's and a county's figures add up a row per township, not per village."""

    round = models.ForeignKey(
        "satisfaction.Round", models.CASCADE, related_name="+", verbose_name=_("round")
    )
    township = models.ForeignKey(Township, models.CASCADE, related_name="+")
    county = models.ForeignKey(County, models.DO_NOTHING, db_constraint=False, related_name="+")
    households = models.PositiveIntegerField(default=0)
    interviewed = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    pleased = models.PositiveIntegerField(default=0)
    self_reported = models.PositiveIntegerField(default=0)
    self_pleased = models.PositiveIntegerField(default=0)
    # Σ N over the villages with answers, Σ N·p and Σ N²·p(1−p)/n·fpc.
    population = models.PositiveIntegerField(default=0)
    weighted = models.FloatField(default=0)
    variance = models.FloatField(default=0)

    objects = SurveyFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("township satisfaction figures")
        verbose_name_plural = _("township satisfaction figures")
        constraints = [
            models.UniqueConstraint(fields=["round", "township"], name="survey_township_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.township_id}"


class SurveyRoundRollup(models.Model):
    """When a closed round's village figures were written: the round's close time then, so a
    round closed again is rolled up again."""

    round = models.OneToOneField(
        "satisfaction.Round", models.CASCADE, primary_key=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.round_id}"


class AreaSnapshotQuerySet(models.QuerySet):
    def for_area(self, code: str) -> "AreaSnapshotQuerySet":
        return self.filter(code=code)


class AreaSnapshot(models.Model):
    """One area's headline figures at the end of one day, written by the nightly job, so the
    dashboards and reports can say how they moved. A figure the raw data cannot give for a
    back-filled day is left empty (None), never guessed."""

    class Level(models.TextChoices):
        CITY = "city", _("city")
        COUNTY = "county", _("county or district")
        TOWNSHIP = "township", _("township or subdistrict")
        VILLAGE = "village", _("village or community")

    code = models.CharField(_("area code"), max_length=12)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    day = models.DateField(_("day"))
    backfilled = models.BooleanField(
        _("back-filled"), default=False, help_text=_("Recounted afterwards from dated records.")
    )
    # 两个全覆盖
    villages = models.PositiveIntegerField(null=True)
    villages_covered = models.PositiveIntegerField(null=True)
    households = models.PositiveIntegerField(null=True)
    households_covered = models.PositiveIntegerField(null=True)
    # 两个全参与 (units and cadres based in the area)
    units = models.PositiveIntegerField(null=True)
    units_linking = models.PositiveIntegerField(null=True)
    cadres = models.PositiveIntegerField(null=True)
    cadres_linking = models.PositiveIntegerField(null=True)
    # visits and needs
    visited_30 = models.PositiveIntegerField(null=True)
    visited_90 = models.PositiveIntegerField(null=True)
    needs_raised = models.PositiveIntegerField(null=True)
    needs_resolved = models.PositiveIntegerField(null=True)
    needs_open = models.PositiveIntegerField(null=True)
    needs_overdue = models.PositiveIntegerField(null=True)
    # the cadres' own ratings of resolved needs, and the measured satisfaction (0–100)
    rated = models.PositiveIntegerField(null=True)
    pleased = models.PositiveIntegerField(null=True)
    satisfaction = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    # projects and pooled funds, this year
    projects = models.PositiveIntegerField(null=True)
    money_allocated = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    money_paid = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    # 双创: approved assessments this year and those up to the standard
    assessed = models.PositiveIntegerField(null=True)
    up_to_standard = models.PositiveIntegerField(null=True)

    objects = AreaSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("area snapshot")
        verbose_name_plural = _("area snapshots")
        constraints = [
            models.UniqueConstraint(fields=["code", "day"], name="area_snapshot_once_a_day")
        ]
        indexes = [models.Index(fields=["level", "day"], name="area_snapshot_level_day")]

    def __str__(self) -> str:
        return f"{self.code} {self.day}"


class ReportArchiveQuerySet(models.QuerySet):
    def for_area(self, code: str) -> "ReportArchiveQuerySet":
        return self.filter(area_code=code)


class ReportArchive(models.Model):
    """A periodic report (周报、月报、季报) kept for an area, made on a schedule by the worker
    or on request; made again for the same area, period and format, it replaces the file."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        PDF = "pdf", "PDF"

    area_code = models.CharField(_("area code"), max_length=12)
    area_name = models.CharField(_("area"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=AreaSnapshot.Level)
    period = models.CharField(
        _("period"), max_length=8, help_text=_("2026-W47, 2026-11 or 2026-Q4")
    )
    format = models.CharField(_("format"), max_length=4, choices=Format)
    file = models.FileField(_("file"), upload_to="reports/%Y/")
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
        help_text=_("Empty when the worker made it on its schedule."),
    )

    objects = ReportArchiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived report")
        verbose_name_plural = _("archived reports")
        ordering = ["area_code", "-period", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "period", "format"], name="report_archive_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_name} {self.period} {self.format}"
