"""Assignment import (联系户导入): which cadre is responsible for which household, from a file.

Units send lists of their cadres and the households each one links, as spreadsheets. The rows
go through the same batch workflow as household rosters (``villages.imports``): preview,
confirm in one transaction, error workbook. Nothing is created on the way: the unit, the
cadre and the household must all be registered already; a row that names anything else is
rejected with the reason.

The importer here; its columns and rows in ``assignment_rows``, the lookups that match them
in ``assignment_matching``, the bulk write in ``assignment_writing``.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.translatable import gettext as _
from units.assignment_matching import AssignmentLookup, check_scope, find_cadre
from units.assignment_rows import COLUMN_LABELS, HEADER_ALIASES, AssignmentRow, Link, cadre_label
from units.assignment_writing import gains_of, loads_locked, names_of, write_links
from units.assignments import OVER_MAXIMUM_LABEL, over_maximum_cadres
from units.models import Cadre, HouseholdAssignment
from units.signals import assignments_changed
from villages.imports import areas, values
from villages.imports.framework import (
    BatchImporter,
    Classified,
    ColumnError,
    Progress,
    Rejected,
    SheetLayout,
)
from villages.models import ImportBatch
from villages.validators import clean_text


class AssignmentImporter(BatchImporter):
    """Cadre ↔ household lists (干部联系户名单) as units send them."""

    kind = ImportBatch.Kind.ASSIGNMENTS
    aliases = HEADER_ALIASES
    labels = COLUMN_LABELS
    required = ("unit", "cadre_name", "id_number")
    # A unit merged down a column, running on below the last household, is no row.
    context_fields = ("unit",)
    row_type = AssignmentRow
    scope_required = False
    option_fields = ("reassign_households", "over_maximum")
    permission = "units.add_householdassignment"
    personal_fields = {"id_number": "id_number", "cadre_phone": "phone"}

    verbose_name = gettext_lazy("household assignments")
    upload_title = gettext_lazy("Import household assignments")
    batch_title = gettext_lazy("Assignment import: %(name)s")
    upload_help = gettext_lazy(
        "Upload the list of cadres and the households they link, as the unit sent it, with "
        "the columns unit, cadre's name and the head's resident ID number (cadre's phone and "
        "head of household are checked when present). Units, cadres and households must "
        "already be registered; nothing is written until you confirm."
    )
    file_label = gettext_lazy("assignment file")
    scope_help = {
        "village": gettext_lazy("Only households of this village may be in the file."),
        "township": gettext_lazy("Only households of this township may be in the file."),
        "county": gettext_lazy(
            "Only households of this county may be in the file. Leave all three empty for a "
            "city-wide file."
        ),
    }
    count_labels = (
        gettext_lazy("new"),
        gettext_lazy("reassigned"),
        gettext_lazy("unchanged"),
        gettext_lazy("rejected"),
        gettext_lazy("skipped"),
    )
    confirm_message = gettext_lazy(
        "Confirm to link %(created)s households to cadres and reassign %(updated)s. "
        "Rejected rows are not imported."
    )
    changes_title = gettext_lazy("Households that change cadre")
    duplicate_message = gettext_lazy("The same household appears again at %(rows)s.")
    nothing_message = gettext_lazy("Nothing to import: no new or reassigned households.")
    done_message = gettext_lazy(
        "Imported: %(created)s households linked to cadres, %(updated)s reassigned."
    )
    another_label = gettext_lazy("Import another assignment file")
    back_label = gettext_lazy("Back to household assignments")
    back_url_name = "admin:units_householdassignment_changelist"

    def parse_row(
        self,
        context: None,
        layout: SheetLayout,
        number: int,
        row: list[Any],
        warnings: list[str],
    ) -> AssignmentRow:
        def cell(name: str) -> Any:
            index = layout.columns.get(name)
            return row[index] if index is not None and index < len(row) else None

        unit_name = clean_text(cell("unit"))
        if not unit_name:
            raise ColumnError("unit", _("The unit is missing."))
        cadre_name = clean_text(cell("cadre_name"))
        if not cadre_name:
            raise ColumnError("cadre_name", _("The cadre's name is missing."))
        if len(cadre_name) > 50 or any(ch.isdigit() for ch in cadre_name):
            raise ColumnError(
                "cadre_name", _("The cadre's name looks wrong: %(name)s.") % {"name": cadre_name}
            )
        try:
            phone = values.parse_phone(cell("cadre_phone"))
        except values.RowError as error:
            raise ColumnError("cadre_phone", str(error)) from None
        try:
            head_name = values.parse_name(cell("head_name"))
        except values.RowError as error:
            raise ColumnError("head_name", str(error)) from None
        try:
            id_number = values.parse_resident_id(cell("id_number"))
        except values.RowError as error:
            raise ColumnError("id_number", str(error)) from None
        if id_number is None:
            raise ColumnError("id_number", _("The resident ID number is missing."))
        return AssignmentRow(
            layout.name, number, id_number, unit_name, cadre_name, phone, head_name
        )

    def classify(self, batch: ImportBatch, rows: list[AssignmentRow]) -> Classified:
        """New, reassigned, unchanged, or rejected with the reason, against the database now."""
        result = Classified()
        lookup = AssignmentLookup(rows, bounded_by=areas.acting_users(batch))
        today = timezone.localdate()
        for row in rows:
            try:
                link = self._classify_row(batch, lookup, row, today)
            except ColumnError as error:
                result.conflicts.append(
                    Rejected(row.sheet, row.number, self.labels[error.column], str(error))
                )
                continue
            if link is None:
                result.unchanged += 1
                result.kept.append(row)
            elif link.replaces is None:
                result.creates.append(link)
            else:
                result.updates.append(link)
        if not batch.over_maximum:
            self._hold_to_maximum(batch, rows, result)
        return result

    def _hold_to_maximum(
        self, batch: ImportBatch, rows: list[AssignmentRow], result: Classified
    ) -> None:
        """Reject every row that would link a cadre taken above the maximum by this file.

        Counted on the final state: a household leaving a cadre in the same file frees a
        place. Rejecting a cadre's rows leaves their households with the cadre they had,
        who may then be over in turn, so the count repeats until no cadre is.
        """
        links = result.creates + result.updates
        loads = loads_locked(links)
        refused: dict[int, dict[str, Any]] = {}
        while True:
            kept = [link for link in links if link.cadre_id not in refused]
            over = over_maximum_cadres(gains_of(kept), names=names_of(kept), loads=loads)
            if not over:
                break
            refused.update((item["cadre"], item) for item in over)
        if not refused:
            return
        column = self.labels["cadre_name"]
        message = _over_message(batch)
        for link in links:
            item = refused.get(link.cadre_id)
            if item is None:
                continue
            reason = message % {
                "name": item["name"],
                "current": item["before"],
                "added": item["added"],
                "max": settings.ASSIGNMENT_MAX_PER_CADRE,
                "override": OVER_MAXIMUM_LABEL,
            }
            result.conflicts.append(Rejected(link.row.sheet, link.row.number, column, reason))
        # In the file's order, among the rows rejected for other reasons.
        order = {(row.sheet, row.number): index for index, row in enumerate(rows)}
        result.conflicts.sort(key=lambda rejected: order[(rejected.sheet, rejected.number)])
        result.creates = [link for link in result.creates if link.cadre_id not in refused]
        result.updates = [link for link in result.updates if link.cadre_id not in refused]

    def _classify_row(
        self, batch: ImportBatch, lookup: AssignmentLookup, row: AssignmentRow, today: datetime.date
    ) -> Link | None:
        """The link the row asks for; None when it is already in place."""
        unit_id = lookup.units.get(row.unit_name)
        if unit_id is None:
            raise ColumnError(
                "unit", _("There is no unit called “%(name)s”.") % {"name": row.unit_name}
            )
        cadre = find_cadre(lookup.cadres.get((unit_id, row.cadre_name), []), row)
        household = lookup.households.get(row.id_number)
        if household is None:
            raise ColumnError(
                "id_number",
                _(
                    "No household has this resident ID number; import the roster of its "
                    "village first."
                ),
            )
        if household["village_id"] in lookup.outside_villages:
            raise ColumnError(
                "id_number",
                _("This household is registered in a village outside your area."),
            )
        check_scope(batch, household)
        if row.head_name is not None and row.head_name != clean_text(household["head_name"]):
            raise ColumnError(
                "head_name",
                _("The head of household is registered as %(stored)s, not %(file)s.")
                % {"stored": household["head_name"], "file": row.head_name},
            )
        link = Link(
            row,
            household["pk"],
            cadre["pk"],
            household["village_id"],
            head_name=household["head_name"],
            cadre=cadre_label(cadre["name"], row.unit_name),
        )
        current = lookup.active.get(household["pk"])
        if current is None:
            return link
        if current["cadre_id"] == cadre["pk"]:
            return None
        previous = cadre_label(current["cadre__name"], current["unit_name"])
        if not batch.reassign_households:
            raise ColumnError(
                "cadre_name",
                _(
                    "This household is linked to %(cadre)s; tick “reassign households already "
                    "linked to another cadre” to hand it to the cadre in this file."
                )
                % {"cadre": previous},
            )
        if current["started_on"] > today:
            raise ColumnError(
                "cadre_name",
                _(
                    "The household's current assignment starts on %(date)s, after today; it "
                    "cannot be reassigned yet."
                )
                % {"date": current["started_on"].isoformat()},
            )
        link.replaces = current["pk"]
        link.previous_cadre = previous
        link.previous_cadre_id = current["cadre_id"]
        return link

    @transaction.atomic
    def write(
        self, batch: ImportBatch, classified: Classified, *, progress: Progress | None = None
    ) -> None:
        """End the replaced assignments and start the new ones; all or nothing.

        Cadres taken over the maximum with the batch's override are recorded in the audit
        trail, as when a coordinator assigns households over it in admin.
        """
        links = classified.creates + classified.updates
        over = write_links(links, over_maximum=batch.over_maximum, progress=progress)
        if not over:
            return
        details: dict[str, Any] = {"batch": batch.pk}
        if batch.confirmed_by is not None:
            details["confirmed_by"] = batch.confirmed_by.get_username()
        if batch.command_user:
            details["os_user"] = batch.command_user
        assignments_changed.send(
            sender=HouseholdAssignment,
            action="assign",
            cadre=Cadre.objects.get(pk=over[0]["cadre"]) if len(over) == 1 else None,
            households=len(links),
            details={
                **details,
                "moved": len(classified.updates),
                "unchanged": classified.unchanged,
                "on": timezone.localdate().isoformat(),
                "over_maximum": over,
            },
        )

    def describe_changes(self, updates: list[Link]) -> list[dict[str, Any]]:
        label = _("linked cadre")
        return [
            {
                "sheet": link.row.sheet,
                "row": link.row.number,
                "village": link.village_id,
                "head_name": link.head_name,
                "fields": [{"field": label, "old": link.previous_cadre, "new": link.cadre}],
            }
            for link in updates
        ]

    def describe_rows(self, items: list[Link | AssignmentRow]) -> list[dict[str, Any]]:
        label = _("linked cadre")
        described = []
        for item in items:
            # New links are found in the database; unchanged rows are as the file has them.
            row = item.row if isinstance(item, Link) else item
            described.append(
                {
                    "sheet": row.sheet,
                    "row": row.number,
                    "village": item.village_id if isinstance(item, Link) else None,
                    "head_name": item.head_name if isinstance(item, Link) else row.head_name,
                    "fields": [
                        {
                            "field": label,
                            "value": item.cadre
                            if isinstance(item, Link)
                            else cadre_label(row.cadre_name, row.unit_name),
                        }
                    ],
                }
            )
        return described

    def touched_villages(self, classified: Classified) -> set[int]:
        return {link.village_id for link in classified.creates + classified.updates}


def _over_message(batch: ImportBatch) -> str:
    if batch.command_user:
        # From the command line there is nothing to tick: the option says it.
        return _(
            "Cadre %(name)s already links %(current)s households; %(added)s more in this "
            "file would exceed the maximum of %(max)s per cadre. To assign them anyway, "
            "import the file again with --over-maximum."
        )
    return _(
        "Cadre %(name)s already links %(current)s households; %(added)s more in this file "
        "would exceed the maximum of %(max)s per cadre. To assign them anyway, tick "
        "“%(override)s” and import the file again."
    )
