"""村情民意 pages for the members of a village's work groups, on their phones."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from units.models import VillageSurvey
from units.people import cadre_of, cadre_or_404
from units.surveys import FIRST_YEAR, save_survey, with_survey_of, work_group_villages


class SurveyForm(forms.ModelForm):
    class Meta:
        model = VillageSurvey
        fields = list(VillageSurvey.ANSWER_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


@login_required
def my_villages(request: HttpRequest) -> HttpResponse:
    """The cadre's work-group villages, each with whether this year's survey is written."""
    cadre = cadre_of(request.user)
    if cadre is None:
        return render(request, "shuanglian/no_role.html", status=403)
    year = timezone.localdate().year
    villages = with_survey_of(work_group_villages(cadre), year=year)
    villages = villages.select_related("township").order_by("township__name", "name", "pk")
    return render(request, "units/survey_list.html", {"villages": villages, "year": year})


@login_required
def village_survey(request: HttpRequest, pk: int, year: int | None = None) -> HttpResponse:
    """Write or correct the village's survey for a year (this year unless one is named)."""
    cadre = cadre_or_404(request.user)
    village = get_object_or_404(work_group_villages(cadre).select_related("township"), pk=pk)
    this_year = timezone.localdate().year
    year = this_year if year is None else year
    if not FIRST_YEAR <= year <= this_year:
        raise Http404
    surveys = {
        survey.year: survey
        for survey in VillageSurvey.objects.filter(village=village).select_related("recorded_by")
    }
    survey = surveys.get(year)
    form = SurveyForm(request.POST if request.method == "POST" else None, instance=survey)
    if form.is_valid():
        save_survey(village=village, year=year, cadre=cadre, answers=form.cleaned_data)
        message = gettext("The %(year)s survey of %(village)s is saved.")
        messages.success(request, message % {"year": year, "village": village.name})
        return redirect("units:my_villages")
    context = {
        "village": village,
        "year": year,
        "survey": survey,
        "form": form,
        "other_years": sorted((y for y in surveys if y != year), reverse=True),
        "this_year": this_year,
    }
    return render(request, "units/survey_form.html", context)
