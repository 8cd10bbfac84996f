"""Sessions: a password that must change first, and the idle and absolute session limits."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from shuanglian.access.passwords import password_expired
from shuanglian.audit.trail import current_request
from units.models import Cadre

# Decided once, when the user signs in, and kept in the session: pages pay no query for it.
SESSION_KEY = "_must_change_password"
# When the session's user signed in, and when the session was last seen to be in use.
SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# Saving the session on every request would cost a write per page; the idle limit only
# needs the session's expiry moved on about once a minute.
SEEN_REFRESH_SECONDS = 60

# Pages a cadre may open before changing the password: the change itself, signing out, and
# what the browser fetches on its own.
ALLOWED_VIEWS = frozenset(
    {
        "password_change",
        "password_change_done",
        "login",
        "logout",
        "set_language",
        "admin:logout",
        "admin:jsi18n",
        "favicon",
    }
)


def remember(request: HttpRequest, *, must_change: bool, expired: bool = False) -> None:
    """Record for this session whether its user still has to change the password."""
    request.session[SESSION_KEY] = {
        "user": request.user.pk,
        "must_change": must_change,
        "expired": expired,
    }


def must_change_password(request: HttpRequest) -> bool:
    """What was decided at sign-in for the signed-in user; no query."""
    known = request.session.get(SESSION_KEY)
    return bool(known and known.get("user") == request.user.pk and known["must_change"])


def password_expired_for(request: HttpRequest) -> bool:
    """Whether the password must change because of its age, as decided at sign-in; no query."""
    known = request.session.get(SESSION_KEY)
    return bool(must_change_password(request) and known.get("expired"))


def decide_at_sign_in(request: HttpRequest) -> None:
    one_time = Cadre.objects.filter(user=request.user, must_change_password=True).exists()
    expired = not one_time and password_expired(user=request.user)
    remember(request, must_change=one_time or expired, expired=expired)
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


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


class PrivatePagesMiddleware:
    """Keep signed-in pages out of browser and proxy caches, and let audit events see the request.

    Every signed-in page may carry personal data (households, phones, rosters, exports).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class SessionLifetimeMiddleware:
    """End a session idle for SESSION_IDLE_MINUTES, or SESSION_MAX_HOURS after its sign-in.

    Every sign-in through a page records both times (see ``decide_at_sign_in``); the session's
    expiry, which the cookie and the session store enforce too, moves on while it is in use.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in_at = request.session.get(SIGNED_IN_AT)
        if signed_in_at is not None and request.user.is_authenticated:
            now = time.time()
            seen_at = request.session.get(SEEN_AT, signed_in_at)
            if (
                now - signed_in_at > settings.SESSION_MAX_HOURS * 3600
                or now - seen_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - seen_at > SEEN_REFRESH_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)
