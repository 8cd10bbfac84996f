from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShuanglianConfig(AppConfig):
    name = "shuanglian"
    verbose_name = _("Shuanglian Shuangchuang")

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from shuanglian.access import decisions, passwords, rules
        from shuanglian.audit import cadre_logins, trail
        from shuanglian.figures import rollups

        rules.install()
        decisions.install()
        trail.connect_receivers()
        passwords.connect_receivers()
        cadre_logins.connect_receivers()
        task_finished.connect(rollups.recount_after_task, dispatch_uid="rollups")
