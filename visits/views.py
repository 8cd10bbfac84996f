"""The cadre's pages: their households, a household, and logging a visit."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from units.people import cadre_of, cadre_or_404
from visits.forms import NeedFormSet, VisitForm, raised_needs
from visits.models import Need, Visit, VisitPhoto
from visits.offline import conflict, wants_json
from visits.photos import photo_response
from visits.schedule import (
    due_by_sunday,
    households_due,
    interval_days,
    needs_by_deadline,
    scheduled,
)
from visits.visits import households_of, record_visit

# A household's page lists this many visits, newest first; the page stays small on a phone.
HISTORY_LENGTH = 50


@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    """The cadre's households, those due for a visit first; above them, this week's work:
    the households due by Sunday and the needs overdue or near their deadline."""
    cadre = cadre_of(request.user)
    if cadre is None:
        return render(request, "shuanglian/no_role.html", status=403)
    today = timezone.localdate()
    rows = households_due(cadre=cadre, today=today)
    return render(
        request,
        "visits/my_households.html",
        {
            "cadre": cadre,
            "rows": rows,
            "week_households": due_by_sunday(rows, today=today),
            "week_needs": needs_by_deadline(cadre=cadre, today=today),
        },
    )


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the cadre's households: details, visit history and needs."""
    cadre = cadre_or_404(request.user)
    household = get_object_or_404(
        households_of(cadre)
        .select_related("village__township")
        .annotate(last_contact_on=Visit.objects.last_date_subquery(OuterRef("pk"))),
        pk=pk,
    )
    visits = list(
        household.visits.select_related("cadre")
        .prefetch_related("needs", "photos")
        .order_by("-visited_on", "-pk")[: HISTORY_LENGTH + 1]
    )
    needs = list(Need.objects.filter(household=household).order_by("-raised_on", "-pk"))
    place = scheduled(
        household=household,
        last_contact_on=household.last_contact_on,
        open_needs=sum(need.is_open for need in needs),
        today=timezone.localdate(),
        intervals=interval_days(),
    )
    return render(
        request,
        "visits/household.html",
        {
            "cadre": cadre,
            "household": household,
            "visits": visits[:HISTORY_LENGTH],
            "more_visits": len(visits) > HISTORY_LENGTH,
            "needs": needs,
            "schedule": place,
        },
    )


@login_required
def log_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit form; a submission is stored once per key, then back to the household. A visit
    sent from the phone's queue for a household no longer the cadre's gets 409 and the reason."""
    cadre = cadre_or_404(request.user)
    try:
        household = get_object_or_404(
            households_of(cadre).select_related("village__township"), pk=pk
        )
    except Http404:
        if request.method == "POST" and wants_json(request):
            return conflict(
                gettext("This household is no longer linked to you; the visit was not recorded.")
            )
        raise
    form = VisitForm(request.POST or None, request.FILES or None)
    needs = NeedFormSet(request.POST or None, prefix="needs")
    # Both validated, so a page sent back shows every mistake at once.
    valid = request.method == "POST" and all([form.is_valid(), needs.is_valid()])
    if valid:
        data = form.cleaned_data
        try:
            visit, created = record_visit(
                cadre=cadre,
                household=household,
                visited_on=data["visited_on"],
                method=data["method"],
                outcome=data["outcome"],
                summary=data["summary"],
                tasks=data["tasks"],
                satisfaction=data["satisfaction"],
                needs=raised_needs(needs),
                client_key=data["client_key"],
                photos=data["photos"],
                photo_times=form.photo_times(),
                position=form.position(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _recorded_message(visit, created=created))
            url = reverse("visits:household", args=[household.pk])
            if wants_json(request):
                return JsonResponse(
                    {"visit": visit.pk, "created": created, "url": url},
                    status=201 if created else 200,
                )
            return redirect(url)
    if request.method == "POST" and wants_json(request):
        errors = {
            **form.errors.get_json_data(),
            "needs": [row.errors.get_json_data() for row in needs],
        }
        return JsonResponse({"errors": errors}, status=400)
    return render(
        request,
        "visits/visit_form.html",
        {
            "household": household,
            "form": form,
            "needs": needs,
            "met": Visit.Outcome.MET,
            "photos_max": settings.VISIT_PHOTOS_MAX,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def household_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of a visit to one of the cadre's households; media is not served publicly."""
    cadre = cadre_or_404(request.user)
    household = get_object_or_404(households_of(cadre).only("pk"), pk=pk)
    photo = get_object_or_404(VisitPhoto.objects.filter(visit__household=household), pk=photo_pk)
    return photo_response(photo)


def _recorded_message(visit: Visit, *, created: bool) -> str:
    if not created:
        return gettext("This visit was already recorded.")
    if visit.outcome != Visit.Outcome.MET:
        return gettext("Recorded: %(outcome)s. It is not counted as a visit.") % {
            "outcome": visit.get_outcome_display()
        }
    count = visit.needs.count()
    if count:
        return gettext("Visit recorded, with needs: %(count)s.") % {"count": count}
    return gettext("Visit recorded.")
