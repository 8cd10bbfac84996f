from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShuanglianConfig(AppConfig):
    name = "shuanglian"
    verbose_name = _("Shuanglian Shuangchuang")

    def ready(self) -> None:
        # After the admin has discovered every app's admin module (it is listed first).
        from django.contrib import admin

        from shuanglian import access, audit
        from shuanglian.admin_scoping import scope_registered_admins

        access.install()
        scope_registered_admins(admin.site)
        audit.connect_receivers()
