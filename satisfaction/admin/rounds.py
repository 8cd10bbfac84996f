"""Admin of survey rounds: opened, drawn, started and closed through the services, step by step,
with their questions while being prepared and their results page."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.paginators import LIST_PER_PAGE
from projects.admin.forms import ServiceSaveMixin, StepForm
from projects.admin.steps import Step, StepPagesMixin
from satisfaction import rules
from satisfaction.admin.results import HEADERS, cells, results_response, results_rows
from satisfaction.draw import draw_sample
from satisfaction.interviewers import assign_interviewers
from satisfaction.models import Question, Round
from satisfaction.results import compute_results
from satisfaction.rounds import change_round, close_round, open_round, start_round
from units.models import Cadre, Unit

Status = Round.Status


def _runs(user: Any, round: Round) -> bool:
    return rules.may_run(user, round.area)


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "text", "topic"]
    extra = 0

    def _editable(self, request: HttpRequest, obj: Round | None) -> bool:
        return obj is not None and obj.status == Status.DRAFT and _runs(request.user, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class DrawForm(StepForm):
    seed = forms.IntegerField(
        label=_("random seed"),
        required=False,
        min_value=0,
        help_text=_("Leave empty for a new random draw; give a recorded seed to repeat one."),
    )


class StaffForm(StepForm):
    unit = forms.ModelChoiceField(
        label=_("interviewers from the unit"), queryset=Unit.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(self.user).order_by("name")


class ConfirmForm(StepForm):
    pass


def _draw(round: Round, user: Any, data: dict) -> Round:
    return draw_sample(round=round, by=user, seed=data.get("seed"))


def _staff(round: Round, user: Any, data: dict) -> int:
    pool = Cadre.objects.filter(unit=data["unit"])
    return assign_interviewers(round=round, by=user, pool=pool)


@admin.register(Round)
class RoundAdmin(ServiceSaveMixin, StepPagesMixin, admin.ModelAdmin):
    change_form_template = "admin/satisfaction/round/change_form.html"
    list_display = ["name", "area_name", "status", "starts_on", "ends_on", "seed"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_select_related = ["county", "township"]
    list_per_page = LIST_PER_PAGE
    inlines = [QuestionInline]
    fields = [
        "name",
        "county",
        "township",
        "starts_on",
        "ends_on",
        "per_village",
        "share",
        "reserve_per_village",
        "max_tries",
        "least_interviews",
        "status",
        "seed",
        "drawn_at",
        "opened_at",
        "closed_at",
    ]
    readonly_fields = ["status", "seed", "drawn_at", "opened_at", "closed_at"]
    steps = {
        "draw": Step(
            "draw",
            _("Draw the sample"),
            DrawForm,
            ready=lambda round: round.status == Status.DRAFT,
            may=lambda user, round: _runs(user, round),
            run=_draw,
            done=lambda round: gettext("The sample has been drawn."),
        ),
        "staff": Step(
            "staff",
            _("Assign interviewers"),
            StaffForm,
            ready=lambda round: round.status != Status.CLOSED and round.drawn_at is not None,
            may=lambda user, round: _runs(user, round),
            run=_staff,
            done=lambda round: gettext("Interviewers assigned where the rule allows."),
        ),
        "start": Step(
            "start",
            _("Start interviewing"),
            ConfirmForm,
            ready=lambda round: round.status == Status.DRAFT and round.drawn_at is not None,
            may=lambda user, round: _runs(user, round),
            run=lambda round, user, data: start_round(round=round, by=user),
            done=lambda round: gettext("The round is interviewing."),
        ),
        "refresh": Step(
            "refresh",
            _("Count the results again"),
            ConfirmForm,
            ready=lambda round: round.status == Status.OPEN,
            may=lambda user, round: _runs(user, round),
            run=lambda round, user, data: compute_results(round=round, by=user),
            done=lambda round: gettext("The results have been counted again."),
        ),
        "close": Step(
            "close",
            _("Close the round"),
            ConfirmForm,
            ready=lambda round: round.status == Status.OPEN,
            may=lambda user, round: _runs(user, round),
            run=lambda round, user, data: close_round(round=round, by=user),
            done=lambda round: gettext("The round is closed; its results are final."),
        ),
    }

    @admin.display(description=_("area"))
    def area_name(self, obj: Round) -> str:
        return obj.area.name if obj.area is not None else gettext("the whole city")

    def get_inlines(self, request: HttpRequest, obj: Round | None) -> list:
        # A new round gets the campaign's questions; they are changed on its page.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "county", "township"]

    def get_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        return self.fields if obj is not None else self.fields[:10]

    def has_change_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        if obj is not None and (obj.status != Status.DRAFT or not _runs(request.user, obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Round, form: Any, change: bool) -> None:
        if change:
            self.through_service(lambda: change_round(round=obj, by=request.user))
            return
        opened = self.through_service(
            lambda: open_round(
                name=obj.name,
                area=obj.township or obj.county,
                starts_on=obj.starts_on,
                ends_on=obj.ends_on,
                per_village=obj.per_village,
                share=obj.share,
                reserve_per_village=obj.reserve_per_village,
                max_tries=obj.max_tries,
                least_interviews=obj.least_interviews,
                by=request.user,
            )
        )
        obj.__dict__.update(opened.__dict__)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/results/", view(self.results_view), name="satisfaction_round_results"),
            path(
                "<int:pk>/results.xlsx",
                view(self.results_export),
                name="satisfaction_round_results_export",
            ),
            *super().get_urls(),
        ]

    def _round(self, request: HttpRequest, pk: int) -> Round:
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def results_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        round = self._round(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Results of %(round)s") % {"round": round.name},
            "object": round,
            "headers": [label for _key, label in HEADERS],
            "rows": [(row, cells(row)) for row in results_rows(round, request.user)],
            "export_url": reverse("admin:satisfaction_round_results_export", args=[round.pk]),
        }
        return TemplateResponse(request, "admin/satisfaction/round/results.html", context)

    def results_export(self, request: HttpRequest, pk: int) -> HttpResponse:
        return results_response(self._round(request, pk), request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        # Django answers a key that is not a round's itself; only a real one has results.
        if object_id.isdigit():
            results = reverse("admin:satisfaction_round_results", args=[object_id])
            link = format_html('<a href="{}">{}</a>', results, gettext("Results"))
            extra_context["results_link"] = link
        return super().change_view(request, object_id, form_url, extra_context)
