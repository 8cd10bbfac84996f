from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from units.models import Cadre, HouseholdAssignment
from visits.models import Visit


@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    """The cadre's households, with the latest visit of each."""
    cadre = Cadre.objects.filter(user=request.user).select_related("unit").first()
    assignments = (
        HouseholdAssignment.objects.active()
        .filter(cadre=cadre)
        .annotate(last_visited_on=Visit.objects.last_date_subquery(OuterRef("household")))
        .select_related("household__village__township")
        .order_by("household__village__name", "household__head_name")
        if cadre
        else HouseholdAssignment.objects.none()
    )
    return render(
        request,
        "visits/my_households.html",
        {"cadre": cadre, "assignments": assignments},
    )
