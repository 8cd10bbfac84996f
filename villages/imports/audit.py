"""What the import services tell the audit trail, which listens to ``transferred`` (villages
cannot know it): each upload once checked, each import and each error-workbook download.

The services send these themselves, so that every caller is recorded once: the admin, the
commands, the background worker and any caller to come. Who acted is read from the batch,
which the worker has too, and so is the address it was asked from.
"""

from typing import Any

from django.contrib.auth import get_user_model

from common.exports import transferred
from villages.models import ImportBatch

# Who the audit trail names for an import by the system (the command line without --by); not
# a possible user name.
SYSTEM_ACTOR = "(system)"
COUNTS = ("created", "updated", "unchanged", "rejected", "skipped")


def announce_upload(batch: ImportBatch) -> None:
    """The batch was uploaded and checked, by its uploader (a command's, with its OS user)."""
    _announce(
        batch, action="import_upload", user=_uploader(batch), ip=batch.created_from, **_ran(batch)
    )


def announce_import(batch: ImportBatch) -> None:
    """The batch was imported (or failed), by its confirmer; a batch nobody else confirmed was
    imported where it was uploaded (the command line), by its uploader."""
    if batch.confirmed_by is not None:
        _announce(batch, action="import", user=batch.confirmed_by, ip=batch.confirmed_from)
    else:
        user = _uploader(batch)
        _announce(batch, action="import", user=user, ip=batch.created_from, **_ran(batch))


def announce_errors(
    batch: ImportBatch, *, user: Any, masked: bool, client_address: str | None = None
) -> None:
    """``user`` was handed the batch's error workbook, masked or in full."""
    _announce(batch, action="import_errors", user=user, ip=client_address, masked=masked)


def _uploader(batch: ImportBatch) -> Any:
    if batch.created_by is not None:
        return batch.created_by
    # An unsaved user only names the actor: the event keeps the name and no account.
    return get_user_model()(username=SYSTEM_ACTOR if batch.by_system else "")


def _ran(batch: ImportBatch) -> dict[str, str]:
    return {"os_user": batch.command_user} if batch.command_user else {}


def _announce(
    batch: ImportBatch, *, action: str, user: Any, ip: str | None, **details: Any
) -> None:
    transferred.send(
        sender=ImportBatch,
        request=None,
        user=user,
        ip=ip,
        action=action,
        model=ImportBatch,
        rows=batch.rows_total,
        details={
            "batch": batch.pk,
            "kind": batch.kind,
            "file_name": batch.file_name,
            "scope": batch.scope_name,
            "status": batch.status,
            **{name: getattr(batch, name) for name in COUNTS},
            **details,
        },
    )
