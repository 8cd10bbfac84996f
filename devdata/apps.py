from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevdataConfig(AppConfig):
    """Demo data and the synthetic city generator, with their commands; no models."""

    name = "devdata"
    verbose_name = _("Demo and generated data")
