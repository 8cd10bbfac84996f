"""Who may sign in: lockout after repeated failures, and no sign-in for cadres out of service."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from units.models import Cadre


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page shown instead of the sign-in form while a user and address are locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LockoutBackend(AxesStandaloneBackend):
    """Refuse sign-in to a user and address pair locked out after repeated failures.

    Sign-in pages always pass the request; code that authenticates without one (the shell,
    the test client) has no address to count failures against, so it is not checked.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class InServiceBackend(ModelBackend):
    """Django's own sign-in, refused to cadres no longer in service.

    The check also applies to every request of an open session, at no extra query, so marking
    a cadre out of service ends their sessions at once.
    """

    def user_can_authenticate(self, user: AbstractBaseUser) -> bool:
        return (
            super().user_can_authenticate(user)
            and not Cadre.objects.filter(user=user, in_service=False).exists()
        )

    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        user_model = get_user_model()
        user = (
            user_model._default_manager.filter(pk=user_id).exclude(cadre__in_service=False).first()
        )
        return user if user is not None and super().user_can_authenticate(user) else None
