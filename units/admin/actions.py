"""Helpers for admin actions that open a page of their own."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def redirect_to_one(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    url_name: str,
    refusal: str,
) -> HttpResponse | None:
    """An action that works on one object: open its page, or say to choose exactly one."""
    chosen = list(queryset.values_list("pk", flat=True)[:2])
    if len(chosen) != 1:
        model_admin.message_user(request, refusal, messages.WARNING)
        return None
    return redirect(with_list_filters(request, reverse(url_name, args=[chosen[0]])))


def with_list_filters(request: HttpRequest, url: str) -> str:
    """``url`` carrying the search and filters of the list an action was chosen on (the
    action posts to the list's own address), for the page it opens to return to."""
    filters = request.GET.urlencode()
    if not filters:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'_changelist_filters': filters})}"
