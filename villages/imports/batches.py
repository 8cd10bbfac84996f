"""The batch workflow: upload → check (preview) → confirm → result.

A batch keeps the uploaded file; checking it stores its plan (the accepted rows), its
preview and its error workbook; confirming writes the plan in one transaction.
"""

import datetime
import gzip
import hashlib
import json
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common import translatable
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from common.translatable import gettext as _
from villages.imports import audit, leases
from villages.imports.areas import ImportScope, OutsideArea, covers
from villages.imports.error_workbooks import save_error_workbook
from villages.imports.framework import (
    BatchImporter,
    Parsed,
    Progress,
    Rejected,
    SheetLayout,
    importer_for,
    json_default,
    max_file_bytes,
    message_text,
)
from villages.imports.parsing import parse_sheets
from villages.imports.previews import save_preview, summary
from villages.models import ImportBatch


@transaction.atomic
def create_batch(
    *,
    data: bytes,
    file_name: str,
    scope: ImportScope | None,
    kind: str = ImportBatch.Kind.ROSTER,
    move_households: bool = False,
    reassign_households: bool = False,
    over_maximum: bool = False,
    user: Any = None,
    command_user: str = "",
    client_address: str | None = None,
) -> ImportBatch:
    """Keep the uploaded file and record who sent what, of which kind, for which area.

    Without ``user`` the system imports, for the whole city (the command line without
    ``--by``). A user may import only into an area wholly inside their own (``OutsideArea``);
    an import without an area is bounded by the user's area row by row.
    """
    if scope is None and importer_for(kind).scope_required:
        raise ValueError(f"a {kind} import needs a village, township or county")
    if user is not None and not user.is_authenticated:
        raise ValueError("an import is made by a signed-in user or by the system")
    if user is not None and scope is not None and not covers(user, scope):
        raise OutsideArea(_("%(area)s is not wholly inside your area.") % {"area": scope.name})
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        move_households=move_households,
        reassign_households=reassign_households,
        over_maximum=over_maximum,
        created_by=user,
        by_system=user is None,
        command_user=command_user[:150],
        created_from=client_address,
        rows_total=data.count(b"\n") if file_name.lower().endswith(".csv") else 0,
    )
    if scope is not None:
        setattr(batch, type(scope).__name__.lower(), scope)
    batch.file.save(file_name, ContentFile(data), save=False)
    batch.save()
    return batch


def runs_in_background(batch: ImportBatch) -> bool:
    """Large files go to the worker, so the page can show progress instead of hanging."""
    return batch.file.size > settings.ROSTER_BACKGROUND_BYTES


def check_batch(batch: ImportBatch) -> ImportBatch:
    """Read and check every row, store the preview, and record the upload in the audit trail
    (once checked, wherever it is checked); nothing is written but the batch."""
    importer = importer_for(batch.kind)
    _set_status(batch, ImportBatch.Status.CHECKING)
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
        sheets = read_sheets(data, filename=batch.file_name, max_bytes=max_file_bytes())
        parsed = parse_sheets(
            sheets, importer, importer.start(batch), progress=_progress_saver(batch)
        )
    except SpreadsheetError as error:
        # The reason is kept translatable too, for whoever reads the batch page later.
        batch.report = {"message": translatable.stored(error.args[0])}
        _finish(batch, ImportBatch.Status.REFUSED, message=message_text(error.args[0]))
        audit.announce_upload(batch)
        return batch
    classified = importer.classify(batch, parsed.rows)
    rejected = parsed.rejected + classified.conflicts
    batch.rows_done = batch.rows_total = parsed.read
    batch.created = len(classified.creates)
    batch.updated = len(classified.updates)
    batch.unchanged = classified.unchanged
    batch.rejected = len(rejected)
    batch.skipped = parsed.skipped
    batch.report = summary(importer, parsed, classified, rejected)
    batch.plan_file.save(
        f"{batch.pk}-plan.json.gz", ContentFile(_dump_plan(parsed, importer)), save=False
    )
    save_preview(batch, importer, parsed, classified, rejected)
    save_error_workbook(batch, parsed.layouts, rejected)
    batch.status = ImportBatch.Status.PREVIEWED
    batch.save()
    audit.announce_upload(batch)
    return batch


def preview_cutoff() -> datetime.datetime:
    """Batches uploaded before this may no longer be confirmed (IMPORT_PREVIEW_HOURS)."""
    return timezone.now() - datetime.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)


def _confirmable() -> Q:
    return Q(status=ImportBatch.Status.PREVIEWED) | Q(
        status=ImportBatch.Status.FAILED, interrupted=True
    )


def expire_previews() -> int:
    """Mark every confirmable batch older than the preview time expired; nothing was written."""
    return ImportBatch.objects.filter(_confirmable(), created_at__lt=preview_cutoff()).update(
        status=ImportBatch.Status.EXPIRED, interrupted=False, lease_expires_at=None
    )


def expire_if_stale(batch: ImportBatch) -> ImportBatch:
    """The batch, marked expired first when its preview time has run out."""
    if batch.created_at >= preview_cutoff():
        return batch
    if ImportBatch.objects.filter(_confirmable(), pk=batch.pk).update(
        status=ImportBatch.Status.EXPIRED, interrupted=False, lease_expires_at=None
    ):
        batch.refresh_from_db()
    return batch


def end_dry_run(batch: ImportBatch) -> None:
    """A batch checked only to see the preview: it stays on record and is never confirmed."""
    if batch.status == ImportBatch.Status.PREVIEWED:
        _finish(batch, ImportBatch.Status.DRY_RUN)


def claim_for_import(batch: ImportBatch) -> bool:
    """Move a previewed batch to importing; only one of two simultaneous confirms wins.

    A batch whose process died while importing it (nothing was written) may be claimed again.
    A batch uploaded longer ago than the preview time is not claimed (``expire_previews``).
    """
    lease = leases.lease_from_now()
    # One UPDATE: of two confirms, the second finds the batch importing and claims nothing.
    claimed = (
        ImportBatch.objects.filter(pk=batch.pk)
        .filter(_confirmable(), created_at__gte=preview_cutoff())
        .update(
            # No row counts while writing: the rows go in one transaction, which no other
            # connection sees until it commits.
            status=ImportBatch.Status.IMPORTING,
            rows_done=0,
            rows_total=0,
            lease_expires_at=lease,
            interrupted=False,
            message="",
            finished_at=None,
        )
    )
    if claimed:
        batch.status = ImportBatch.Status.IMPORTING
        batch.rows_done = batch.rows_total = 0
        batch.lease_expires_at = lease
        batch.interrupted = False
        batch.message = ""
        batch.finished_at = None
    return bool(claimed)


def set_confirmer(batch: ImportBatch, user: Any, *, client_address: str | None = None) -> None:
    """Record who confirmed a claimed batch, and from where; their area bounds what it writes,
    too."""
    batch.confirmed_by = user
    batch.confirmed_from = client_address
    ImportBatch.objects.filter(pk=batch.pk).update(confirmed_by=user, confirmed_from=client_address)


def confirm_batch(
    batch: ImportBatch,
    *,
    progress: Progress | None = None,
) -> ImportBatch:
    """Write the checked rows in one transaction, comparing again with the database now.

    The batch is claimed here unless the caller already did (claim_for_import). Every row is
    checked again, inside the transaction, against the area of whoever acts on the batch now.
    The import, done or failed, is recorded in the audit trail.
    """
    if batch.status != ImportBatch.Status.IMPORTING and not claim_for_import(batch):
        raise ValueError(f"batch {batch.pk} is {batch.status}, not previewed")
    importer = importer_for(batch.kind)
    parsed = _load_plan(batch, importer)
    renew_lease = leases.renewer(batch.pk)

    def report(rows_done: int) -> None:
        renew_lease()
        if progress:
            progress(rows_done)

    try:
        with transaction.atomic():
            classified = importer.classify(batch, parsed.rows)
            renew_lease()
            importer.write(batch, classified, progress=report)
            batch.touched_villages.add(*importer.touched_villages(classified))
    except Exception as error:
        _finish(batch, ImportBatch.Status.FAILED, message=str(error))
        audit.announce_import(batch)
        raise
    rejected = parsed.rejected + classified.conflicts
    batch.created = len(classified.creates)
    batch.updated = len(classified.updates)
    batch.unchanged = classified.unchanged
    batch.rejected = len(rejected)
    batch.rows_done = batch.rows_total = parsed.read
    batch.report = summary(importer, parsed, classified, rejected)
    save_preview(batch, importer, parsed, classified, rejected)
    save_error_workbook(batch, parsed.layouts, rejected)
    _finish(batch, ImportBatch.Status.DONE)
    audit.announce_import(batch)
    return batch


def nothing_to_import(batch: ImportBatch) -> str:
    """What the preview and the command say of a checked batch that writes nothing."""
    if batch.rejected and not batch.unchanged:
        return _(
            "Nothing to import: all %(rejected)s rows were rejected. Correct them as the "
            "reasons say, and upload them again."
        ) % {"rejected": batch.rejected}
    if batch.rejected:
        return _(
            "Nothing to import: %(unchanged)s rows are already in the system as they are, and "
            "the other %(rejected)s were rejected. Correct the rejected rows, and upload them "
            "again."
        ) % {"unchanged": batch.unchanged, "rejected": batch.rejected}
    return str(importer_for(batch.kind).nothing_message)


def previous_import(batch: ImportBatch) -> ImportBatch | None:
    """An earlier completed import of the very same file as the same kind, if any."""
    return (
        ImportBatch.objects.filter(
            sha256=batch.sha256, kind=batch.kind, status=ImportBatch.Status.DONE
        )
        .exclude(pk=batch.pk)
        .order_by("-finished_at")
        .first()
    )


def _set_status(batch: ImportBatch, status: str) -> None:
    """Change the status; checking or importing takes a lease the work goes on renewing."""
    batch.status = status
    batch.lease_expires_at = leases.lease_from_now() if status in leases.WORKING else None
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, lease_expires_at=batch.lease_expires_at
    )


def _progress_saver(batch: ImportBatch) -> Progress:
    def save(rows_done: int) -> None:
        # Progress is what shows the process is still alive.
        ImportBatch.objects.filter(pk=batch.pk).update(
            rows_done=rows_done, lease_expires_at=leases.lease_from_now()
        )

    return save


def _finish(batch: ImportBatch, status: str, *, message: str = "") -> ImportBatch:
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    batch.lease_expires_at = None
    batch.save()
    return batch


def _dump_plan(parsed: Parsed, importer: BatchImporter) -> bytes:
    names = importer.row_type.__slots__
    plan = {
        # Rows as plain lists: a county file has 100,000 of them.
        "rows": [[getattr(row, name) for name in names] for row in parsed.rows],
        # Messages in their stored form, so that confirming keeps them translatable.
        "rejected": [
            {
                **asdict(row),
                "column": translatable.stored(row.column),
                "reason": translatable.stored(row.reason),
            }
            for row in parsed.rejected
        ],
        "layouts": [asdict(layout) for layout in parsed.layouts],
        "skipped_sheets": parsed.skipped_sheets,
        "warnings": [translatable.stored(warning) for warning in parsed.warnings],
        "skipped": parsed.skipped,
        "read": parsed.read,
    }
    data = json.dumps(plan, ensure_ascii=False, default=json_default).encode()
    return gzip.compress(data, compresslevel=1)


def _load_plan(batch: ImportBatch, importer: BatchImporter) -> Parsed:
    with batch.plan_file.open("rb") as handle:
        plan = json.loads(gzip.decompress(handle.read()))
    row_type = importer.row_type
    return Parsed(
        rows=[row_type(*row) for row in plan["rows"]],
        rejected=[Rejected(**row) for row in plan["rejected"]],
        layouts=[SheetLayout(**layout) for layout in plan["layouts"]],
        skipped_sheets=plan["skipped_sheets"],
        warnings=plan["warnings"],
        skipped=plan["skipped"],
        read=plan["read"],
    )
