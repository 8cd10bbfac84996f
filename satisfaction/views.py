"""The interviewer's phone pages: the households drawn for them, and one household's form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from satisfaction.forms import REACHED, InterviewForm
from satisfaction.interviews import Outcome, questions_of, record_attempt
from satisfaction.models import Round, Sample
from units.people import cadre_of, cadre_or_404


def _drawn_for(request: HttpRequest) -> QuerySet[Sample]:
    """The households drawn for the signed-in interviewer in rounds interviewing now."""
    return Sample.objects.visible_to(request.user).filter(round__status=Round.Status.OPEN)


@login_required
def my_interviews(request: HttpRequest) -> HttpResponse:
    """The households to interview, those still to be reached first."""
    cadre = cadre_of(request.user)
    if cadre is None:
        return render(request, "shuanglian/no_role.html", status=403)
    samples = (
        _drawn_for(request)
        .select_related("household", "village__township", "round")
        .alias(
            done=Case(
                When(status=Sample.Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("done", "round", "village__name", "draw_order")
    )
    return render(request, "satisfaction/my_interviews.html", {"cadre": cadre, "samples": samples})


def _outcome_message(outcome: Outcome) -> str:
    if outcome.repeated:
        return gettext("This interview was already recorded.")
    if outcome.attempt.reached:
        return gettext("Interview recorded. Thank you.")
    if outcome.reserve_exhausted:
        return gettext(
            "Not reached after the last try. No reserve household is left in this village: "
            "the round's results will show the shortfall."
        )
    if outcome.replaced:
        return gettext(
            "Not reached after the last try: %(name)s from the reserve takes this household's "
            "place in your list."
        ) % {"name": outcome.replacement.household.head_name}
    return gettext("Try recorded: the household was not reached.")


@login_required
def interview(request: HttpRequest, pk: int) -> HttpResponse:
    """One drawn household and the interview form."""
    cadre_or_404(request.user)
    sample = get_object_or_404(
        _drawn_for(request).select_related("household", "village__township", "round"), pk=pk
    )
    questions = questions_of(sample.round)
    form = InterviewForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = record_attempt(
                sample=sample,
                method=data["method"],
                reached=data["reached"] == REACHED,
                note=data["note"],
                answers=form.answers(),
                comment=data["comment"],
                submission_key=data["submission_key"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _outcome_message(outcome))
            return redirect("satisfaction:my_interviews")
    return render(
        request,
        "satisfaction/interview.html",
        {
            "sample": sample,
            "household": sample.household,
            "form": form,
            "attempts": sample.attempts.order_by("at", "pk"),
            "is_pending": sample.status == Sample.Status.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )
