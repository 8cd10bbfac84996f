"""Searching by resident ID and phone digits: who may, how often, and the record of each search.

Lists show resident IDs and phones masked to roles without the full-data right, so a search
that matched part of a number would give back, one probe at a time, what the mask hides. The
rule, for every list, autocomplete and export whose search reaches such a number:

- a term without digits searches by name, as before, for everyone;
- roles with the full-data right may search by any digits (an ID's last digits, part of a
  phone number);
- other roles may search by digits only with one complete, valid 18-character resident ID or
  one complete phone number, matched exactly; any other term with digits (part of a number,
  or a name with digits) is refused with a message and finds nothing;
- every search with digits, allowed or refused, is recorded in the audit trail (the term
  masked as the lists mask numbers) and counts towards a limit per user, for every role; so
  does a form's answer that a resident ID it was given already exists.

The limit is counted from the audit trail itself: the web workers share no cache, and they are
recycled now and then, so a count kept in memory would be per worker and would not last.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from shuanglian.access.scope import scope_of
from shuanglian.audit import trail
from shuanglian.models import AuditEvent
from units.models import HouseholdRecordQuerySet
from villages.fields import PhoneField, ResidentIdField
from villages.models import Household
from villages.search import (
    complete_phone,
    complete_resident_id,
    has_digits,
    keys_or_subquery,
    mask_search_term,
)

DIGIT_SEARCH = "digit_search"

SearchResult = tuple[QuerySet, bool]


@dataclass(frozen=True)
class NumberPaths:
    """Where a list's search reaches resident IDs and phones, as lookup paths from its model."""

    resident_ids: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.resident_ids or self.phones)


def _is_number_field(field: Any) -> bool:
    return isinstance(field, ResidentIdField | PhoneField)


def _number_field_path(model: type[models.Model], lookup: str) -> tuple[str, Any] | None:
    """The part of ``lookup`` that ends at a resident ID or phone field, with that field."""
    parts: list[str] = []
    opts = model._meta
    for part in lookup.split("__"):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            # A lookup or a transform: the path reached no number.
            return None
        parts.append(part)
        if _is_number_field(field):
            return "__".join(parts), field
        if not (field.is_relation and field.related_model):
            return None
        opts = field.related_model._meta
    return None


def touches_numbers(model: type[models.Model], lookup: str) -> bool:
    """Whether a filter or ordering ``lookup`` reads a resident ID or phone number."""
    return _number_field_path(model, lookup.lstrip("-")) is not None


def number_paths(model: type[models.Model], search_fields: Any) -> NumberPaths:
    """Where the list of ``model`` searched by ``search_fields`` reaches IDs and phones."""
    ids: list[str] = []
    phones: list[str] = []
    manager_queryset = getattr(model._default_manager, "_queryset_class", None)
    if model is Household:
        # HouseholdQuerySet.matching reads the ID's last digits.
        ids.append("id_number")
        phones.append("phone")
    elif manager_queryset is not None and issubclass(manager_queryset, HouseholdRecordQuerySet):
        # HouseholdRecordQuerySet.matching reads the household's ID.
        ids.append("household__id_number")
        phones.extend(["household__phone", "cadre__phone"])
    for name in search_fields or ():
        found = _number_field_path(model, str(name).lstrip("^=@"))
        if found is None:
            continue
        path, field = found
        target = ids if isinstance(field, ResidentIdField) else phones
        if path not in target:
            target.append(path)
    return NumberPaths(tuple(ids), tuple(phones))


def _exact(model: type[models.Model], paths: tuple[str, ...], value: str) -> Q:
    """Rows whose number at one of ``paths`` is ``value``; each related table by its own keys."""
    condition = Q(pk__in=[])
    for path in paths:
        relation, _, rest = path.partition("__")
        if not rest:
            condition |= Q(**{path: value})
            continue
        related = model._meta.get_field(relation).related_model
        keys = keys_or_subquery(related._base_manager.filter(**{rest: value}))
        condition |= Q(**{f"{relation}__in": keys})
    return condition


@dataclass(frozen=True)
class _Ruling:
    """What one search term comes to: searched as usual, matched exactly, or refused."""

    kind: str
    condition: Q | None = None
    refusal: str = ""


def _limits() -> tuple[int, int]:
    return settings.DIGIT_SEARCHES_PER_MINUTE, settings.DIGIT_SEARCHES_PER_DAY


def _over_limit(user: Any) -> bool:
    per_minute, per_day = _limits()
    now = timezone.now()
    counts = AuditEvent.objects.filter(
        user_id=user.pk, action=DIGIT_SEARCH, at__gte=now - datetime.timedelta(days=1)
    ).aggregate(
        minute=Count("pk", filter=Q(at__gte=now - datetime.timedelta(minutes=1))),
        day=Count("pk"),
    )
    return counts["minute"] >= per_minute or counts["day"] >= per_day


def too_many_message() -> str:
    per_minute, per_day = _limits()
    return gettext(
        "Too many searches by ID or phone digits: at most %(per_minute)s a minute and "
        "%(per_day)s a day. Try again later."
    ) % {"per_minute": per_minute, "per_day": per_day}


def refused_message() -> str:
    return gettext(
        "Searching by part of a resident ID or phone number needs the right to full personal "
        "data. Search by name, or by a complete 18-character resident ID or a complete phone "
        "number (exact match only)."
    )


def help_text() -> str:
    """What the search box finds for a role without the full-data right."""
    return gettext(
        "Search by the start of a name, or by a complete 18-character resident ID or a complete "
        "phone number (exact match only)."
    )


def _rule(
    *, request: HttpRequest, model: type[models.Model], paths: NumberPaths, term: str
) -> _Ruling:
    user = request.user
    details: dict[str, Any] = {"model": model._meta.label_lower, "term": mask_search_term(term)}
    if _over_limit(user):
        trail.record(
            request=request,
            action=DIGIT_SEARCH,
            result=AuditEvent.Result.REFUSED,
            reason="too_many",
            **details,
        )
        return _Ruling("refused", refusal=too_many_message())
    if scope_of(user).full_personal_data:
        trail.record(request=request, action=DIGIT_SEARCH, kind="digits", **details)
        return _Ruling("search")
    resident_id = complete_resident_id(term)
    phone = None if resident_id else complete_phone(term)
    if resident_id is not None or phone is not None:
        kind, value = ("resident_id", resident_id) if resident_id else ("phone", phone)
        targets = paths.resident_ids if resident_id else paths.phones
        trail.record(request=request, action=DIGIT_SEARCH, kind=f"exact_{kind}", **details)
        return _Ruling("exact", condition=_exact(model, targets, value))
    trail.record(
        request=request,
        action=DIGIT_SEARCH,
        result=AuditEvent.Result.REFUSED,
        reason="partial_digits",
        **details,
    )
    return _Ruling("refused", refusal=refused_message())


def _is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    # The admin's own, or a view built on it (the cadre picker).
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    return getattr(match, "url_name", None) == "autocomplete" or (
        isinstance(view_class, type) and issubclass(view_class, AutocompleteJsonView)
    )


def search(
    *,
    request: HttpRequest,
    queryset: QuerySet,
    term: str,
    paths: NumberPaths,
    run: Callable[[], SearchResult],
) -> SearchResult:
    """The list's own search (``run``) when the rule allows it; else an exact match or nothing.

    One request may search its list more than once (an export's form, then its file): it is
    ruled on, recorded and counted once.
    """
    if not paths or not has_digits(term):
        return run()
    rulings: dict[tuple[str, str], _Ruling] = request.__dict__.setdefault("_digit_searches", {})
    key = (queryset.model._meta.label_lower, term)
    ruling = rulings.get(key)
    if ruling is None:
        ruling = _rule(request=request, model=queryset.model, paths=paths, term=term)
        rulings[key] = ruling
        if ruling.refusal and not _is_autocomplete(request):
            messages.error(request, ruling.refusal, fail_silently=True)
    if ruling.kind == "search":
        return run()
    if ruling.kind == "exact":
        return queryset.filter(ruling.condition), False
    return queryset.none(), False


def counting_duplicate_numbers(
    form_class: type[forms.BaseForm], request: HttpRequest
) -> type[forms.BaseForm]:
    """``form_class`` whose "already exists" answer on a unique ID or phone is a counted search.

    Such an answer says that a number exists somewhere in the city: typed again and again, it
    would be an exact-match search past the limit, so it is recorded and limited like one.
    """
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    if model is None:
        return form_class
    unique_numbers = [
        field.name
        for field in model._meta.concrete_fields
        if field.unique and _is_number_field(field) and field.name in form_class.base_fields
    ]
    if not unique_numbers:
        return form_class

    def validate_unique(self: forms.BaseForm) -> None:
        super(counting, self).validate_unique()
        errors = self._errors.as_data()
        duplicates = [
            name
            for name in unique_numbers
            if any(error.code == "unique" for error in errors.get(name, []))
        ]
        if not duplicates:
            return
        over = _over_limit(request.user)
        trail.record(
            request=request,
            action=DIGIT_SEARCH,
            result=AuditEvent.Result.REFUSED if over else AuditEvent.Result.SUCCESS,
            kind="duplicate_check",
            model=model._meta.label_lower,
            term=mask_search_term(
                " ".join(self.data.get(self.add_prefix(n), "") for n in duplicates)
            ),
        )
        if over:
            for name in duplicates:
                self._errors[name] = self.error_class([too_many_message()])

    counting = type(form_class.__name__, (form_class,), {"validate_unique": validate_unique})
    return counting
