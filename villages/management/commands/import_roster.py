from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from villages import importers
from villages.models import ImportBatch


class BatchImportCommand(BaseCommand):
    """Check a file, print the preview, then import it unless it is a dry run.

    Subclasses name their ``kind`` and add the kind's options as ``--flags``.
    """

    kind = ImportBatch.Kind.ROSTER
    # ImportBatch option field → (command-line flag, help).
    option_flags: dict[str, tuple[str, str]] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        importer = importers.importer_for(self.kind)
        parser.add_argument("file", type=Path)
        scope = parser.add_mutually_exclusive_group(required=importer.scope_required)
        scope.add_argument("--village", metavar="CODE", help="12-digit code of the village")
        scope.add_argument("--township", metavar="CODE", help="12-digit code of the township")
        scope.add_argument("--county", metavar="CODE", help="12-digit code of the county")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        for name, (flag, help_text) in self.option_flags.items():
            parser.add_argument(flag, dest=name, action="store_true", help=help_text)

    def handle(self, *args: Any, **options: Any) -> None:
        importer = importers.importer_for(self.kind)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        code = options["village"] or options["township"] or options["county"]
        scope = None
        if code:
            try:
                scope = importers.scope_of(code)
            except LookupError as error:
                raise CommandError(str(error)) from None
        batch = importers.create_batch(
            data=path.read_bytes(),
            file_name=path.name,
            scope=scope,
            kind=self.kind,
            **{name: options[name] for name in self.option_flags},
        )
        batch = importers.check_batch(batch)
        if batch.status == ImportBatch.Status.REFUSED:
            raise CommandError(batch.message)
        self._report(batch)
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        if batch.created + batch.updated == 0:
            self.stdout.write(str(importer.nothing_message))
            return
        batch = importers.confirm_batch(batch)
        self.stdout.write(
            self.style.SUCCESS(
                importer.done_message % {"created": batch.created, "updated": batch.updated}
            )
        )

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


class Command(BatchImportCommand):
    help = "Import a household roster (.xlsx, .xls, .csv) into a village, township or county."
    kind = ImportBatch.Kind.ROSTER
    option_flags = {
        "move_households": (
            "--move-households",
            "move households registered in another village instead of refusing them",
        )
    }
