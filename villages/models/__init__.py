"""Geography (City → County → Township → Village), the households living there, and the
spreadsheets that bring them in."""

from villages.models.areas import (
    THROUGH_VILLAGE,
    Area,
    AreaQuerySet,
    City,
    County,
    Township,
    TownshipAlias,
    Village,
    VisibleQuerySet,
    area_with_code,
    visibility_rules,
)
from villages.models.households import Household, HouseholdQuerySet, household_village_field
from villages.models.import_batches import ImportBatch

__all__ = [
    "THROUGH_VILLAGE",
    "Area",
    "AreaQuerySet",
    "City",
    "County",
    "Household",
    "HouseholdQuerySet",
    "ImportBatch",
    "Township",
    "TownshipAlias",
    "Village",
    "VisibleQuerySet",
    "area_with_code",
    "household_village_field",
    "visibility_rules",
]
