"""Model fields that normalize what people type before it is validated and stored."""

from typing import Any

from django import forms
from django.db import models

from villages import validators


class _NormalizingFormField(forms.CharField):
    normalize = staticmethod(str)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return self.normalize(text) if text else text


class ResidentIdFormField(_NormalizingFormField):
    normalize = staticmethod(validators.normalize_resident_id)


class PhoneFormField(_NormalizingFormField):
    normalize = staticmethod(validators.normalize_phone)


class ResidentIdField(models.CharField):
    """An 18-character GB 11643-1999 resident ID number, normalized on input."""

    default_validators = [validators.validate_resident_id]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": ResidentIdFormField, **kwargs})


class PhoneField(models.CharField):
    """A mobile number or area-coded landline stored as plain digits."""

    default_validators = [validators.validate_phone]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": PhoneFormField, **kwargs})
