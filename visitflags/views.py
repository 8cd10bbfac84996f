"""The cadre's page of days away: record them, delete them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from units.people import cadre_of
from visitflags.absences import delete_absence, own_absences, record_absence
from visitflags.forms import AbsenceForm


@login_required
def days_away(request: HttpRequest) -> HttpResponse:
    cadre = cadre_of(request.user)
    if cadre is None:
        return render(request, "shuanglian/no_role.html", status=403)
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_absence(user=request.user, **form.cleaned_data)
        messages.success(request, gettext("Days away recorded."))
        return redirect("visitflags:days_away")
    return render(
        request,
        "visitflags/days_away.html",
        {"cadre": cadre, "form": form, "absences": own_absences(request.user)},
    )


@login_required
def delete_days_away(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(own_absences(request.user), pk=pk)
    if request.method == "POST":
        try:
            delete_absence(user=request.user, absence_id=absence.pk)
        except PermissionDenied:
            raise
        messages.success(request, gettext("Days away deleted."))
        return redirect("visitflags:days_away")
    return render(request, "visitflags/delete_days_away.html", {"absence": absence})
