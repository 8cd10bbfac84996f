"""Geography (City → County → Township → Village) and the households living there."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villages.fields import PhoneField, ResidentIdField
from villages.validators import mask_resident_id

area_code_validator = RegexValidator(r"^\d{12}$", _("An area code has 12 digits (统计用区划代码)."))


class Area(models.Model):
    """Shared shape of every level: a 12-digit statistical area code and a name."""

    code = models.CharField(
        _("area code"), max_length=12, unique=True, validators=[area_code_validator]
    )
    name = models.CharField(_("name"), max_length=50)

    # How many leading digits of the code a child shares with this level.
    code_prefix_length = 0

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

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

    class Meta(Area.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class County(Area):
    city = models.ForeignKey(City, models.PROTECT, related_name="counties", verbose_name=_("city"))
    code_prefix_length = 6

    class Meta(Area.Meta):
        verbose_name = _("county or district")
        verbose_name_plural = _("counties and districts")

    def clean(self) -> None:
        if self.city_id:
            self.check_code_within(self.city)


class Township(Area):
    county = models.ForeignKey(
        County, models.PROTECT, related_name="townships", verbose_name=_("county or district")
    )
    code_prefix_length = 9

    class Meta(Area.Meta):
        verbose_name = _("township or subdistrict")
        verbose_name_plural = _("townships and subdistricts")

    def clean(self) -> None:
        if self.county_id:
            self.check_code_within(self.county)


class VillageQuerySet(models.QuerySet):
    def in_township(self, township: Township) -> "VillageQuerySet":
        return self.filter(township=township)

    def in_county(self, county: County) -> "VillageQuerySet":
        return self.filter(township__county=county)


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


class HouseholdQuerySet(models.QuerySet):
    def in_village(self, village: Village) -> "HouseholdQuerySet":
        return self.filter(village=village)

    def in_township(self, township: Township) -> "HouseholdQuerySet":
        return self.filter(village__township=township)

    def in_county(self, county: County) -> "HouseholdQuerySet":
        return self.filter(village__township__county=county)

    def id_number_ends_with(self, digits: str) -> "HouseholdQuerySet":
        return self.filter(id_number__endswith=digits.upper())


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
