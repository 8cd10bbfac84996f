"""The user's own reminders page: their notifications and the switch for the daily digest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from reminders import inbox
from units.people import cadre_of


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notifications, newest first, marked read as they are shown."""
    page, unread = inbox.notifications_page(user=request.user, number=request.GET.get("page"))
    return render(
        request,
        "reminders/mine.html",
        {
            "page": page,
            "unread": set(unread),
            "muted": inbox.is_muted(user=request.user),
            "is_cadre": cadre_of(request.user) is not None,
        },
    )


@login_required
@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    """Mute (``muted=1``) or unmute (``muted=0``) the daily reminders, then back to the page."""
    muted = request.POST.get("muted") == "1"
    inbox.set_muted(user=request.user, muted=muted)
    if muted:
        messages.success(request, gettext("Daily reminders are muted."))
    else:
        messages.success(request, gettext("Daily reminders are on again."))
    return redirect("reminders:mine")
