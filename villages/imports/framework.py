"""The batch import framework: what a kind of import defines, and what its rows become.

Every row ends up new, updated, unchanged, skipped (blank, totals, signatures) or rejected
with a reason; the rejected rows go back to the sender as an error workbook. Nothing is
written until the coordinator confirms, and then all of it in one transaction
(``villages.imports.batches``).

The workflow is shared by every kind of import (``ImportBatch.kind``). What a kind's rows
mean (its columns, how a row is checked against the database and how it is written) is a
``BatchImporter``, registered here from an ``AppConfig.ready``: the household roster
(``villages.imports.roster``) from the villages app's, other kinds from their own apps'
(``villages`` imports no other app).
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.utils.functional import Promise

from common import translatable
from villages.imports import values
from villages.models import ImportBatch

Progress = Callable[[int], None]


@dataclass
class Rejected:
    """A refused row. ``column`` and ``reason`` are messages: text, a ``gettext_lazy`` label,
    a ``translatable.Text``, or their stored form (``translatable.stored``)."""

    sheet: str
    number: int
    column: Any
    reason: Any
    raw: list[Any] = field(default_factory=list)


@dataclass
class SheetLayout:
    name: str
    header_row: int
    header: list[Any]
    columns: dict[str, int]
    unknown: list[str]
    # The texts above the header: the title, who filled the sheet in.
    title: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    rows: list[Any] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0
    read: int = 0


@dataclass
class Classified:
    """The accepted rows compared with the database; each kind decides what an item holds."""

    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Rejected] = field(default_factory=list)
    # The unchanged rows themselves, for the preview (kinds that keep them).
    kept: list[Any] = field(default_factory=list)


class ColumnError(values.RowError):
    """A row refused because of one column (a field name of the importer's ``labels``)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class BatchImporter:
    """One kind of spreadsheet import: its columns, and how its rows are checked and written.

    Subclasses set the class attributes and implement ``parse_row``, ``classify``, ``write``
    and ``describe_changes``; the batch workflow (``batches``) does the rest.
    """

    kind: ClassVar[str]
    # Field → header variants; matching ignores spaces, full-width forms, "*" and a
    # bracketed note (``values.header_key``).
    aliases: ClassVar[Mapping[str, tuple[str, ...]]]
    # Field → the column name used in rejections and the preview.
    labels: ClassVar[Mapping[str, Any]]
    # A sheet's header is the first row naming all of these.
    required: ClassVar[tuple[str, ...]]
    # A row with a value here is data; two rows with the same value are duplicates.
    key_field: ClassVar[str] = "id_number"
    # Columns that, filled alone (a merged cell running on below a table), make no row.
    context_fields: ClassVar[tuple[str, ...]] = ()
    # The slots dataclass of an accepted row; it is stored in the batch's plan file.
    row_type: ClassVar[type]
    scope_required: ClassVar[bool] = True
    # ImportBatch boolean fields the coordinator may tick for this kind.
    option_fields: ClassVar[tuple[str, ...]] = ()
    # A permission needed besides villages.add_importbatch, to upload and to confirm.
    permission: ClassVar[str] = ""
    # Columns holding personal numbers, masked for whoever may not see them in full:
    # field → "id_number" or "phone".
    personal_fields: ClassVar[Mapping[str, str]] = {}

    # What the pages and the command say.
    verbose_name: ClassVar[Any]
    upload_title: ClassVar[Any]
    batch_title: ClassVar[Any]  # %(name)s: the file name
    upload_help: ClassVar[Any]
    file_label: ClassVar[Any]
    scope_help: ClassVar[Mapping[str, Any]] = {}
    count_labels: ClassVar[tuple[Any, ...]]  # new, updated, unchanged, rejected, skipped
    confirm_message: ClassVar[Any]  # %(created)s, %(updated)s
    changes_title: ClassVar[Any]
    duplicate_message: ClassVar[Any]  # %(rows)s: where the other rows are
    nothing_message: ClassVar[Any]
    done_message: ClassVar[Any]  # %(created)s, %(updated)s
    another_label: ClassVar[Any]
    back_label: ClassVar[Any]
    back_url_name: ClassVar[str]

    def rank_header(self, value: object) -> tuple[str, int] | None:
        """The field a header cell names and how specific the name is (0 = most)."""
        key = values.header_key(value)
        if not key:
            return None
        for name, aliases in self.aliases.items():
            if key in aliases:
                return name, aliases.index(key)
        return None

    def skip_row(self, layout: SheetLayout, row: list[Any]) -> bool:
        """Rows of the table that are not the importer's to read (besides blanks and totals)."""
        return False

    def start(self, batch: ImportBatch) -> Any:
        """What parsing needs from the database, loaded once per batch."""
        return None

    def sheet_warnings(self, context: Any, layout: SheetLayout) -> list[str]:
        """What to point out about a sheet as a whole (its title, its name)."""
        return []

    def sheet_context(self, context: Any, layout: SheetLayout) -> Any:
        """The parsing context for one sheet (a sheet may stand for a village)."""
        return context

    def parse_row(
        self, context: Any, layout: SheetLayout, number: int, row: list[Any], warnings: list[str]
    ) -> Any:
        """One data row as a ``row_type``, or ``ColumnError`` saying which cell is wrong."""
        raise NotImplementedError

    def classify(self, batch: ImportBatch, rows: list[Any]) -> Classified:
        """Compare the accepted rows with the database as it is now."""
        raise NotImplementedError

    def write(
        self, batch: ImportBatch, classified: Classified, *, progress: Progress | None = None
    ) -> None:
        """Write what ``classify`` found, in the caller's transaction."""
        raise NotImplementedError

    def describe_changes(self, updates: list[Any]) -> list[dict[str, Any]]:
        """The preview of updates: sheet, row, village, head_name and fields.

        Each field is a dict of field, old and new, and personal (a ``personal_fields``
        value) when the values are personal numbers.
        """
        raise NotImplementedError

    def describe_rows(self, items: list[Any]) -> list[dict[str, Any]]:
        """The preview of new or unchanged rows: sheet, row, village, head_name and fields.

        Each field is a dict of field and value, and personal as in ``describe_changes``.
        """
        return []

    def preview_items(self, outcome: str, items: list[Any]) -> list[tuple[int | None, Any]]:
        """What the preview file keeps of each item of an outcome (created, updated,
        unchanged): its village and a JSON payload that ``describe_preview`` describes.

        By default the description itself; a kind with large files keeps its rows compact
        and describes only the page shown.
        """
        described = (
            self.describe_changes(items) if outcome == "updated" else self.describe_rows(items)
        )
        return [(entry.get("village"), storable(entry)) for entry in described]

    def describe_preview(self, outcome: str, payloads: list[Any]) -> list[dict[str, Any]]:
        """The preview of the payloads ``preview_items`` kept (one page of them)."""
        return payloads

    def touched_villages(self, classified: Classified) -> set[int]:
        """The villages whose records ``write`` changes for what ``classify`` found."""
        raise NotImplementedError

    def allows(self, user: Any) -> bool:
        return not self.permission or user.has_perm(self.permission)


_importers: dict[str, BatchImporter] = {}


def register(importer: BatchImporter) -> None:
    """Make an import kind available to the batch workflow, the admin and the worker."""
    _importers[importer.kind] = importer


def importer_for(kind: str) -> BatchImporter:
    """The importer of an ``ImportBatch.kind``; LookupError when none is registered."""
    try:
        return _importers[kind]
    except KeyError:
        raise LookupError(f"no importer is registered for {kind!r}") from None


def max_file_bytes() -> int:
    """The largest file an import accepts (``ROSTER_MAX_MB``)."""
    return settings.ROSTER_MAX_MB << 20


def message_text(message: Any) -> str:
    """A message as plain text in the active language."""
    return translatable.render(translatable.stored(message))


def storable(value: Any) -> Any:
    """Every message inside lists and dicts in its stored, translatable form."""
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, translatable.Text | Promise):
        return translatable.stored(value)
    return value


def json_default(value: object) -> str:
    """How the plan and preview files keep dates, times and anything else JSON lacks."""
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)
