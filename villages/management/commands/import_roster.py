import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from common.commands import named_user
from villages.imports import areas, batches, framework
from villages.models import ImportBatch


def os_user() -> str:
    """The operating-system account running the command, as well as it can be told."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


class BatchImportCommand(BaseCommand):
    """Check a file, print the preview, then import it unless it is a dry run.

    With ``--by USERNAME`` the import acts as that user: it may go only into an area wholly
    inside theirs, and every row outside it is rejected, as in admin. Without ``--by`` the
    system imports, for the whole city. Either way the audit trail records the upload and the
    import with the operating-system user who ran the command.

    Subclasses name their ``kind`` and add the kind's options as ``--flags``.
    """

    kind = ImportBatch.Kind.ROSTER
    # ImportBatch option field → (command-line flag, help).
    option_flags: dict[str, tuple[str, str]] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        importer = framework.importer_for(self.kind)
        parser.add_argument("file", type=Path)
        scope = parser.add_mutually_exclusive_group(required=importer.scope_required)
        scope.add_argument("--village", metavar="CODE", help="12-digit code of the village")
        scope.add_argument("--township", metavar="CODE", help="12-digit code of the township")
        scope.add_argument("--county", metavar="CODE", help="12-digit code of the county")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help=(
                "act as this user: only their area is imported into and the audit trail names "
                "them; without it the system imports for the whole city"
            ),
        )
        for name, (flag, help_text) in self.option_flags.items():
            parser.add_argument(flag, dest=name, action="store_true", help=help_text)

    def handle(self, *args: Any, **options: Any) -> None:
        importer = framework.importer_for(self.kind)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        code = options["village"] or options["township"] or options["county"]
        scope = None
        if code:
            try:
                scope = areas.import_scope_for_code(code)
            except LookupError as error:
                raise CommandError(str(error)) from None
        user = self._acting_user(options["by"], importer)
        try:
            batch = batches.create_batch(
                data=path.read_bytes(),
                file_name=path.name,
                scope=scope,
                kind=self.kind,
                user=user,
                command_user=os_user(),
                **{name: options[name] for name in self.option_flags},
            )
        except areas.OutsideArea as error:
            raise CommandError(str(error)) from None
        batch = batches.check_batch(batch)
        if batch.status == ImportBatch.Status.REFUSED:
            raise CommandError(batch.message)
        self._report(batch)
        if options["dry_run"]:
            # Kept on record (the audit trail names it), but nobody may confirm it later.
            batches.end_dry_run(batch)
            self.stdout.write(_("Dry run: nothing was written."))
            return
        if batch.created + batch.updated == 0:
            return
        batch = batches.confirm_batch(batch)
        self.stdout.write(
            self.style.SUCCESS(
                importer.done_message % {"created": batch.created, "updated": batch.updated}
            )
        )

    @staticmethod
    def _acting_user(username: str | None, importer: framework.BatchImporter) -> Any:
        """The user named by --by, who must be active and allowed to import this kind."""
        user = named_user(username)
        if user is None:
            return None
        if not (user.has_perm("villages.add_importbatch") and importer.allows(user)):
            raise CommandError(
                _("%(name)s may not import %(kind)s.")
                % {"name": username, "kind": importer.verbose_name}
            )
        return user

    def _report(self, batch: ImportBatch) -> None:
        self.stdout.write(
            _(
                "New %(created)s, changed %(updated)s, unchanged %(unchanged)s, "
                "rejected %(rejected)s, skipped %(skipped)s (import %(pk)s)"
            )
            % {
                "created": batch.created,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "skipped": batch.skipped,
                "pk": batch.pk,
            }
        )
        for row in batch.report.get("rejected", [])[:20]:
            where = _("%(sheet)s row %(row)s") % {"sheet": row["sheet"], "row": row["row"]}
            self.stdout.write(f"  {where} {row['column']}: {row['reason']}")
        if batch.error_file:
            self.stdout.write(
                _("Rejected rows written to %(path)s") % {"path": batch.error_file.path}
            )
        for warning in batch.report.get("warnings", [])[:20]:
            self.stdout.write(self.style.WARNING(warning))
        if batch.created + batch.updated == 0:
            self.stdout.write(batches.nothing_to_import(batch))


class Command(BatchImportCommand):
    help = (
        "Import a household roster (.xlsx, .xls, .csv, or an XML or HTML Excel export) into a "
        "village, township or county, as "
        "the user named by --by (within their area) or, without it, as the system for the "
        "whole city; recorded in the audit trail with the operating-system user."
    )
    kind = ImportBatch.Kind.ROSTER
    option_flags = {
        "move_households": (
            "--move-households",
            "move households registered in another village instead of refusing them",
        )
    }
