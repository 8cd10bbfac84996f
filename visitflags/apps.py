from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitFlagsConfig(AppConfig):
    """Visits that look implausible, flagged for coordinators to review (走访核查)."""

    name = "visitflags"
    verbose_name = _("Visit review")
