"""The household roster import (农户花名册): its columns, and how its rows are read and shown."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from common.translatable import gettext as _
from villages.imports import values
from villages.imports.areas import acting_users
from villages.imports.framework import BatchImporter, Classified, ColumnError, Progress, SheetLayout
from villages.imports.households import Row, classify_rows, write_households
from villages.imports.village_names import TownshipError, VillageResolver
from villages.models import Household, ImportBatch, Village


class RosterImporter(BatchImporter):
    """Household rosters (农户花名册) as village clerks send them."""

    kind = ImportBatch.Kind.ROSTER
    aliases = values.HEADER_ALIASES
    labels = values.COLUMN_LABELS
    required = values.REQUIRED_FIELDS
    context_fields = ("village", "township")
    row_type = Row
    option_fields = ("move_households",)
    personal_fields = {"id_number": "id_number", "phone": "phone"}

    verbose_name = gettext_lazy("household roster")
    upload_title = gettext_lazy("Import a household roster")
    batch_title = gettext_lazy("Roster import: %(name)s")
    upload_help = gettext_lazy(
        "Upload the roster as the village sent it. Nothing is written until you have seen the "
        "preview and confirmed it. Re-importing the same file changes nothing; rejected rows "
        "come back as a workbook the clerk can correct and send again."
    )
    file_label = gettext_lazy("roster file")
    scope_help = {
        "village": gettext_lazy("A file for one village: choose the village."),
        "township": gettext_lazy(
            "A file for several villages of a township, with a village column or one "
            "sheet per village: choose the township."
        ),
        "county": gettext_lazy("A county-wide file with a village column: choose the county."),
    }
    count_labels = (
        gettext_lazy("new"),
        gettext_lazy("updated"),
        gettext_lazy("unchanged"),
        gettext_lazy("rejected"),
        gettext_lazy("skipped"),
    )
    confirm_message = gettext_lazy(
        "Confirm to add %(created)s households and update %(updated)s. "
        "Rejected rows are not imported."
    )
    changes_title = gettext_lazy("Changes to existing households")
    duplicate_message = gettext_lazy("The same resident ID number appears again at %(rows)s.")
    nothing_message = gettext_lazy("Nothing to import: no new or changed households.")
    done_message = gettext_lazy("Imported: %(created)s households added, %(updated)s updated.")
    another_label = gettext_lazy("Import another roster")
    back_label = gettext_lazy("Back to households")
    back_url_name = "admin:villages_household_changelist"

    def start(self, batch: ImportBatch) -> VillageResolver:
        return VillageResolver(batch.scope)

    def skip_row(self, layout: SheetLayout, row: list[Any]) -> bool:
        # Registers of residents list every person; only the head's row is the household.
        index = layout.columns.get("relation")
        if index is None or index >= len(row) or values.is_blank(row[index]):
            return False
        return values.clean_text(row[index]) not in values.HEAD_RELATIONS

    def sheet_warnings(self, context: VillageResolver, layout: SheetLayout) -> list[str]:
        # A file for one village whose sheet or title names another was likely sent for it.
        target = context.fixed
        if target is None:
            return []
        warnings = []
        named = values.village_named_in(layout.name)
        if named and not values.names_village(layout.name, target.name):
            warnings.append(
                _(
                    "The sheet %(sheet)s is named after %(named)s, but the file is being "
                    "imported into %(village)s. Check that this is the right file."
                )
                % {"sheet": layout.name, "named": named, "village": target.name}
            )
        for text in layout.title:
            named = values.village_named_in(text)
            if named and not values.names_village(text, target.name):
                warnings.append(
                    _(
                        "The title of sheet %(sheet)s, “%(title)s”, names %(named)s, but the "
                        "file is being imported into %(village)s. Check that this is the right "
                        "file."
                    )
                    % {"sheet": layout.name, "title": text, "named": named, "village": target.name}
                )
                break
        return warnings

    def sheet_context(
        self, context: VillageResolver, layout: SheetLayout
    ) -> tuple[VillageResolver, Village | None]:
        # Without a village column, a sheet named after a village holds that village's rows.
        if "village" in layout.columns:
            return context, None
        return context, context.village_for_sheet(layout.name)

    def parse_row(
        self,
        context: tuple[VillageResolver, Village | None],
        layout: SheetLayout,
        number: int,
        row: list[Any],
        warnings: list[str],
    ) -> Row:
        resolver, sheet_village = context

        def cell(name: str) -> Any:
            index = layout.columns.get(name)
            return row[index] if index is not None and index < len(row) else None

        column = "head_name"
        try:
            head_name = values.parse_name(cell("head_name"))
            column = "id_number"
            id_number = values.parse_resident_id(cell("id_number"))
            if head_name is None or id_number is None:
                column = "id_number" if head_name else "head_name"
                raise values.RowError(
                    _("The resident ID number is missing.")
                    if head_name
                    else _("The name of the head of household is missing.")
                )
            column = "village"
            try:
                village = sheet_village or resolver.resolve(cell("village"), cell("township"))
            except TownshipError:
                column = "township"
                raise
            column = "phone"
            phone = values.parse_phone(cell("phone"))
            column = "members"
            members = values.parse_members(cell("members"))
            column = "category"
            category_index = layout.columns.get("category")
            category_header = layout.header[category_index] if category_index is not None else ""
            category = values.category_parser(category_header)(cell("category"))
            column = "address"
            address = values.parse_address(cell("address"))
        except values.RowError as error:
            raise ColumnError(column, str(error)) from None
        if not id_number.startswith(settings.CITY_CODE[:4]):
            warnings.append(
                _(
                    "%(sheet)s row %(row)s: the ID number's region code %(region)s is outside "
                    "the city."
                )
                % {"sheet": layout.name, "row": number, "region": id_number[:6]}
            )
        return Row(
            layout.name, number, id_number, head_name, village.pk, phone, members, category, address
        )

    def classify(self, batch: ImportBatch, rows: list[Row]) -> Classified:
        return classify_rows(
            rows, move_households=batch.move_households, bounded_by=acting_users(batch)
        )

    def touched_villages(self, classified: Classified) -> set[int]:
        touched = {row.village_id for row in classified.creates}
        for _pk, row, changes in classified.updates:
            touched.add(row.village_id)
            if "village_id" in changes:
                touched.add(changes["village_id"][0])
        return touched

    def write(
        self, batch: ImportBatch, classified: Classified, *, progress: Progress | None = None
    ) -> None:
        write_households(classified, progress=progress)

    def describe_changes(
        self, updates: list[tuple[int, Row, dict[str, tuple[Any, Any]]]]
    ) -> list[dict[str, Any]]:
        labels = {**values.COLUMN_LABELS, "village_id": values.COLUMN_LABELS["village"]}
        village_ids = {
            value
            for _pk, _row, changes in updates
            for name, pair in changes.items()
            if name == "village_id"
            for value in pair
        }
        village_names = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
        categories = dict(Household.Category.choices)

        def shown(name: str, value: Any) -> Any:
            if name == "village_id":
                return village_names.get(value, "")
            if name == "category":
                # The label itself, so that the preview shows it in the reader's language.
                return categories.get(value, value)
            return "" if value is None else str(value)

        return [
            {
                "sheet": row.sheet,
                "row": row.number,
                "village": row.village_id,
                "head_name": row.head_name,
                "fields": [
                    {"field": labels[name], "old": shown(name, old), "new": shown(name, new)}
                    | (
                        {"personal": self.personal_fields[name]}
                        if name in self.personal_fields
                        else {}
                    )
                    for name, (old, new) in changes.items()
                ],
            }
            for _pk, row, changes in updates
        ]

    def preview_items(self, outcome: str, items: list[Any]) -> list[tuple[int | None, Any]]:
        # A county's file has 100,000 rows: kept as plain lists, described a page at a time.
        names = Row.__slots__
        if outcome == "updated":
            return [
                (row.village_id, [pk, [getattr(row, name) for name in names], changes])
                for pk, row, changes in items
            ]
        return [(row.village_id, [getattr(row, name) for name in names]) for row in items]

    def describe_preview(self, outcome: str, payloads: list[Any]) -> list[dict[str, Any]]:
        if outcome == "updated":
            return self.describe_changes(
                [
                    (pk, Row(*values), {name: tuple(pair) for name, pair in changes.items()})
                    for pk, values, changes in payloads
                ]
            )
        return self.describe_rows([Row(*values) for values in payloads])

    def describe_rows(self, items: list[Row]) -> list[dict[str, Any]]:
        categories = dict(Household.Category.choices)
        labels = values.COLUMN_LABELS
        return [
            {
                "sheet": row.sheet,
                "row": row.number,
                "village": row.village_id,
                "head_name": row.head_name,
                "fields": [
                    {"field": labels["id_number"], "value": row.id_number, "personal": "id_number"},
                    *(
                        [{"field": labels["phone"], "value": row.phone, "personal": "phone"}]
                        if row.phone
                        else []
                    ),
                    *(
                        [{"field": labels["members"], "value": row.members}]
                        if row.members is not None
                        else []
                    ),
                    *(
                        [{"field": labels["category"], "value": categories[row.category]}]
                        if row.category
                        else []
                    ),
                ],
            }
            for row in items
        ]
