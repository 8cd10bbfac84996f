from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(
        label=_("from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=100,
        required=False,
        help_text=_("For example: business trip, training, leave."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day away cannot be before the first."))
        return data
