from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Villages and households")

    def ready(self) -> None:
        # Each kind of import registers from its app's ready; the household roster is this one.
        from villages.imports.framework import register
        from villages.imports.roster import RosterImporter

        register(RosterImporter())
