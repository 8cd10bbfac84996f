"""Geography: City → County → Township → Village, each with its statistical area code."""

from collections.abc import Callable
from typing import Any, Self

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    # Where the village committee sits (WGS-84), for telling a visit recorded far away.
    # Checked by validators, not a CHECK: adding one on SQLite rebuilds the table, which the
    # figures' triggers name.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
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
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                gettext("Give both the latitude and the longitude of the village, or neither.")
            )

    def ancestors(self) -> list[Area]:
        return [self.township.county, self.township]

    def divisions(self) -> models.QuerySet:
        return Village.objects.in_area(self)


class TownshipAlias(models.Model):
    """Another name a township is known by: an older or misspelt name in reports and rosters
    (the 2015 launch report's 沙沃镇 for 沙窝镇), which searches and imports accept."""

    township = models.ForeignKey(
        Township, models.CASCADE, related_name="aliases", verbose_name=_("township or subdistrict")
    )
    name = models.CharField(_("other name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("other name of a township")
        verbose_name_plural = _("other names of townships")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def area_with_code(code: str) -> County | Township | Village | None:
    """The county, township or village with this 12-digit code, its parents joined; None."""
    # 统计用区划代码: a county's ends in six zeros, a township's in three, a village's not.
    if code.endswith("000000"):
        return County.objects.filter(code=code).first()
    if code.endswith("000"):
        return Township.objects.filter(code=code).select_related("county").first()
    return Village.objects.filter(code=code).select_related("township__county").first()
