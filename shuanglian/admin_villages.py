"""The village pages composed from every app's records: distributing households to cadres.

Village admin lives in villages, which knows nothing of units; the page that distributes a
village's households to cadres is added here by subclassing it (registered in
``shuanglian.admin``).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuanglian.admin_households import (
    NAMED_MAX,
    PAGE_SIZE,
    list_as_left,
    may_assign,
    with_preserved,
)
from units.admin.actions import redirect_to_one
from units.distribution import (
    DistributionResult,
    confirm_distribution,
    plan_distribution,
    seal_plan,
    unseal_plan,
)
from units.forms import over_maximum_field
from villages.admin import VillageAdmin
from villages.models import Village


class DistributeForm(forms.Form):
    max_per_cadre = forms.IntegerField(
        label=_("at most this many households per cadre"), min_value=1, max_value=1000
    )
    plan = forms.CharField(required=False, widget=forms.HiddenInput)
    over_maximum = over_maximum_field()


class FullVillageAdmin(VillageAdmin):
    list_display = [*VillageAdmin.list_display, "distribute_link", "cards_link"]
    actions = ["distribute"]

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return may_assign(request)

    @admin.display(description=_("household distribution"))
    def distribute_link(self, obj: Village) -> str:
        url = reverse("admin:villages_village_distribute", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("distribute"))

    @admin.display(description=_("contact cards"))
    def cards_link(self, obj: Village) -> str:
        url = reverse("units:village_cards", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print contact cards"))

    @admin.action(description=_("Distribute households to cadres"), permissions=["assign"])
    def distribute(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return redirect_to_one(
            self,
            request,
            queryset,
            "admin:villages_village_distribute",
            gettext("Choose one village to distribute at a time."),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/distribute/",
                view(self.distribute_view),
                name="villages_village_distribute",
            ),
            *super().get_urls(),
        ]

    def distribute_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Preview which household goes to which cadre; apply that preview on POST."""
        if not may_assign(request):
            raise PermissionDenied
        village = get_object_or_404(self.get_queryset(request), pk=pk)
        default = settings.ASSIGNMENT_MAX_PER_CADRE
        data = request.POST if request.method == "POST" else request.GET
        form = DistributeForm(
            data if "max_per_cadre" in data else None, initial={"max_per_cadre": default}
        )
        maximum = form.cleaned_data["max_per_cadre"] if form.is_valid() else default
        page_query = with_preserved(self, request, f"max_per_cadre={maximum}")

        if request.method == "POST" and form.is_valid():
            links = unseal_plan(form.cleaned_data["plan"], village=village, by=request.user)
            if links is None:
                self.message_user(
                    request,
                    gettext("The preview is no longer valid; check the new plan and confirm it."),
                    messages.WARNING,
                )
            else:
                try:
                    result = confirm_distribution(
                        village=village,
                        links=links,
                        on=timezone.localdate(),
                        by=request.user,
                        over_maximum=form.cleaned_data["over_maximum"],
                    )
                except ValidationError as error:
                    form.add_error("over_maximum", error)
                else:
                    self._report(request, result)
                    # Opened from the village list: back to it as it was; from a dashboard or
                    # a gap list, this page shows what is left.
                    if self.get_preserved_filters(request):
                        return redirect(list_as_left(self, request))
                    url = reverse("admin:villages_village_distribute", args=[village.pk])
                    return redirect(f"{url}?{page_query}")

        plan = plan_distribution(village=village, max_per_cadre=maximum, by=request.user)
        page_number = request.GET.get("p")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Distribute households: %(village)s") % {"village": village},
            "village": village,
            "form": form,
            "plan": plan,
            "plan_token": seal_plan(plan, by=request.user),
            "planned": Paginator(plan.assignments, PAGE_SIZE).get_page(page_number),
            "leftovers": Paginator(plan.leftovers, PAGE_SIZE).get_page(page_number),
            "page_query": page_query,
            "changelist_filters": request.GET.get("_changelist_filters", ""),
            "cancel_url": list_as_left(self, request),
        }
        return TemplateResponse(request, "admin/units/village_distribute.html", context)

    def _report(self, request: HttpRequest, result: DistributionResult) -> None:
        self.message_user(
            request,
            gettext("%(count)s households now have a responsible cadre.")
            % {"count": result.assigned},
            messages.SUCCESS,
        )
        if result.taken_meanwhile:
            names = "、".join(result.taken_meanwhile[:NAMED_MAX])
            if len(result.taken_meanwhile) > NAMED_MAX:
                names = gettext("%(names)s and others") % {"names": names}
            self.message_user(
                request,
                gettext(
                    "%(count)s households got a cadre after the preview and were skipped: "
                    "%(names)s."
                )
                % {"count": len(result.taken_meanwhile), "names": names},
                messages.WARNING,
            )
        if result.cadre_gone:
            self.message_user(
                request,
                gettext(
                    "%(count)s households were skipped: their planned cadre has left the "
                    "village's work groups or service since the preview."
                )
                % {"count": result.cadre_gone},
                messages.WARNING,
            )
        others = result.skipped - len(result.taken_meanwhile) - result.cadre_gone
        if others:
            self.message_user(
                request,
                gettext(
                    "%(count)s households were skipped: they found a cadre meanwhile, or their "
                    "cadre left service."
                )
                % {"count": others},
                messages.WARNING,
            )
