"""Step pages of the projects admin: one small form per step, which calls the step's service.

A step page is about one object the user may see (404 otherwise). Its button is shown only
when the object is at that step and the user's role may take it; the page still answers a
user who may not, saying so, and a POST goes to the service, which refuses with its own
message and writes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext

from projects.admin.forms import StepForm, add_refusal


@dataclass(frozen=True)
class Step:
    name: str
    title: Promise
    form: type[StepForm]
    # Whether the object is at this step now.
    ready: Callable[[Any], bool]
    # Whether the user's role may take it (the service decides again).
    may: Callable[[Any, Any], bool]
    # Calls the service with the form's values.
    run: Callable[[Any, Any, dict[str, Any]], Any]
    # What the user is told after it.
    done: Callable[[Any], str]
    # Forms with files (vouchers, photos) are sent as multipart.
    multipart: bool = False


class StepPagesMixin:
    """Adds ``<pk>/step/<name>/`` (``admin:<app>_<model>_step``) for the ``steps`` of a page."""

    steps: dict[str, Step] = {}

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_step"
        view = self.admin_site.admin_view(self.step_view)
        return [path("<int:pk>/step/<slug:step>/", view, name=name), *super().get_urls()]

    def step_url(self, obj: Model, step: Step) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_step"
        return reverse(name, args=[obj.pk, step.name])

    def step_links(self, request: HttpRequest, obj: Model | None) -> list[tuple[Step, str]]:
        """The steps the user may take on ``obj`` now, with their pages."""
        if obj is None or obj.pk is None:
            return []
        return [
            (step, self.step_url(obj, step))
            for step in self.steps.values()
            if step.ready(obj) and step.may(request.user, obj)
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "step_links": self.step_links(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        found = self.steps.get(step)
        if found is None or not self.has_view_permission(request):
            raise Http404
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        posted = request.method == "POST"
        form = found.form(
            request.POST if posted else None,
            request.FILES if posted else None,
            obj=obj,
            user=request.user,
        )
        if posted and form.is_valid():
            try:
                found.run(obj, request.user, form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                add_refusal(form, error)
            else:
                self.message_user(request, found.done(obj), messages.SUCCESS)
                return redirect(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk
                )
        allowed = found.may(request.user, obj)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{found.title}: {obj}",
            "step": found,
            "object": obj,
            "form": form,
            "allowed": allowed,
            "not_allowed": "" if allowed else gettext("You may not take this step."),
            "not_ready": "" if found.ready(obj) else gettext("This step cannot be taken now."),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/projects/step.html", context)
