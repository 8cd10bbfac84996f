from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units and cadres")

    def ready(self) -> None:
        # villages knows nothing of units: the assignment import plugs into its batch workflow.
        from units.assignment_import import AssignmentImporter
        from villages.imports import framework

        framework.register(AssignmentImporter())
