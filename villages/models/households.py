"""The households living in the villages."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Reverse
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from villages.fields import PhoneField, ResidentIdField
from villages.models.areas import THROUGH_VILLAGE, Village, VisibleQuerySet
from villages.search import VILLAGE_OR_UNIT_NAME_MIN_LENGTH, is_id_digits, keys_or_subquery
from villages.validators import mask_resident_id


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
