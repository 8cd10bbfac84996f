"""The cadre's needs on the phone: the open ones, and each need's steps and next-step forms."""

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from units.models import Cadre
from units.people import cadre_of, cadre_or_404
from visits import needs
from visits.models import Need, NeedNote, Satisfaction
from visits.offline import conflict, wants_json


def _date_field() -> forms.DateField:
    return forms.DateField(
        label=_("date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text_field(label: Promise, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(forms.Form):
    pass


class ResolveForm(forms.Form):
    what_was_done = _text_field(_("what was done"))
    satisfaction = forms.ChoiceField(
        label=_("household's satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied the household is.")},
    )
    on = _date_field()


class EscalateForm(forms.Form):
    note = _text_field(_("reason for escalating"))
    on = _date_field()


class GiveUpForm(forms.Form):
    reason = _text_field(_("why it cannot be resolved"))
    on = _date_field()


class NoteForm(forms.Form):
    text = _text_field(_("what happened"))
    on = _date_field()


# Each step: its form, the button, and the service call made with the form's data.
STEPS: dict[str, tuple[type[forms.Form], Promise, Callable[..., NeedNote]]] = {
    "start": (StartForm, _("Start handling"), needs.start),
    "resolve": (ResolveForm, _("Close as resolved"), needs.resolve),
    "escalate": (EscalateForm, _("Escalate to the next level"), needs.escalate),
    "give_up": (GiveUpForm, _("Close as cannot be resolved"), needs.give_up),
    "note": (NoteForm, _("Add a note"), needs.add_note),
}
# Where a refusal from the service is shown, by its code; others go above the form.
ERROR_FIELDS = {
    "what_was_done_missing": "what_was_done",
    "satisfaction_missing": "satisfaction",
    "note_missing": "text",
    "future_date": "on",
    "before_raised": "on",
}


def step_form(step: str, data: Any = None) -> forms.Form:
    """The form of ``step``, prefixed so that several on one page keep their own ids."""
    return STEPS[step][0](data, prefix=step)


def step_forms(steps: list[str], bound: forms.Form | None = None) -> list[dict[str, Any]]:
    """Forms for the page: the bound one where it was just sent back with errors."""
    return [
        {
            "step": step,
            "form": bound if bound is not None and bound.prefix == step else step_form(step),
            "button": STEPS[step][1],
        }
        for step in steps
    ]


def success_message(step: str, need: Need) -> str:
    if step == "escalate":
        return gettext("The need was escalated to %(level)s.") % {"level": need.get_level_display()}
    return {
        "start": gettext("Handling started."),
        "resolve": gettext("The need is resolved."),
        "give_up": gettext("The need is closed as cannot be resolved."),
        "note": gettext("The note was added."),
    }[step]


def run_step(
    *,
    step: str,
    need: Need,
    by: AbstractBaseUser,
    form: forms.Form,
    client_key: uuid.UUID | None = None,
) -> bool:
    """Take ``step`` with the valid ``form``'s data, once per ``client_key``; on refusal put
    the reason on the form."""
    data = dict(form.cleaned_data)
    data.setdefault("on", timezone.localdate())
    try:
        needs.step_once(STEPS[step][2], need=need, by=by, client_key=client_key, **data)
    except ValidationError as error:
        field = ERROR_FIELDS.get(error.code or "")
        form.add_error(field if field in form.fields else None, error)
        return False
    return True


def _own_need(request: HttpRequest, pk: int) -> tuple[Cadre, Need]:
    cadre = cadre_or_404(request.user)
    needs_of_cadre = Need.objects.filter(cadre=cadre).select_related("household__village__township")
    return cadre, get_object_or_404(needs_of_cadre, pk=pk)


@login_required
def my_needs(request: HttpRequest) -> HttpResponse:
    """The cadre's open needs: their own first, overdue ones on top; then those escalated."""
    cadre = cadre_of(request.user)
    if cadre is None:
        return render(request, "shuanglian/no_role.html", status=403)
    today = timezone.localdate()
    open_needs = (
        Need.objects.open()
        .filter(cadre=cadre)
        .with_lateness(today)
        .select_related("household__village__township")
        .order_by("-is_late", "progressed_on", "raised_on", "pk")
    )
    own, escalated = [], []
    for need in open_needs:
        (own if need.level == Need.Level.CADRE else escalated).append(need)
    return render(
        request,
        "visits/needs/my_needs.html",
        {"cadre": cadre, "needs": own, "escalated": escalated, "today": today},
    )


def _need_page(
    request: HttpRequest, cadre: Cadre, need: Need, bound: forms.Form | None = None
) -> HttpResponse:
    notes = need.notes.select_related("author__cadre").order_by("noted_on", "created_at", "pk")
    context = {
        "cadre": cadre,
        "need": need,
        "notes": notes,
        "steps": step_forms(needs.cadre_steps(need), bound),
        "is_late": need.is_late_on(),
    }
    return render(request, "visits/needs/need.html", context)


@login_required
def need(request: HttpRequest, pk: int) -> HttpResponse:
    """A need of the cadre's: details, the dated steps, and forms for the next steps."""
    cadre, need = _own_need(request, pk)
    return _need_page(request, cadre, need)


def _client_key(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("client_key", ""))
    except ValueError:
        return None


def _done(request: HttpRequest, step: str, need: Need) -> HttpResponse:
    messages.success(request, success_message(step, need))
    url = reverse("visits:need", args=[need.pk])
    if wants_json(request):
        return JsonResponse({"url": url})
    return redirect(url)


@login_required
@require_POST
def need_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one step on a need of the cadre's, once per submission key; the page again with
    the reason if refused. A step sent from the phone's queue gets its answer as JSON: 409
    with the reason when the need moved on meanwhile."""
    try:
        cadre, need = _own_need(request, pk)
    except Http404:
        if not wants_json(request):
            raise
        return conflict(gettext("This need is no longer yours; the step was not recorded."))
    step = request.POST.get("step", "")
    client_key = _client_key(request)
    if step in STEPS and client_key and needs.sent_before(client_key, need=need):
        return _done(request, step, need)
    if step not in needs.cadre_steps(need):
        message = (
            gettext("This need is closed and cannot be changed.")
            if not need.is_open
            else gettext("This step cannot be taken on this need now.")
        )
        if wants_json(request):
            return conflict(message)
        messages.error(request, message)
        return redirect("visits:need", need.pk)
    form = step_form(step, request.POST)
    if form.is_valid() and run_step(
        step=step, need=need, by=request.user, form=form, client_key=client_key
    ):
        return _done(request, step, need)
    if wants_json(request):
        errors = form.errors.get_json_data()
        closed = any(e["code"] == "need_closed" for e in errors.get("__all__", []))
        if closed:
            return conflict(gettext("This need is closed and cannot be changed."))
        return JsonResponse({"errors": errors}, status=400)
    need.refresh_from_db()
    return _need_page(request, cadre, need, bound=form)
