"""Forms for the units admin."""

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.assignments import OVER_MAXIMUM_LABEL
from units.models import Cadre
from units.photos import prepare_photo
from units.rules import may_edit_unit


def over_maximum_field() -> forms.BooleanField:
    """The tick box that lets a coordinator give a cadre more households than the maximum."""
    return forms.BooleanField(
        label=OVER_MAXIMUM_LABEL,
        required=False,
        help_text=_(
            "Only when a cadre must link more households than the maximum per cadre; "
            "recorded in the audit trail."
        ),
    )


class _StoredPhoto:
    """The stored photo as the widget shows it: through the staff-only photo view."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return str(_("current photo"))


class PhotoInput(AdminFileWidget):
    """The admin file input, showing the current photo instead of a link to its file."""

    template_name = "units/widgets/photo_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"accept": "image/*", **(attrs or {})})
        self.cadre_pk: int | None = None

    def format_value(self, value: Any) -> Any:
        # Media files are not served publicly; the photo view checks permissions.
        if value and self.cadre_pk and not isinstance(value, UploadedFile):
            # The file name changes with every upload, so browsers never show a stale photo.
            url = reverse("units:cadre_photo", args=[self.cadre_pk])
            return _StoredPhoto(f"{url}?v={quote(value.name)}")
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["value"] = self.format_value(value)
        context["widget"]["is_initial"] = isinstance(context["widget"]["value"], _StoredPhoto)
        return context


class CadreForm(forms.ModelForm):
    class Meta:
        model = Cadre
        fields = [
            "unit",
            "name",
            "position",
            "phone",
            "photo",
            "is_party_member",
            "in_service",
            "user",
        ]
        # A plain file field: the photo service decides what is an image, with its own messages.
        field_classes = {"photo": forms.FileField}
        widgets = {"photo": PhotoInput}

    acting_user: Any = None  # set by the admin for each request

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "photo" in self.fields:
            self.fields["photo"].widget.cadre_pk = self.instance.pk if self.instance.photo else None

    def clean_unit(self) -> Any:
        unit = self.cleaned_data.get("unit")
        acting = self.acting_user
        if unit is not None and acting is not None and not may_edit_unit(acting, unit):
            raise forms.ValidationError(
                gettext(
                    "Only the coordinators who keep %(unit)s, or its liaison, change its cadres."
                )
                % {"unit": unit.name},
                code="not_your_unit",
            )
        return unit

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return prepare_photo(photo)
        return photo
