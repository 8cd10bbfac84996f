"""Apps of Django and of libraries, as the project shows them in its Chinese admin.

Kept apart from ``shuanglian.apps``, whose own AppConfig must stay the only one there.
"""

from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class CampaignAdminConfig(AdminConfig):
    """Django's admin, with the project's site as ``admin.site``."""

    default_site = "shuanglian.admin_site.CampaignAdminSite"


class TasksDatabaseConfig(TasksAppConfig):
    """The background tasks' results, under a name a coordinator can read."""

    verbose_name = _("Background tasks")
