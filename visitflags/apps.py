from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitFlagsConfig(AppConfig):
    """Visits that look implausible, flagged for coordinators to review (走访核查)."""

    name = "visitflags"
    verbose_name = _("Visit review")

    def ready(self) -> None:
        from visitflags import detection
        from visits.signals import visit_recorded

        visit_recorded.connect(detection.on_visit_recorded, dispatch_uid="visitflags")
