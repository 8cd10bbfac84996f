"""The recorded reveal of one household's full resident ID, for the household admin."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shuanglian.audit import trail
from shuanglian.models import AuditEvent
from villages.models import Household


class IdNumberRevealMixin:
    """Household pages where a user with full personal data may reveal one full ID."""

    @admin.display(description=_("resident ID number"), ordering="id_number")
    def masked_id_number(self, obj: Household) -> str:
        request = trail.current_request.get()
        if obj.pk is None or request is None or not self.has_full_personal_data(request):
            return obj.masked_id_number
        # Inside the change form: the button posts the form, with its CSRF token, to the reveal.
        url = reverse("admin:villages_household_reveal", args=[obj.pk])
        return format_html(
            '{} <button type="submit" formaction="{}" formmethod="post" id="reveal-id-number">'
            "{}</button>",
            obj.masked_id_number,
            url,
            _("Show the full resident ID number"),
        )

    def get_list_display(self, request: HttpRequest) -> list:
        # The list keeps the masked text without the button.
        return [
            "masked_id_text" if name == "masked_id_number" else name
            for name in super().get_list_display(request)
        ]

    @admin.display(description=_("resident ID number"), ordering="id_number")
    def masked_id_text(self, obj: Household) -> str:
        return obj.masked_id_number

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(require_POST(self.reveal_view))
        return [
            path("<path:object_id>/reveal/", view, name="villages_household_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show one household's full resident ID once, and record that it was shown."""
        household = self.get_object(request, unquote(object_id))
        if household is None:
            raise Http404
        if not (
            self.has_view_permission(request, household) and self.has_full_personal_data(request)
        ):
            trail.record(
                request=request,
                action=trail.REVEAL,
                obj=household,
                result=AuditEvent.Result.REFUSED,
            )
            raise PermissionDenied
        trail.record(request=request, action=trail.REVEAL, obj=household, field="id_number")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Full resident ID number"),
            "household": household,
            "change_url": reverse("admin:villages_household_change", args=[household.pk]),
        }
        return TemplateResponse(request, "admin/villages/household/reveal.html", context)
