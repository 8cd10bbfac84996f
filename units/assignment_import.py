"""Assignment import (联系户导入): which cadre is responsible for which household, from a file.

Units send lists of their cadres and the households each one links, as spreadsheets. The rows
go through the same batch workflow as household rosters (``villages.imports``): preview,
confirm in one transaction, error workbook. Nothing is created on the way: the unit, the
cadre and the household must all be registered already; a row that names anything else is
rejected with the reason.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from common.chunks import CHUNK_ROWS
from common.translatable import gettext as _
from units.assignments import OVER_MAXIMUM_LABEL, active_loads, over_maximum_cadres
from units.models import Cadre, HouseholdAssignment, Unit
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
from villages.models import County, Household, ImportBatch, Township, Village
from villages.validators import clean_text, mask_phone

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "单位名称", "派出单位", "所在单位", "工作单位"),
    "cadre_name": ("干部姓名", "联系干部", "帮扶干部", "联系干部姓名", "帮扶干部姓名", "姓名"),
    # Recognised so it is not reported as an unknown column; positions are kept in the cadre
    # register, not changed by a unit's list.
    "position": ("职务", "职位", "干部职务"),
    "cadre_phone": (
        "干部手机",
        "干部电话",
        "干部手机号",
        "干部手机号码",
        "干部联系电话",
        "联系电话",
        "手机号码",
        "手机号",
    ),
    "head_name": ("户主姓名", "户主"),
    "id_number": (
        "户主身份证号",
        "户主身份证号码",
        "身份证号码",
        "身份证号",
        "户主公民身份号码",
        "公民身份号码",
    ),
}
COLUMN_LABELS = {
    "unit": gettext_lazy("unit"),
    "cadre_name": gettext_lazy("cadre's name"),
    "position": gettext_lazy("position"),
    "cadre_phone": gettext_lazy("cadre's phone"),
    "head_name": gettext_lazy("head of household"),
    "id_number": gettext_lazy("resident ID number of the head"),
}


@dataclass(slots=True)
class AssignmentRow:
    """One accepted row, its cells cleaned; ``None`` means the cell was empty."""

    sheet: str
    number: int
    id_number: str
    unit_name: str
    cadre_name: str
    cadre_phone: str | None = None
    head_name: str | None = None


@dataclass(slots=True)
class Link:
    """A row found in the database: the household and the cadre it should be linked to."""

    row: AssignmentRow
    household_id: int
    cadre_id: int
    village_id: int = 0
    # For the preview: the household's head, the cadre, and the cadre it is taken from.
    head_name: str = ""
    cadre: str = ""
    # The active assignment to another cadre that this one replaces, and that cadre.
    replaces: int | None = None
    previous_cadre: str = ""
    previous_cadre_id: int | None = None


def _cadre_label(name: str, unit_name: str) -> str:
    return f"{name}（{unit_name}）"


class _Lookup:
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
        lookup = _Lookup(rows, bounded_by=areas.acting_users(batch))
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
        loads = _loads_locked(links)
        refused: dict[int, dict[str, Any]] = {}
        while True:
            kept = [link for link in links if link.cadre_id not in refused]
            over = over_maximum_cadres(_gains(kept), names=_names(kept), loads=loads)
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
        self, batch: ImportBatch, lookup: _Lookup, row: AssignmentRow, today: datetime.date
    ) -> Link | None:
        """The link the row asks for; None when it is already in place."""
        unit_id = lookup.units.get(row.unit_name)
        if unit_id is None:
            raise ColumnError(
                "unit", _("There is no unit called “%(name)s”.") % {"name": row.unit_name}
            )
        cadre = _find_cadre(lookup.cadres.get((unit_id, row.cadre_name), []), row)
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
        _check_scope(batch, household)
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
            cadre=_cadre_label(cadre["name"], row.unit_name),
        )
        current = lookup.active.get(household["pk"])
        if current is None:
            return link
        if current["cadre_id"] == cadre["pk"]:
            return None
        previous = _cadre_label(current["cadre__name"], current["unit_name"])
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
                            else _cadre_label(row.cadre_name, row.unit_name),
                        }
                    ],
                }
            )
        return described

    def touched_villages(self, classified: Classified) -> set[int]:
        return {link.village_id for link in classified.creates + classified.updates}


def _find_cadre(candidates: list[dict[str, Any]], row: AssignmentRow) -> dict[str, Any]:
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


def _check_scope(batch: ImportBatch, household: dict[str, Any]) -> None:
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


def _gains(links: list[Link]) -> dict[int, int]:
    """Households each cadre gains from the links, less those leaving them."""
    gains: Counter[int] = Counter()
    for link in links:
        gains[link.cadre_id] += 1
        if link.previous_cadre_id is not None:
            gains[link.previous_cadre_id] -= 1
    return dict(gains)


def _names(links: list[Link]) -> dict[int, str]:
    return {link.cadre_id: link.row.cadre_name for link in links}


def _loads_locked(links: list[Link]) -> dict[int, int]:
    """The households of every cadre the links touch, now.

    Inside a transaction (the confirm) the receiving cadres' rows are locked first, in key
    order as every assignment path does, so a cadre given households meanwhile by someone
    else is counted with them, and no one gives them more until this import is written.
    """
    touched = sorted(set(_gains(links)))
    receiving = sorted({link.cadre_id for link in links})
    if connection.in_atomic_block:
        for start in range(0, len(receiving), CHUNK_ROWS):
            list(
                Cadre.objects.select_for_update()
                .filter(pk__in=receiving[start : start + CHUNK_ROWS])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
    return active_loads(touched)


class OverMaximum(ValidationError):
    """The links would take cadres above the maximum, and the batch does not allow it."""


class AssignmentsChanged(Exception):
    """Someone else changed the same assignments since the check; the import writes nothing."""


def _changed_meanwhile() -> AssignmentsChanged:
    return AssignmentsChanged(
        _(
            "Some of these households were assigned to a cadre while the file was being "
            "imported; upload it again to check it against the current assignments."
        )
    )


def write_links(
    links: list[Link], *, over_maximum: bool = False, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """End the assignments the links replace, then start the links, in bulk; return the
    cadres taken above the maximum per cadre (``over_maximum`` allows it, else refused).

    Runs inside the caller's transaction. The database refuses a second active assignment
    for a household, and an assignment ended meanwhile is noticed here, so a change made by
    someone else since the check fails the whole import instead of being overwritten.
    """
    over = over_maximum_cadres(_gains(links), names=_names(links), loads=_loads_locked(links))
    if over and not over_maximum:
        raise OverMaximum(
            _("Some cadres would be given more households than the maximum per cadre."),
            code="over_maximum",
        )
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        # Stored history, so in the site's language whoever confirms.
        reason = _("adjusted by import")
    replaced = [link.replaces for link in links if link.replaces is not None]
    for start in range(0, len(replaced), CHUNK_ROWS):
        chunk = replaced[start : start + CHUNK_ROWS]
        ended = HouseholdAssignment.objects.filter(pk__in=chunk, ended_on=None).update(
            ended_on=today, end_reason=reason
        )
        if ended != len(chunk):
            raise _changed_meanwhile()
    done = 0
    for start in range(0, len(links), CHUNK_ROWS):
        chunk = links[start : start + CHUNK_ROWS]
        try:
            with transaction.atomic():
                HouseholdAssignment.objects.bulk_create(
                    HouseholdAssignment(
                        household_id=link.household_id, cadre_id=link.cadre_id, started_on=today
                    )
                    for link in chunk
                )
        except IntegrityError as error:
            raise _changed_meanwhile() from error
        done += len(chunk)
        if progress:
            progress(done)
    return over
