"""The admin site's titles, and the household, village and account pages composed from every app.

Household and village admin live in villages, which knows nothing of units; the pages that link
cadres to households are added by subclassing them (``shuanglian.admin_households`` and
``shuanglian.admin_villages``), and the subclasses are registered here, once.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from shuanglian.access.admin_accounts import ScopedGroupAdmin, ScopedUserAdmin
from shuanglian.admin_households import FullHouseholdAdmin
from shuanglian.admin_villages import FullVillageAdmin
from villages.models import Household, Village

admin.site.site_header = _("Shuanglian Shuangchuang work management system")
admin.site.site_title = _("Shuanglian Shuangchuang work management system")
admin.site.index_title = _("Campaign management")

# django.contrib.auth.admin registers User and Group when it is imported, and the scoped pages
# subclass its classes: they replace those registrations, as Django's documentation does.
admin.site.unregister(Group)
admin.site.register(Group, ScopedGroupAdmin)
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ScopedUserAdmin)
admin.site.register(Household, FullHouseholdAdmin)
admin.site.register(Village, FullVillageAdmin)

# The audit trail.
from shuanglian.audit import admin as audit_admin  # noqa: E402, F401
