"""The admin site's titles, and the household, village and account pages composed from every app.

Household and village admin live in villages, which knows nothing of units; the pages that link
cadres to households are added by subclassing them (``shuanglian.admin_households`` and
``shuanglian.admin_villages``), and the subclasses are registered here, once.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shuanglian.access.admin_accounts import ScopedGroupAdmin, ScopedUserAdmin
from shuanglian.admin_households import FullHouseholdAdmin
from shuanglian.admin_villages import FullVillageAdmin
from shuanglian.models import RankingWeights
from villages.models import Household, Village

admin.site.site_header = _("Shuanglian Shuangchuang work management system")
admin.site.site_title = _("Shuanglian Shuangchuang work management system")
admin.site.index_title = _("Campaign management")


class TaskResultAdmin(DBTaskResultAdmin):
    """The background tasks' results, as the library shows them (to city coordinators)."""


# The site serves none of the libraries' own pages (shuanglian.admin_site); these are the ones
# the project shows.
admin.site.register(Group, ScopedGroupAdmin)
admin.site.register(get_user_model(), ScopedUserAdmin)
admin.site.register(DBTaskResult, TaskResultAdmin)
admin.site.register(Household, FullHouseholdAdmin)
admin.site.register(Village, FullVillageAdmin)

# The audit trail.
from shuanglian.audit import admin as audit_admin  # noqa: E402, F401


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    """The city sets the weights; other coordinators read them (shuanglian.access.admin)."""

    list_display = ["year", "coverage", "visits", "needs", "projects", "rating", "satisfaction"]
    ordering = ["-year"]
