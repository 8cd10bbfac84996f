"""Send a cadre signed in with a one-time password to choose their own before anything else."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from units.models import Cadre

# Decided once, when the user signs in, and kept in the session: pages pay no query for it.
SESSION_KEY = "_must_change_password"

# Pages a cadre may open before changing the password: the change itself and signing out.
ALLOWED_VIEWS = frozenset(
    {
        "password_change",
        "password_change_done",
        "login",
        "logout",
        "set_language",
        "admin:logout",
        "admin:jsi18n",
    }
)


def remember(request: HttpRequest, *, must_change: bool) -> None:
    """Record for this session whether its user still has to change the password."""
    request.session[SESSION_KEY] = {"user": request.user.pk, "must_change": must_change}


def must_change_password(request: HttpRequest) -> bool:
    """What was decided at sign-in for the signed-in user; no query."""
    known = request.session.get(SESSION_KEY)
    return bool(known and known.get("user") == request.user.pk and known["must_change"])


def decide_at_sign_in(request: HttpRequest) -> None:
    needed = Cadre.objects.filter(user=request.user, must_change_password=True).exists()
    remember(request, must_change=needed)


class PasswordChangeRequiredMiddleware:
    """Redirect every page but the password change to it while the password must change.

    The flag can only become true with a new password (a new account, or a reset that ends
    the user's sessions), so every session it applies to begins with a sign-in: the one
    request where it is looked up, whichever sign-in page was used.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        before = request.session.get(USER_SESSION_KEY)
        response = self.get_response(request)
        after = request.session.get(USER_SESSION_KEY)
        if after is not None and after != before and request.user.is_authenticated:
            decide_at_sign_in(request)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        if request.resolver_match and request.resolver_match.view_name in ALLOWED_VIEWS:
            return None
        if not must_change_password(request):
            return None
        return redirect("password_change")
