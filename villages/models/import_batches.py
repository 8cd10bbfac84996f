"""Uploaded spreadsheets, from preview to result."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villages.models.areas import Area, County, Township, Village, VisibleQuerySet


class ImportBatch(models.Model):
    """One uploaded spreadsheet, from preview to result; the file is kept with it.

    What the rows mean depends on ``kind``; each kind's importer registers itself with
    ``villages.imports.framework.register``.
    """

    class Kind(models.TextChoices):
        ROSTER = "roster", _("household roster")
        ASSIGNMENTS = "assignments", _("household assignments")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to be checked")
        CHECKING = "checking", _("checking")
        PREVIEWED = "previewed", _("checked, waiting for confirmation")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        REFUSED = "refused", _("file refused")
        FAILED = "failed", _("failed, nothing written")
        # Not confirmed in time (IMPORT_PREVIEW_HOURS); nothing was written.
        EXPIRED = "expired", _("expired")
        # Checked by ``import_roster --dry-run``: a preview only, never to be confirmed.
        DRY_RUN = "dry_run", _("dry run, not for import")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.ROSTER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # An import run from the command line without --by acts for the whole city, as the
    # system; whoever ran a command is known by their operating-system account.
    by_system = models.BooleanField(_("imported by the system"), default=False, editable=False)
    command_user = models.CharField(
        _("operating-system user"), max_length=150, blank=True, editable=False
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    # Where the upload and the confirmation came from, for the audit trail's events about work
    # the worker finishes later, away from the request.
    created_from = models.GenericIPAddressField(
        _("uploaded from"), null=True, blank=True, editable=False
    )
    confirmed_from = models.GenericIPAddressField(
        _("confirmed from"), null=True, blank=True, editable=False
    )
    # The villages whose households or assignments the import wrote, so that every
    # coordinator of one of them finds the batch.
    touched_villages = models.ManyToManyField(
        Village, blank=True, related_name="+", verbose_name=_("villages written to")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="rosters/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village or community"),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township or subdistrict"),
    )
    county = models.ForeignKey(
        County,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county or district"),
    )
    move_households = models.BooleanField(
        _("move households from other villages"),
        default=False,
        help_text=_("Households registered in another village are moved here instead of refused."),
    )
    reassign_households = models.BooleanField(
        _("reassign households already linked to another cadre"),
        default=False,
        help_text=_(
            "The household's current assignment is ended and the cadre in the file takes over, "
            "instead of the row being refused."
        ),
    )
    over_maximum = models.BooleanField(
        _("assign over the maximum"),
        default=False,
        help_text=_(
            "Cadres may be given more households than the maximum per cadre; the audit trail "
            "records each cadre taken over it."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    # While checking or importing, the process doing it renews this as it goes; a batch still
    # checking or importing after it passed lost its process (villages.imports.leases).
    lease_expires_at = models.DateTimeField(
        _("worker lease expires at"), null=True, blank=True, editable=False
    )
    # Failed because its process died while importing: nothing was written, and it may be
    # confirmed again.
    interrupted = models.BooleanField(_("interrupted"), default=False, editable=False)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in file"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    message = models.TextField(_("message"), blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    plan_file = models.FileField(upload_to="rosters/%Y/%m/", blank=True, editable=False)
    error_file = models.FileField(
        _("error workbook"), upload_to="rosters/%Y/%m/", blank=True, editable=False
    )
    # Every row by outcome (villages.imports.previews.preview_page), messages kept translatable.
    preview_file = models.FileField(upload_to="rosters/%Y/%m/", blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(village__isnull=False, township__isnull=True, county__isnull=True)
                    | Q(village__isnull=True, township__isnull=False, county__isnull=True)
                    | Q(village__isnull=True, township__isnull=True, county__isnull=False)
                    # Units and cadres serve the whole city, so may their assignment lists.
                    | Q(
                        kind="assignments",
                        village__isnull=True,
                        township__isnull=True,
                        county__isnull=True,
                    )
                ),
                name="import_batch_one_scope",
                violation_error_message=_(
                    "Choose one village, one township or one county; only assignment imports "
                    "may cover the whole city."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def scope(self) -> Area | None:
        """The village, township or county imported into; None for the whole city."""
        return self.village or self.township or self.county

    @property
    def scope_name(self) -> str:
        scope = self.scope
        return scope.name if scope is not None else gettext("the whole city")

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.DONE,
            self.Status.REFUSED,
            self.Status.FAILED,
            self.Status.EXPIRED,
            self.Status.DRY_RUN,
        }

    @property
    def shows_preview(self) -> bool:
        """Whether the batch has checked rows to show (a preview, or what was imported)."""
        return self.status in {
            self.Status.PREVIEWED,
            self.Status.DONE,
            self.Status.EXPIRED,
            self.Status.DRY_RUN,
        }
