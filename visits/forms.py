"""The visit form cadres fill in on their phones."""

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.six_tasks import SIX_TASKS
from visits.locations import Position, position_from
from visits.models import Need, Satisfaction, Visit
from visits.visits import RaisedNeed


def _label(model: type, field: str) -> str:
    return model._meta.get_field(field).verbose_name


class PhotoInput(forms.ClearableFileInput):
    """The phone's camera, several photos at once; the page script shrinks them before sending."""

    allow_multiple_selected = True
    template_name = "django/forms/widgets/file.html"


class PhotosField(forms.FileField):
    """Any number of files as a list; the photo service decides what is an image."""

    widget = PhotoInput

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


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
    photos = PhotosField(
        label=_("Photos of the visit"),
        required=False,
        widget=PhotoInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "photo-input"}
        ),
    )
    # The time each photo was taken, as the phone read it before shrinking, in the same order.
    photo_taken_at = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    location_consent = forms.BooleanField(label=_("Record my current location"), required=False)
    latitude = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    client_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {})
        # Made here for browsers without scripts; the page script keeps one per draft.
        kwargs["initial"] = {"visited_on": today, "client_key": uuid.uuid4(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].widget.attrs["max"] = today.isoformat()
        self.fields["photos"].help_text = gettext(
            "Up to %(count)s photos; they are made smaller on the phone before they are sent."
        ) % {"count": settings.VISIT_PHOTOS_MAX}
        self.fields["photos"].widget.attrs["data-max"] = settings.VISIT_PHOTOS_MAX

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
        if len(cleaned.get("photos") or []) > settings.VISIT_PHOTOS_MAX:
            self.add_error(
                "photos",
                gettext("A visit has at most %(count)s photos.")
                % {"count": settings.VISIT_PHOTOS_MAX},
            )
        try:
            cleaned["position"] = position_from(
                consent=bool(cleaned.get("location_consent")),
                latitude=cleaned.get("latitude", ""),
                longitude=cleaned.get("longitude", ""),
                accuracy=cleaned.get("accuracy", ""),
            )
        except forms.ValidationError as error:
            self.add_error("location_consent", error)
        return cleaned

    def photo_times(self) -> list[str]:
        times = self.cleaned_data.get("photo_taken_at") or []
        return [str(time)[:40] for time in times]

    def position(self) -> Position | None:
        return self.cleaned_data.get("position")


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
