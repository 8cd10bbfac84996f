"""Recording the visits cadres make, with the needs households raise in them."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from units.models import Cadre
from units.six_tasks import SIX_TASKS
from villages.models import Household
from visits.locations import Position, record_location
from visits.models import Need, NeedNote, Visit
from visits.photos import prepare_visit_photos, store_visit_photos
from visits.signals import visit_recorded

TASK_FIELDS = frozenset(field for field, _label in SIX_TASKS)


@dataclass(frozen=True)
class RaisedNeed:
    category: str
    description: str


def households_of(cadre: Cadre) -> QuerySet[Household]:
    """The households the cadre is responsible for now; cadre pages open nothing else."""
    # One filter() call, so both conditions hold for the same assignment; a household has at
    # most one active assignment, so no row repeats.
    return Household.objects.filter(assignments__cadre=cadre, assignments__ended_on__isnull=True)


@transaction.atomic
def record_visit(
    *,
    cadre: Cadre,
    household: Household,
    visited_on: datetime.date,
    method: str,
    outcome: str,
    summary: str,
    tasks: Iterable[str],
    satisfaction: str,
    needs: Iterable[RaisedNeed],
    client_key: uuid.UUID,
    photos: Sequence[UploadedFile] = (),
    photo_times: Sequence[str] = (),
    position: Position | None = None,
) -> tuple[Visit, bool]:
    """Store a visit with its needs, photos and consented position once per ``client_key``;
    return it and whether it is new."""
    existing = _visit_with_key(client_key, cadre=cadre, household=household)
    if existing:
        # A visit sent again (a weak signal, a queued copy) adds no second set of photos.
        return existing, False
    tasks = set(tasks)
    if tasks - TASK_FIELDS:
        raise ValueError(f"unknown tasks: {sorted(tasks - TASK_FIELDS)}")
    try:
        prepared = prepare_visit_photos(photos, client_times=photo_times)
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None
    try:
        # A savepoint, so a twin request that stored the same key first leaves this
        # transaction usable for reading its visit.
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                cadre=cadre,
                visited_on=visited_on,
                method=method,
                outcome=outcome,
                summary=summary,
                satisfaction=satisfaction,
                client_key=client_key,
                **{field: field in tasks for field in TASK_FIELDS},
            )
    except IntegrityError:
        existing = _visit_with_key(client_key, cadre=cadre, household=household)
        if existing is None:
            raise
        return existing, False
    _raise_needs(visit=visit, needs=needs)
    store_visit_photos(visit=visit, photos=prepared)
    if position is not None:
        record_location(visit=visit, position=position)
    visit_recorded.send(sender=Visit, visit=visit)
    return visit, True


def _visit_with_key(client_key: uuid.UUID, *, cadre: Cadre, household: Household) -> Visit | None:
    visit = Visit.objects.filter(client_key=client_key).first()
    if visit and (visit.cadre_id != cadre.pk or visit.household_id != household.pk):
        raise ValidationError(
            gettext("This form was already used for another visit; open the form again.")
        )
    return visit


def _raise_needs(*, visit: Visit, needs: Iterable[RaisedNeed]) -> None:
    created = Need.objects.bulk_create(
        Need(
            household=visit.household,
            visit=visit,
            cadre=visit.cadre,
            category=need.category,
            description=need.description,
            raised_on=visit.visited_on,
            progressed_on=visit.visited_on,
            status=Need.Status.PENDING,
            level=Need.Level.CADRE,
        )
        for need in needs
    )
    if not created:
        return
    # Notes are records, kept in the campaign's language whatever the cadre's browser asks for.
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext("Need recorded")
    NeedNote.objects.bulk_create(
        NeedNote(
            need=need,
            noted_on=visit.visited_on,
            author_id=visit.cadre.user_id,
            status=Need.Status.PENDING,
            level=Need.Level.CADRE,
            text=text,
        )
        for need in created
    )
