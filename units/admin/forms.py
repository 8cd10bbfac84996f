"""Helpers for the forms of the units admin."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest


def error_code(error: ValidationError) -> str | None:
    """The code of the (first) refusal, also when it holds a list."""
    return error.error_list[0].code if error.error_list else None


def with_acting_user(form: type, request: HttpRequest) -> type:
    """The form class, knowing who fills it in: its checks depend on the user's role."""
    return type(form.__name__, (form,), {"acting_user": request.user})
