"""What a cadre's phone keeps for working without a signal: which pages, under whose key."""

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac

from units.people import cadre_of
from villages.models import Household
from visits.models import Need
from visits.visits import households_of

# The app shell the service worker keeps from its install on: what every cadre page loads.
SHELL_FILES = (
    "css/site.css",
    "js/offline_queue.js",
    "js/offline.js",
    "js/visit_draft.js",
    "js/visit_photos.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)
WORKER_TEMPLATE = Path(__file__).parent / "templates/visits/offline/sw.js"


def user_key(user: Any) -> str:
    """A key for the signed-in account that names its caches on the phone; not its id."""
    return salted_hmac("visits.offline.user", str(user.pk)).hexdigest()[:20]


@cache
def shell_version() -> str:
    """Changes whenever a file of the shell (or the worker's template) changes, so that the
    browser installs the new worker and drops the old caches."""
    digest = hashlib.sha256(WORKER_TEMPLATE.read_bytes())
    for name in SHELL_FILES:
        digest.update(Path(finders.find(name)).read_bytes())
    return digest.hexdigest()[:16]


def offline_pages(*, user: Any) -> list[str]:
    """The pages of ``user``'s own work that the phone keeps: their households, each household
    and its visit form, their open needs and each of them; nothing for anyone else."""
    cadre = cadre_of(user)
    if cadre is None:
        return []
    households = (
        households_of(cadre)
        .filter(pk__in=Household.objects.visible_to(user).values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    needs = (
        Need.objects.open()
        .filter(cadre=cadre)
        .filter(pk__in=Need.objects.visible_to(user).values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pages = [reverse("visits:my_households"), reverse("visits:my_needs")]
    for pk in households:
        pages += [reverse("visits:household", args=[pk]), reverse("visits:log_visit", args=[pk])]
    pages += [reverse("visits:need", args=[pk]) for pk in needs]
    return pages


def wants_json(request: HttpRequest) -> bool:
    """Sent by page script (the queue, or a form sent with fetch), which reads JSON answers."""
    return request.headers.get("Accept", "").startswith("application/json")


def conflict(message: str) -> JsonResponse:
    """A record from the phone that cannot be stored any more, with the reason to show."""
    return JsonResponse({"message": message}, status=409)
