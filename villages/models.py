"""Geography (City → County → Township → Village) and the households living there."""

from collections.abc import Callable
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Reverse
from django.db.models.lookups import Exact
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villages.fields import PhoneField, ResidentIdField
from villages.search import VILLAGE_OR_UNIT_NAME_MIN_LENGTH, is_id_digits, keys_or_subquery
from villages.validators import mask_resident_id

# Who may see which rows is decided in shuanglian.access.rules, which registers one rule per model
# here at startup; villages itself knows nothing of roles, units or cadres.
VisibilityRule = Callable[[models.QuerySet, Any], models.QuerySet]
visibility_rules: dict[type[models.Model], VisibilityRule] = {}


class AreaQuerySet(models.QuerySet):
    """Rows asked for by place the same way whatever the place: ``in_area(area)``."""

    # The lookup from this model to a county, a township and a village, by ``Area.level``.
    area_lookups: dict[str, str] = {}

    def in_area(self, area: "Area | None") -> Self:
        """The rows in ``area``, a county, township or village; None or the city: every row."""
        if area is None or area.level == "city":
            return self.all()
        return self.filter(**{self.area_lookups[area.level]: area.pk})


# Rows that belong to a village, through a ``village`` field.
THROUGH_VILLAGE = {
    "county": "village__township__county",
    "township": "village__township",
    "village": "village",
}


class VisibleQuerySet(AreaQuerySet):
    def visible_to(self, user: Any) -> "VisibleQuerySet":
        """The rows ``user`` may see; none while no rule is registered for the model."""
        rule = visibility_rules.get(self.model._meta.concrete_model)
        return self.none() if rule is None else rule(self, user)


area_code_validator = RegexValidator(r"^\d{12}$", _("An area code has 12 digits (统计用区划代码)."))


class Area(models.Model):
    """Shared shape of every level: a 12-digit statistical area code and a name."""

    code = models.CharField(
        _("area code"), max_length=12, unique=True, validators=[area_code_validator]
    )
    name = models.CharField(_("name"), max_length=50)

    # How many leading digits of the code a child shares with this level.
    code_prefix_length = 0
    # Which level it is: the key of ``AreaQuerySet.area_lookups``.
    level = ""
    # Villages are the finest level: households live in them, and nothing lies below.
    is_village = False

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Area"]:
        """The county and township above this area, top-down, from its loaded parents; the
        city, above every county, is left out."""
        return []

    def contains(self, area: "Area") -> bool:
        """Whether ``area`` is this area or lies within it."""
        return area == self or self in area.ancestors()

    def divisions(self) -> models.QuerySet:
        """The areas one level down; a village, the finest level, is its own one division."""
        raise NotImplementedError

    def check_code_within(self, parent: "Area") -> None:
        """A child's code starts with its parent's code prefix."""
        length = parent.code_prefix_length
        if self.code and parent.code and self.code[:length] != parent.code[:length]:
            raise ValidationError(
                {
                    "code": gettext("The code must start with %(prefix)s, the code of %(parent)s.")
                    % {"prefix": parent.code[:length], "parent": parent.name}
                }
            )


class City(Area):
    code_prefix_length = 4
    level = "city"

    class Meta(Area.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def contains(self, area: Area) -> bool:
        # Like ``in_area``, which takes the city for every row.
        return True

    def divisions(self) -> models.QuerySet:
        return self.counties.all()


class County(Area):
    city = models.ForeignKey(City, models.PROTECT, related_name="counties", verbose_name=_("city"))
    code_prefix_length = 6
    level = "county"

    class Meta(Area.Meta):
        verbose_name = _("county or district")
        verbose_name_plural = _("counties and districts")

    def clean(self) -> None:
        if self.city_id:
            self.check_code_within(self.city)

    def divisions(self) -> models.QuerySet:
        return Township.objects.in_area(self)


class TownshipQuerySet(VisibleQuerySet):
    area_lookups = {"county": "county", "township": "pk"}


class Township(Area):
    county = models.ForeignKey(
        County, models.PROTECT, related_name="townships", verbose_name=_("county or district")
    )
    code_prefix_length = 9
    level = "township"

    objects = TownshipQuerySet.as_manager()

    class Meta(Area.Meta):
        verbose_name = _("township or subdistrict")
        verbose_name_plural = _("townships and subdistricts")

    def clean(self) -> None:
        if self.county_id:
            self.check_code_within(self.county)

    def ancestors(self) -> list[Area]:
        return [self.county]

    def divisions(self) -> models.QuerySet:
        return Village.objects.in_area(self)


class VillageQuerySet(VisibleQuerySet):
    area_lookups = {"county": "township__county", "township": "township", "village": "pk"}


class Village(Area):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("urban community")

    township = models.ForeignKey(
        Township,
        models.PROTECT,
        related_name="villages",
        verbose_name=_("township or subdistrict"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.VILLAGE)
    level = "village"
    is_village = True

    objects = VillageQuerySet.as_manager()

    class Meta(Area.Meta):
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="village_unique_name_in_township",
                violation_error_message=_("This township already has a village of that name."),
            )
        ]

    def __str__(self) -> str:
        # Village names repeat across townships; select_related("township") where listed.
        return f"{self.township.name}{self.name}"

    def clean(self) -> None:
        if self.township_id:
            self.check_code_within(self.township)

    def ancestors(self) -> list[Area]:
        return [self.township.county, self.township]

    def divisions(self) -> models.QuerySet:
        return Village.objects.in_area(self)


def area_with_code(code: str) -> County | Township | Village | None:
    """The county, township or village with this 12-digit code, its parents joined; None."""
    # 统计用区划代码: a county's ends in six zeros, a township's in three, a village's not.
    if code.endswith("000000"):
        return County.objects.filter(code=code).first()
    if code.endswith("000"):
        return Township.objects.filter(code=code).select_related("county").first()
    return Village.objects.filter(code=code).select_related("township__county").first()


class HouseholdQuerySet(VisibleQuerySet):
    area_lookups = THROUGH_VILLAGE

    def id_number_ends_with(self, digits: str) -> "HouseholdQuerySet":
        # As a prefix of the reversed number, which an index answers on PostgreSQL.
        return self.alias(id_number_reversed=Reverse("id_number")).filter(
            id_number_reversed__startswith=digits.upper()[::-1]
        )

    def matching(self, term: str) -> "HouseholdQuerySet":
        """Households a search finds: by the last 4 or more characters of the head's ID, else
        by the start of the head's name or (from two characters) of the village's name.
        Spaces are ignored."""
        term = "".join(term.split())
        if not term:
            return self
        if is_id_digits(term):
            return self.id_number_ends_with(term)
        condition = Q(head_name__startswith=term)
        if len(term) >= VILLAGE_OR_UNIT_NAME_MIN_LENGTH:
            villages = Village.objects.filter(name__startswith=term)
            condition |= Q(village__in=keys_or_subquery(villages))
        return self.filter(condition)


def household_village_field() -> models.ForeignKey:
    """The village of a record's household (a visit's, a need's, an assignment's), kept equal
    to it by the database's triggers (shuanglian migration 0008): an area's records are then
    found through their own index instead of through millions of households."""
    return models.ForeignKey(
        "villages.Village",
        # Households protect their village, and records follow their household.
        models.DO_NOTHING,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("village or community"),
    )


class Household(models.Model):
    class Category(models.TextChoices):
        GENERAL = "general", _("ordinary household")
        LIFTED = "lifted", _("household lifted out of poverty")
        MONITORED = "monitored", _("household under poverty-return monitoring")
        SUBSISTENCE = "subsistence", _("minimum-subsistence household")
        DESTITUTE = "destitute", _("household in extreme hardship (five guarantees)")

    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="households",
        verbose_name=_("village or community"),
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    id_number = ResidentIdField(
        _("resident ID number of the head"),
        unique=True,
        error_messages={"unique": _("A household with this resident ID number already exists.")},
    )
    phone = PhoneField(_("phone"), blank=True)
    members = models.PositiveSmallIntegerField(
        _("family members"), default=1, validators=[MinValueValidator(1)]
    )
    category = models.CharField(
        _("household category"), max_length=12, choices=Category, default=Category.GENERAL
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village", "head_name", "pk"]
        # The list's filters and searches; the reversed-ID index of the suffix search is
        # PostgreSQL's own (migration 0004).
        indexes = [
            models.Index(
                fields=["head_name"],
                name="household_head_name_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["category"], name="household_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("id_number"), 18),
                name="household_id_number_18_characters",
                violation_error_message=_("A resident ID number has 18 characters."),
            ),
            models.CheckConstraint(
                condition=models.Q(members__gte=1),
                name="household_members_at_least_one",
                violation_error_message=_("A household has at least one member."),
            ),
        ]

    def __str__(self) -> str:
        # No ID or phone numbers here: str() ends up in logs and admin history.
        return f"{self.head_name}（{self.village.name}）"

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)


class ImportBatch(models.Model):
    """One uploaded spreadsheet, from preview to result; the file is kept with it.

    What the rows mean depends on ``kind``; each kind's importer registers itself with
    ``villages.imports.framework.register``.
    """

    class Kind(models.TextChoices):
        ROSTER = "roster", _("household roster")
        ASSIGNMENTS = "assignments", _("household assignments")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to be checked")
        CHECKING = "checking", _("checking")
        PREVIEWED = "previewed", _("checked, waiting for confirmation")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        REFUSED = "refused", _("file refused")
        FAILED = "failed", _("failed, nothing written")
        # Not confirmed in time (IMPORT_PREVIEW_HOURS); nothing was written.
        EXPIRED = "expired", _("expired")
        # Checked by ``import_roster --dry-run``: a preview only, never to be confirmed.
        DRY_RUN = "dry_run", _("dry run, not for import")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.ROSTER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # An import run from the command line without --by acts for the whole city, as the
    # system; whoever ran a command is known by their operating-system account.
    by_system = models.BooleanField(_("imported by the system"), default=False, editable=False)
    command_user = models.CharField(
        _("operating-system user"), max_length=150, blank=True, editable=False
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    # Where the upload and the confirmation came from, for the audit trail's events about work
    # the worker finishes later, away from the request.
    created_from = models.GenericIPAddressField(
        _("uploaded from"), null=True, blank=True, editable=False
    )
    confirmed_from = models.GenericIPAddressField(
        _("confirmed from"), null=True, blank=True, editable=False
    )
    # The villages whose households or assignments the import wrote, so that every
    # coordinator of one of them finds the batch.
    touched_villages = models.ManyToManyField(
        Village, blank=True, related_name="+", verbose_name=_("villages written to")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="rosters/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village or community"),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township or subdistrict"),
    )
    county = models.ForeignKey(
        County,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county or district"),
    )
    move_households = models.BooleanField(
        _("move households from other villages"),
        default=False,
        help_text=_("Households registered in another village are moved here instead of refused."),
    )
    reassign_households = models.BooleanField(
        _("reassign households already linked to another cadre"),
        default=False,
        help_text=_(
            "The household's current assignment is ended and the cadre in the file takes over, "
            "instead of the row being refused."
        ),
    )
    over_maximum = models.BooleanField(
        _("assign over the maximum"),
        default=False,
        help_text=_(
            "Cadres may be given more households than the maximum per cadre; the audit trail "
            "records each cadre taken over it."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    # While checking or importing, the process doing it renews this as it goes; a batch still
    # checking or importing after it passed lost its process (villages.imports.leases).
    lease_expires_at = models.DateTimeField(
        _("worker lease expires at"), null=True, blank=True, editable=False
    )
    # Failed because its process died while importing: nothing was written, and it may be
    # confirmed again.
    interrupted = models.BooleanField(_("interrupted"), default=False, editable=False)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in file"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    message = models.TextField(_("message"), blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    plan_file = models.FileField(upload_to="rosters/%Y/%m/", blank=True, editable=False)
    error_file = models.FileField(
        _("error workbook"), upload_to="rosters/%Y/%m/", blank=True, editable=False
    )
    # Every row by outcome (villages.imports.previews.preview_page), messages kept translatable.
    preview_file = models.FileField(upload_to="rosters/%Y/%m/", blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(village__isnull=False, township__isnull=True, county__isnull=True)
                    | Q(village__isnull=True, township__isnull=False, county__isnull=True)
                    | Q(village__isnull=True, township__isnull=True, county__isnull=False)
                    # Units and cadres serve the whole city, so may their assignment lists.
                    | Q(
                        kind="assignments",
                        village__isnull=True,
                        township__isnull=True,
                        county__isnull=True,
                    )
                ),
                name="import_batch_one_scope",
                violation_error_message=_(
                    "Choose one village, one township or one county; only assignment imports "
                    "may cover the whole city."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def scope(self) -> Area | None:
        """The village, township or county imported into; None for the whole city."""
        return self.village or self.township or self.county

    @property
    def scope_name(self) -> str:
        scope = self.scope
        return scope.name if scope is not None else gettext("the whole city")

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.DONE,
            self.Status.REFUSED,
            self.Status.FAILED,
            self.Status.EXPIRED,
            self.Status.DRY_RUN,
        }

    @property
    def shows_preview(self) -> bool:
        """Whether the batch has checked rows to show (a preview, or what was imported)."""
        return self.status in {
            self.Status.PREVIEWED,
            self.Status.DONE,
            self.Status.EXPIRED,
            self.Status.DRY_RUN,
        }
