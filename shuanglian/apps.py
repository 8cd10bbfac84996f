from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShuanglianConfig(AppConfig):
    name = "shuanglian"
    verbose_name = _("Shuanglian Shuangchuang")
