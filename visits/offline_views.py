"""The cadre's pages as an app for the phone: its manifest, its service worker, and the list
of pages the worker keeps for working without a signal."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from visits.offline import SHELL_FILES, offline_pages, shell_version, user_key

THEME_COLOUR = "#b3131b"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker, at the top of the cadre pages so that its scope is ``/me/``; never cached by
    the browser's HTTP cache, so that a new version is found at the next page load."""
    response = render(
        request,
        "visits/offline/sw.js",
        {
            "config": json.dumps(
                {
                    "version": shell_version(),
                    "shell": [static(name) for name in SHELL_FILES],
                    "queue_script": static("js/offline_queue.js"),
                    "pages_url": reverse("visits:offline_pages"),
                    "scope": reverse("visits:my_households"),
                    "not_kept": render_to_string("visits/offline/not_kept.html", request=request),
                },
                ensure_ascii=False,
            ).replace("<", "\\u003c")
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("visits:my_households")
    add_never_cache_headers(response)
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """What the phone needs to put the cadre pages on its home screen."""
    home = reverse("visits:my_households")
    response = JsonResponse(
        {
            "name": gettext("Shuanglian Shuangchuang · Visits"),
            "short_name": gettext("Shuanglian visits"),
            "start_url": home,
            "scope": home,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOUR,
            "lang": request.LANGUAGE_CODE,
            "icons": [
                {
                    "src": static(f"img/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    return response


@require_GET
def pages(request: HttpRequest) -> JsonResponse:
    """The signed-in cadre's pages to keep on the phone, whose key they are kept under, and a
    fresh CSRF token for sending what was recorded without a signal."""
    if not request.user.is_authenticated:
        # Asked for in the background: a redirect would render the sign-in page and set a new
        # CSRF cookie under the form the cadre is filling in there, which then fails.
        return JsonResponse({"signed_in": False}, status=401)
    response = JsonResponse(
        {
            "user": user_key(request.user),
            "csrf": get_token(request),
            "pages": offline_pages(user=request.user),
            "at": timezone.now().isoformat(),
        }
    )
    add_never_cache_headers(response)
    return response
