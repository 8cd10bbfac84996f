"""Households by the cadre responsible for them: covered (全覆盖), assigned, the gaps.

Here, not in villages, because villages knows nothing of units and cadres.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Subquery

from units.models import HouseholdAssignment
from villages.models import HouseholdQuerySet


class HouseholdCoverageQuerySet(HouseholdQuerySet):
    """Household filters by responsible cadre."""

    @classmethod
    def of(cls, households: models.QuerySet) -> "HouseholdCoverageQuerySet":
        """The same households, with the filters below."""
        return cls(model=households.model, query=households.query.chain(), using=households.db)

    @staticmethod
    def _active(**filters: object) -> Exists:
        return Exists(
            HouseholdAssignment.objects.active().filter(household=OuterRef("pk"), **filters)
        )

    def covered(self) -> "HouseholdCoverageQuerySet":
        """Households with a responsible cadre in service: the one meaning of covered (全覆盖)."""
        return self.filter(self._active(cadre__in_service=True))

    def not_covered(self) -> "HouseholdCoverageQuerySet":
        """The gaps: households without a cadre, or whose cadre has left service."""
        return self.filter(~self._active(cadre__in_service=True))

    def assigned(self) -> "HouseholdCoverageQuerySet":
        """Households with an active assignment, whether or not its cadre is in service."""
        return self.filter(self._active())

    def uncovered(self) -> "HouseholdCoverageQuerySet":
        """Households without any active assignment."""
        return self.exclude(self._active())

    def needing_new_cadre(self) -> "HouseholdCoverageQuerySet":
        """Households whose responsible cadre has left service."""
        return self.filter(self._active(cadre__in_service=False))

    def with_responsible_cadre(self) -> "HouseholdCoverageQuerySet":
        """Annotate the name and unit of the cadre responsible now (None when uncovered)."""
        current = HouseholdAssignment.objects.active().filter(household=OuterRef("pk"))
        return self.annotate(
            responsible_cadre_name=Subquery(current.values("cadre__name")[:1]),
            responsible_unit_name=Subquery(current.values("cadre__unit__name")[:1]),
        )
