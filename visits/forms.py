"""The visit form cadres fill in on their phones."""

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.six_tasks import SIX_TASKS
from visits.models import Need, Satisfaction, Visit
from visits.visits import RaisedNeed


def _label(model: type, field: str) -> str:
    return model._meta.get_field(field).verbose_name


class VisitForm(forms.Form):
    label_suffix = ""

    visited_on = forms.DateField(
        label=_label(Visit, "visited_on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    method = forms.ChoiceField(
        label=_label(Visit, "method"),
        choices=Visit.Method.choices,
        initial=Visit.Method.HOME,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_label(Visit, "outcome"),
        choices=Visit.Outcome.choices,
        initial=Visit.Outcome.MET,
        widget=forms.RadioSelect,
        help_text=_(
            "Only a visit that met the head or the family counts as a visit. Other outcomes "
            "are recorded but not counted as a visit."
        ),
    )
    summary = forms.CharField(
        label=_label(Visit, "summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you met the head or the family."),
    )
    tasks = forms.MultipleChoiceField(
        label=_("Six tasks"),
        choices=SIX_TASKS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown task: %(value)s.")},
    )
    satisfaction = forms.ChoiceField(
        label=_label(Visit, "satisfaction"),
        choices=[("", _("not asked")), *Satisfaction.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    client_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {})
        # Made here for browsers without scripts; the page script keeps one per draft.
        kwargs["initial"] = {"visited_on": today, "client_key": uuid.uuid4(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].widget.attrs["max"] = today.isoformat()

    def clean_visited_on(self) -> Any:
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > timezone.localdate():
            raise forms.ValidationError(gettext("The visit date cannot be in the future."))
        return visited_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        met = cleaned.get("outcome") == Visit.Outcome.MET
        if met and not cleaned.get("summary", "").strip():
            self.add_error("summary", gettext("Say what was discussed with the household."))
        return cleaned


class NeedForm(forms.Form):
    label_suffix = ""

    category = forms.ChoiceField(
        label=_label(Need, "category"),
        choices=[("", "---------"), *Need.Category.choices],
        required=False,
    )
    description = forms.CharField(
        label=_label(Need, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        category, description = cleaned.get("category"), cleaned.get("description", "").strip()
        if description and not category:
            self.add_error("category", gettext("Choose the kind of need."))
        if category and not description:
            self.add_error("description", gettext("Describe the need."))
        return cleaned


# Three empty rows work without scripts; the page script shows one and adds more on demand.
NeedFormSet = forms.formset_factory(
    NeedForm, extra=3, max_num=10, validate_max=True, absolute_max=10
)


def raised_needs(formset: forms.BaseFormSet) -> list[RaisedNeed]:
    """The filled-in rows of a valid need formset."""
    return [
        RaisedNeed(
            category=form.cleaned_data["category"],
            description=form.cleaned_data["description"].strip(),
        )
        for form in formset
        if form.cleaned_data.get("category")
    ]
