"""Finding what the rows of an assignment file name: units, cadres, households and their
active assignments, loaded in bulk; the one cadre a row means; the batch's area."""

from collections import defaultdict
from typing import Any

from django.db.models import F

from common.chunks import CHUNK_ROWS
from common.translatable import gettext as _
from units.assignment_rows import AssignmentRow
from units.models import Cadre, HouseholdAssignment, Unit
from villages.imports import areas
from villages.imports.framework import ColumnError
from villages.models import County, Household, ImportBatch, Township, Village
from villages.validators import mask_phone


class AssignmentLookup:
    """Units, cadres, households and active assignments the rows name, loaded in bulk."""

    def __init__(self, rows: list[AssignmentRow], *, bounded_by: list[Any]) -> None:
        unit_names = sorted({row.unit_name for row in rows})
        # Units outside the area of whoever acts are as unknown as units that do not exist.
        units = Unit.objects.filter(name__in=unit_names)
        for user in bounded_by:
            units = units.filter(pk__in=Unit.objects.visible_to(user).values("pk"))
        self.units: dict[str, int] = dict(units.values_list("name", "pk"))
        cadre_names = sorted({row.cadre_name for row in rows})
        self.cadres: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        for start in range(0, len(cadre_names), CHUNK_ROWS):
            for cadre in (
                Cadre.objects.filter(
                    unit_id__in=list(self.units.values()),
                    name__in=cadre_names[start : start + CHUNK_ROWS],
                )
                .order_by("pk")
                .values("pk", "unit_id", "name", "phone", "in_service")
            ):
                self.cadres[(cadre["unit_id"], cadre["name"])].append(cadre)
        id_numbers = [row.id_number for row in rows]
        self.households: dict[str, dict[str, Any]] = {}
        for start in range(0, len(id_numbers), CHUNK_ROWS):
            for household in Household.objects.filter(
                id_number__in=id_numbers[start : start + CHUNK_ROWS]
            ).values(
                "pk",
                "id_number",
                "head_name",
                "village_id",
                "village__name",
                "village__township_id",
                "village__township__name",
                "village__township__county_id",
            ):
                self.households[household["id_number"]] = household
        village_ids = {household["village_id"] for household in self.households.values()}
        self.outside_villages = areas.outside_area(bounded_by, village_ids)
        household_ids = [household["pk"] for household in self.households.values()]
        self.active: dict[int, dict[str, Any]] = {}
        for start in range(0, len(household_ids), CHUNK_ROWS):
            for assignment in (
                HouseholdAssignment.objects.active()
                .filter(household_id__in=household_ids[start : start + CHUNK_ROWS])
                .values(
                    "pk",
                    "household_id",
                    "cadre_id",
                    "started_on",
                    "cadre__name",
                    unit_name=F("cadre__unit__name"),
                )
            ):
                self.active[assignment["household_id"]] = assignment


def find_cadre(candidates: list[dict[str, Any]], row: AssignmentRow) -> dict[str, Any]:
    """The one cadre of the unit the row means, by name, and by phone when names repeat."""
    if not candidates:
        raise ColumnError(
            "cadre_name",
            _("%(unit)s has no cadre called %(name)s; add the cadre to the unit first.")
            % {"unit": row.unit_name, "name": row.cadre_name},
        )
    if len(candidates) == 1:
        cadre = candidates[0]
        if row.cadre_phone and cadre["phone"] and cadre["phone"] != row.cadre_phone:
            raise ColumnError(
                "cadre_phone",
                _(
                    "The cadre's phone in the file, %(file)s, differs from the registered "
                    "%(stored)s."
                )
                % {"file": mask_phone(row.cadre_phone), "stored": mask_phone(cadre["phone"])},
            )
    elif row.cadre_phone:
        matches = [cadre for cadre in candidates if cadre["phone"] == row.cadre_phone]
        if not matches:
            raise ColumnError(
                "cadre_phone",
                _("%(unit)s has %(count)s cadres called %(name)s, none with the phone %(phone)s.")
                % {
                    "unit": row.unit_name,
                    "count": len(candidates),
                    "name": row.cadre_name,
                    "phone": mask_phone(row.cadre_phone),
                },
            )
        if len(matches) > 1:
            raise ColumnError(
                "cadre_phone",
                _(
                    "%(unit)s has several cadres called %(name)s with the phone %(phone)s; "
                    "correct the cadre register first."
                )
                % {
                    "unit": row.unit_name,
                    "name": row.cadre_name,
                    "phone": mask_phone(row.cadre_phone),
                },
            )
        cadre = matches[0]
    else:
        # Of namesakes only one may still serve: a retired cadre takes no households anyway.
        serving = [cadre for cadre in candidates if cadre["in_service"]]
        if len(serving) != 1:
            raise ColumnError(
                "cadre_name",
                _(
                    "%(unit)s has %(count)s cadres called %(name)s; fill in the cadre's phone "
                    "to tell them apart."
                )
                % {"unit": row.unit_name, "count": len(candidates), "name": row.cadre_name},
            )
        cadre = serving[0]
    if not cadre["in_service"]:
        raise ColumnError(
            "cadre_name",
            _("%(name)s is no longer in service and cannot take households.")
            % {"name": row.cadre_name},
        )
    return cadre


def check_scope(batch: ImportBatch, household: dict[str, Any]) -> None:
    scope = batch.scope
    if scope is None:
        return
    inside = {
        Village: household["village_id"],
        Township: household["village__township_id"],
        County: household["village__township__county_id"],
    }[type(scope)] == scope.pk
    if not inside:
        raise ColumnError(
            "id_number",
            _("This household is registered in %(village)s, outside %(scope)s.")
            % {
                "village": household["village__township__name"] + household["village__name"],
                "scope": scope.name,
            },
        )
