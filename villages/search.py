"""Pieces of the admin searches that stay on indexes with millions of rows.

Searches match the start of a name (an index on the name answers ``LIKE 'term%'``; a
two-character Chinese name gives a trigram index nothing to work with) or the last digits of a
resident ID (an index on the reversed number). A search over several tables first looks up the
keys in each small or indexed table, so that the big table is searched with key lists that
PostgreSQL combines from its indexes, never with an OR across a join, which scans everything.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from villages.validators import (
    clean_text,
    mask_phone,
    mask_resident_id,
    normalize_phone,
    normalize_resident_id,
)

# A village or unit name is matched from this many characters on: one character (a common
# surname, or 市) would match a large share of them, and of the households or records with them.
VILLAGE_OR_UNIT_NAME_MIN_LENGTH = 2

# Up to this many keys go into the outer query as a list; a broader term becomes a subquery,
# whose matches are then dense enough for the list's ordered scan to find a page quickly.
KEYS_LIMIT = 1000

_DIGIT_RUN = re.compile(r"[0-9]+[Xx]?")


def is_id_digits(term: str) -> bool:
    """Whether ``term`` is the last 4 to 18 characters of a resident ID: digits, then maybe X."""
    return 4 <= len(term) <= 18 and term.upper().rstrip("X").isdigit()


def keys_or_subquery(queryset: QuerySet) -> list | QuerySet:
    """The primary keys of ``queryset``: a list of at most ``KEYS_LIMIT``, else a subquery."""
    keys = list(queryset.order_by().values_list("pk", flat=True)[: KEYS_LIMIT + 1])
    return keys if len(keys) <= KEYS_LIMIT else queryset.order_by().values("pk")


def has_digits(term: str) -> bool:
    """Whether ``term`` holds a digit of any script (full-width ones included)."""
    return any(char.isdigit() for char in term)


def complete_resident_id(term: str) -> str | None:
    """The resident ID when ``term`` is exactly one complete and valid 18-character ID."""
    text = clean_text(term).upper()
    if len(text) != 18:
        return None
    try:
        return normalize_resident_id(text)
    except ValidationError:
        return None


def complete_phone(term: str) -> str | None:
    """The phone number when ``term`` is exactly one complete mobile or area-coded landline."""
    try:
        return normalize_phone(term)
    except ValidationError:
        return None


def mask_search_term(term: str) -> str:
    """``term`` with every run of digits masked as the lists show numbers; short runs kept."""

    def masked(match: re.Match[str]) -> str:
        run = match.group()
        if len(run) == 18:
            return mask_resident_id(run.upper())
        if len(run) == 11:
            return mask_phone(run)
        if len(run) <= 4:
            return run
        return "*" * (len(run) - 4) + run[-4:]

    return _DIGIT_RUN.sub(masked, clean_text(term))
