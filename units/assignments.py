"""Linking cadres to households, keeping the history of who was responsible."""

import datetime

from django.db import transaction

from units.models import Cadre, HouseholdAssignment
from villages.models import Household


@transaction.atomic
def assign_household(
    *, household: Household, cadre: Cadre, on: datetime.date, reason: str = ""
) -> HouseholdAssignment:
    """End the household's active assignment, if any, and start one with ``cadre``."""
    current = (
        HouseholdAssignment.objects.select_for_update().active().filter(household=household).first()
    )
    if current is not None:
        if current.cadre_id == cadre.pk:
            return current
        current.ended_on = on
        current.end_reason = reason
        current.save(update_fields=["ended_on", "end_reason"])
    return HouseholdAssignment.objects.create(household=household, cadre=cadre, started_on=on)
