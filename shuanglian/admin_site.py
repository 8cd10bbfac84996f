"""The project's admin site: its index and sidebar follow the campaign, not the alphabet."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

# The order a coordinator works in: the places and their households, the units and their
# cadres linked to them, the visits and needs that follow, then the imports behind them;
# surveys, the audit trail, accounts and background tasks after. Anything not named here
# (a model added later) comes after the named ones of its app, alphabetically.
APP_ORDER = ["villages", "units", "visits", "shuanglian", "auth", "django_tasks_database"]
MODEL_ORDER = {
    "villages": ["City", "County", "Township", "Village", "Household", "ImportBatch"],
    "units": ["Unit", "Cadre", "WorkGroup", "HouseholdAssignment", "VillageSurvey"],
    "visits": ["Visit", "Need", "VisitInterval"],
    "shuanglian": ["AuditEvent"],
    "auth": ["User", "Group"],
}


def _rank(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


class CampaignAdminSite(admin.AdminSite):
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
