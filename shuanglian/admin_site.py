"""The project's admin site: every page under the access rules, in the campaign's order.

Registering a page on this site is what puts it under the rules: the site serves it behind
``shuanglian.access.admin.ScopedAdminMixin``, placed in front of the page's own class so that no
hook the page overrides can step around them, and its inlines likewise. So each model has one
registration, in its final form, and none is registered twice or replaced.

A library's own registration (Django's users and groups, the background tasks' results) is not
served: those pages are the project's to choose, and ``shuanglian.admin`` registers its own for
each it shows.
"""

import inspect
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from shuanglian.access.admin import scoped_class

# The order a coordinator works in: the places and their households, the units and their
# cadres linked to them, the visits and needs that follow, then the imports behind them; the
# projects and funds the units spend on their villages, the satisfaction surveys of them; the
# audit trail, the reminders sent, accounts and background tasks after. Anything not named
# here (a model added later) comes after the named ones of its app, alphabetically.
APP_ORDER = [
    "villages",
    "units",
    "visits",
    "visitflags",
    "projects",
    "assessments",
    "satisfaction",
    "shuanglian",
    "reminders",
    "auth",
    "django_tasks_database",
]
MODEL_ORDER = {
    "villages": ["City", "County", "Township", "Village", "Household", "ImportBatch"],
    "units": ["Unit", "Cadre", "WorkGroup", "HouseholdAssignment", "VillageSurvey", "CadreAbsence"],
    "visits": ["Visit", "Need", "VisitInterval"],
    "projects": ["Project", "Activity", "Allocation", "Disbursement", "FundPool"],
    "assessments": ["Assessment", "RectificationItem", "Checklist"],
    "satisfaction": ["Round", "Interviewer", "Sample", "Attempt", "Answer"],
    "shuanglian": ["AuditEvent", "RankingWeights"],
    "auth": ["User", "Group"],
}


def _rank(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _of_the_project(admin_class: type) -> bool:
    """Whether the class is written in this checkout, not in an installed library."""
    source = Path(inspect.getfile(admin_class)).resolve()
    installed = Path(sys.prefix).resolve()
    return source.is_relative_to(settings.BASE_DIR) and not source.is_relative_to(installed)


class CampaignAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        if admin_class is not None and not _of_the_project(admin_class):
            return
        admin_class = scoped_class(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The index, with the overdue items of the user's area or unit above the apps."""
        from reminders.overdue import overdue_for

        extra_context = {**(extra_context or {}), "overdue": overdue_for(user=request.user)}
        return super().index(request, extra_context)

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        # Stable sorts: what the order does not name keeps Django's alphabetical order.
        app_list.sort(key=lambda app: _rank(APP_ORDER, app["app_label"]))
        for app in app_list:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(key=lambda model: _rank(order, model["object_name"]))
        return app_list
