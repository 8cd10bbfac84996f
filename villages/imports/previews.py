"""What each viewer of a batch sees: its summary and its rows by outcome, page by page.

Changes only to households of the viewer's villages; rejected rows only for whoever sees
the whole batch; resident IDs and phones masked unless the viewer may see them in full.
"""

import gzip
import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.utils.functional import Promise

from common import translatable
from villages.imports.areas import covers
from villages.imports.framework import (
    BatchImporter,
    Classified,
    Parsed,
    Rejected,
    importer_for,
    json_default,
    message_text,
    storable,
)
from villages.models import ImportBatch, Village
from villages.validators import mask_personal_numbers, mask_phone, mask_resident_id

PREVIEW_LIMIT = 200
PREVIEW_PAGE_SIZE = 50
# The preview's tabs, in ImportBatch's count order.
OUTCOMES = ("created", "updated", "unchanged", "rejected")


def sees_whole_batch(batch: ImportBatch, user: Any) -> bool:
    """The uploader and those whose area covers the batch's see its rejected rows; others
    see it only for the villages of theirs it wrote to."""
    return batch.created_by_id == user.pk or covers(user, batch.scope)


def mask_personal(value: Any, kind: str) -> Any:
    """``value`` as whoever may not see personal data sees it: masked whole as a resident ID
    or phone (``kind``), or with the ID and mobile numbers in its text masked (``kind`` "")."""
    if value is None or value == "":
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if kind == "id_number":
        return mask_resident_id(text)
    if kind == "phone":
        return mask_phone(text)
    masked = mask_personal_numbers(text)
    return value if masked == text else masked


def report_for(batch: ImportBatch, user: Any, *, full_personal_data: bool) -> dict[str, Any]:
    """The batch's preview as ``user`` may see it.

    Changes only to households of the user's villages; rejected rows only for whoever sees
    the whole batch; resident IDs and phones masked unless ``full_personal_data``.
    """
    report = dict(batch.report)
    whole = sees_whole_batch(batch, user)
    changes = report.get("changes", [])
    villages = {change["village"] for change in changes if "village" in change}
    visible = set(
        Village.objects.visible_to(user).filter(pk__in=villages).values_list("pk", flat=True)
    )
    report["changes"] = [
        {
            **change,
            "fields": [
                item
                if full_personal_data
                else {
                    **item,
                    "old": mask_personal(item["old"], item.get("personal", "")),
                    "new": mask_personal(item["new"], item.get("personal", "")),
                }
                for item in change["fields"]
            ],
        }
        for change in changes
        if change.get("village") in visible or ("village" not in change and whole)
    ]
    report["rejected"] = [
        row if full_personal_data else {**row, "reason": mask_personal(row["reason"], "")}
        for row in (report.get("rejected", []) if whole else [])
    ]
    report["warnings"] = [
        text if full_personal_data else mask_personal(text, "")
        for text in (report.get("warnings", []) if whole else [])
    ]
    report["whole"] = whole
    return report


def summary(
    importer: BatchImporter, parsed: Parsed, classified: Classified, rejected: list[Rejected]
) -> dict[str, Any]:
    """The batch's summary, its messages as text in the active language.

    The preview file (``save_preview``) holds every row, with messages translatable.
    """
    return {
        "sheets": [
            {"name": layout.name, "header_row": layout.header_row, "unknown": layout.unknown}
            for layout in parsed.layouts
        ],
        "skipped_sheets": parsed.skipped_sheets,
        "warnings": [message_text(warning) for warning in parsed.warnings[:PREVIEW_LIMIT]],
        "warning_count": len(parsed.warnings),
        "rejected": [
            {
                "sheet": r.sheet,
                "row": r.number,
                "column": message_text(r.column),
                "reason": message_text(r.reason),
            }
            for r in sorted(rejected, key=lambda r: (r.sheet, r.number))[:PREVIEW_LIMIT]
        ],
        "changes": _as_text(importer.describe_changes(classified.updates[:PREVIEW_LIMIT])),
    }


def _as_text(value: Any) -> Any:
    """Every message inside lists and dicts as plain text in the active language."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, translatable.Text | Promise):
        return message_text(value)
    return value


def save_preview(
    batch: ImportBatch,
    importer: BatchImporter,
    parsed: Parsed,
    classified: Classified,
    rejected: list[Rejected],
) -> None:
    """Every row of the batch by outcome, for the paged preview and the error workbook."""
    preview = {
        "created": importer.preview_items("created", classified.creates),
        "updated": importer.preview_items("updated", classified.updates),
        "unchanged": importer.preview_items("unchanged", classified.kept),
        "rejected": [
            {
                "sheet": r.sheet,
                "row": r.number,
                "column": translatable.stored(r.column),
                "reason": translatable.stored(r.reason),
            }
            for r in sorted(rejected, key=lambda r: (r.sheet, r.number))
        ],
        "warnings": [translatable.stored(warning) for warning in parsed.warnings],
    }
    data = json.dumps(preview, ensure_ascii=False, default=json_default).encode()
    batch.preview_file.save(
        f"{batch.pk}-preview.json.gz", ContentFile(gzip.compress(data, compresslevel=1)), save=False
    )


def load_preview(batch: ImportBatch) -> dict[str, Any] | None:
    if not batch.preview_file:
        return None
    with batch.preview_file.open("rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


def preview_page(
    batch: ImportBatch,
    user: Any,
    *,
    full_personal_data: bool,
    tab: str | None = None,
    page: Any = 1,
) -> dict[str, Any] | None:
    """One page of one outcome's rows of the batch, as ``user`` may see them.

    As ``report_for``: rows of the user's villages only, rejected rows only for whoever sees
    the whole batch, personal numbers masked unless ``full_personal_data``; messages in the
    active language. None for a batch checked before previews kept every row.
    """
    preview = load_preview(batch)
    if preview is None:
        return None
    whole = sees_whole_batch(batch, user)
    # Accepted rows are kept as [village, payload] (``BatchImporter.preview_items``).
    villages = {
        village
        for outcome in OUTCOMES[:3]
        for village, _payload in preview[outcome]
        if village is not None
    }
    visible = set(
        Village.objects.visible_to(user).filter(pk__in=villages).values_list("pk", flat=True)
    )
    rows: dict[str, list[Any]] = {
        outcome: [
            payload
            for village, payload in preview[outcome]
            if village in visible or (village is None and whole)
        ]
        for outcome in OUTCOMES[:3]
    }
    rows["rejected"] = preview["rejected"] if whole else []
    if tab not in OUTCOMES:
        tab = next((name for name in ("rejected", "updated", "created") if rows[name]), "unchanged")
    current = Paginator(rows[tab], PREVIEW_PAGE_SIZE).get_page(page)
    listed = list(current.object_list)
    if tab != "rejected":
        # Only the rows of this page are described, however large the file.
        listed = storable(importer_for(batch.kind).describe_preview(tab, listed))
    names = dict(
        Village.objects.filter(
            pk__in={entry.get("village") for entry in listed} - {None}
        ).values_list("pk", "name")
    )

    def shown(value: Any, kind: str) -> Any:
        value = translatable.render(value) if isinstance(value, dict) else value
        return value if full_personal_data else mask_personal(value, kind)

    entries = []
    for entry in listed:
        if tab == "rejected":
            entries.append(
                {
                    **entry,
                    "column": translatable.render(entry["column"]),
                    "reason": shown(entry["reason"], ""),
                }
            )
            continue
        fields = [
            {
                **item,
                "field": translatable.render(item["field"]),
                **{
                    key: shown(item[key], item.get("personal", ""))
                    for key in ("value", "old", "new")
                    if key in item
                },
            }
            for item in entry["fields"]
        ]
        entries.append(
            {**entry, "village_name": names.get(entry.get("village"), ""), "fields": fields}
        )
    return {
        "tab": tab,
        "counts": {outcome: len(rows[outcome]) for outcome in OUTCOMES},
        "page": current,
        "entries": entries,
        "warnings": [
            shown(warning, "") for warning in (preview["warnings"][:PREVIEW_LIMIT] if whole else [])
        ],
    }
