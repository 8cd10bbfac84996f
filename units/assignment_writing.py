"""Writing the links of an assignment import: the replaced assignments ended, the new ones
started, in bulk, cadres held to the maximum."""

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from common.chunks import CHUNK_ROWS
from common.translatable import gettext as _
from units.assignment_rows import Link
from units.assignments import active_loads, over_maximum_cadres
from units.models import Cadre, HouseholdAssignment
from villages.imports.framework import Progress


def gains_of(links: list[Link]) -> dict[int, int]:
    """Households each cadre gains from the links, less those leaving them."""
    gains: Counter[int] = Counter()
    for link in links:
        gains[link.cadre_id] += 1
        if link.previous_cadre_id is not None:
            gains[link.previous_cadre_id] -= 1
    return dict(gains)


def names_of(links: list[Link]) -> dict[int, str]:
    return {link.cadre_id: link.row.cadre_name for link in links}


def loads_locked(links: list[Link]) -> dict[int, int]:
    """The households of every cadre the links touch, now.

    Inside a transaction (the confirm) the receiving cadres' rows are locked first, in key
    order as every assignment path does, so a cadre given households meanwhile by someone
    else is counted with them, and no one gives them more until this import is written.
    """
    touched = sorted(set(gains_of(links)))
    receiving = sorted({link.cadre_id for link in links})
    if connection.in_atomic_block:
        for start in range(0, len(receiving), CHUNK_ROWS):
            list(
                Cadre.objects.select_for_update()
                .filter(pk__in=receiving[start : start + CHUNK_ROWS])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
    return active_loads(touched)


class OverMaximum(ValidationError):
    """The links would take cadres above the maximum, and the batch does not allow it."""


class AssignmentsChanged(Exception):
    """Someone else changed the same assignments since the check; the import writes nothing."""


def _changed_meanwhile() -> AssignmentsChanged:
    return AssignmentsChanged(
        _(
            "Some of these households were assigned to a cadre while the file was being "
            "imported; upload it again to check it against the current assignments."
        )
    )


def write_links(
    links: list[Link], *, over_maximum: bool = False, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """End the assignments the links replace, then start the links, in bulk; return the
    cadres taken above the maximum per cadre (``over_maximum`` allows it, else refused).

    Runs inside the caller's transaction. The database refuses a second active assignment
    for a household, and an assignment ended meanwhile is noticed here, so a change made by
    someone else since the check fails the whole import instead of being overwritten.
    """
    over = over_maximum_cadres(gains_of(links), names=names_of(links), loads=loads_locked(links))
    if over and not over_maximum:
        raise OverMaximum(
            _("Some cadres would be given more households than the maximum per cadre."),
            code="over_maximum",
        )
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        # Stored history, so in the site's language whoever confirms.
        reason = _("adjusted by import")
    replaced = [link.replaces for link in links if link.replaces is not None]
    for start in range(0, len(replaced), CHUNK_ROWS):
        chunk = replaced[start : start + CHUNK_ROWS]
        ended = HouseholdAssignment.objects.filter(pk__in=chunk, ended_on=None).update(
            ended_on=today, end_reason=reason
        )
        if ended != len(chunk):
            raise _changed_meanwhile()
    done = 0
    for start in range(0, len(links), CHUNK_ROWS):
        chunk = links[start : start + CHUNK_ROWS]
        try:
            with transaction.atomic():
                HouseholdAssignment.objects.bulk_create(
                    HouseholdAssignment(
                        household_id=link.household_id, cadre_id=link.cadre_id, started_on=today
                    )
                    for link in chunk
                )
        except IntegrityError as error:
            raise _changed_meanwhile() from error
        done += len(chunk)
        if progress:
            progress(done)
    return over
