"""Forms of the projects admin: the change forms saved through the services, and one small form
per step of a project or an allocation."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects.models import FundPool, Project
from visits.models import Need, Satisfaction


def refusal_message(error: PermissionDenied) -> str:
    return str(error) or gettext("You may not take this step.")


def add_refusal(form: forms.BaseForm, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on ``form``: on the field it names, or above the form."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, refusal_message(error))
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, error)


class _Refused(Exception):
    """A service refused a change form's save; the page is drawn again with the reason."""

    def __init__(self, error: ValidationError | PermissionDenied) -> None:
        super().__init__(error)
        self.error = error


class _ShowsRefusal:
    """Mixed into a change form drawn again after a refusal: it fails with the reason."""

    service_refusal: ValidationError | PermissionDenied

    def clean(self) -> Any:
        cleaned = super().clean()
        add_refusal(self, self.service_refusal)
        return cleaned


class ServiceSaveMixin:
    """A change form saved by a service (``save_model`` calls ``through_service``).

    A refusal comes after the form has validated, inside the admin's transaction: it rolls
    the transaction back, and the page is drawn again with the refusal on the form, so that the
    user sees the service's own message and nothing is written.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class
        return type(form_class.__name__, (_ShowsRefusal, form_class), {"service_refusal": refusal})

    def through_service(self, call: Callable[[], Model]) -> Model:
        try:
            return call()
        except (ValidationError, PermissionDenied) as error:
            raise _Refused(error) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


class ActivityForm(forms.ModelForm):
    photos = MultipleFileField(
        label=_("add photos"),
        required=False,
        help_text=_("Up to nine photos per activity; JPEG, PNG, WebP, GIF or BMP."),
    )


# --- steps -------------------------------------------------------------------------------------


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, initial=timezone.localdate, widget=AdminDateWidget)


def _text_field(label: str, *, required: bool = False) -> forms.CharField:
    # Left optional where the service asks for the text itself, with its own message.
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )


class StepForm(forms.Form):
    """A step's form; ``obj`` is the project or allocation, ``user`` who takes the step."""

    def __init__(
        self, data: Any = None, files: Any = None, *, obj: Model, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(data, files, **kwargs)
        self.obj = obj
        self.user = user
        # Labels read as the change forms' do ("Date:", not "date:"); model fields get this
        # from Django, plain form fields do not.
        for field in self.fields.values():
            field.label = capfirst(field.label)


class DateStepForm(StepForm):
    on = _date_field(_("date"))


class AcceptForm(StepForm):
    note = _text_field(_("acceptance opinion"))


class ApplyForm(StepForm):
    pool = forms.ModelChoiceField(label=_("fund pool"), queryset=FundPool.objects.none())
    amount = forms.CharField(label=_("amount (yuan)"), max_length=30)
    purpose = _text_field(_("what the money is for"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project: Project = self.obj
        self.fields["pool"].queryset = FundPool.objects.visible_to(self.user).filter(
            year=project.year
        )
        self.fields["amount"].help_text = gettext(
            "Budget from the pooled funds: %(budget)s yuan, of which %(applied)s applied for."
        ) % {"budget": project.budget_pooled, "applied": project.allocated_total()}


class NoteForm(StepForm):
    text = _text_field(_("progress"))
    on = _date_field(_("date"))
    photo = forms.FileField(
        label=_("photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class ResolveNeedForm(StepForm):
    need = forms.ModelChoiceField(label=_("need"), queryset=Need.objects.none())
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"), choices=[("", "---------"), *Satisfaction.choices]
    )
    on = _date_field(_("date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project: Project = self.obj
        needs = (
            Need.objects.visible_to(self.user)
            .filter(household__village_id=project.village_id)
            .exclude(status__in=[Need.Status.RESOLVED, Need.Status.UNRESOLVABLE])
            .select_related("household__village")
            .order_by("-raised_on", "-pk")
        )
        self.fields["need"].queryset = needs
        self.fields["need"].label_from_instance = lambda need: (
            gettext("%(name)s: %(category)s, %(description)s")
            % {
                "name": need.household.head_name,
                "category": need.get_category_display(),
                "description": need.description[:40],
            }
        )


class ReviewForm(StepForm):
    note = _text_field(_("review opinion"))


class GiveBackForm(StepForm):
    reason = _text_field(_("reason for returning"))


class ConfirmForm(StepForm):
    """A step with nothing to fill in: the page asks for confirmation."""


class DisburseForm(StepForm):
    amount = forms.CharField(label=_("amount (yuan)"), max_length=30)
    paid_on = _date_field(_("paid on"))
    voucher = forms.FileField(
        label=_("voucher"),
        help_text=_("The payment voucher: a PDF file or a photo or scan of the paper voucher."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = self.obj.unpaid
