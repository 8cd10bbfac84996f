"""Where the phone was when a visit was recorded: kept only with the cadre's consent, shown only
to the area coordinators, deleted after ``VISIT_LOCATION_RETENTION_DAYS`` days."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from visits.models import Visit, VisitLocation

MAX_ACCURACY_METRES = 100_000
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Position:
    latitude: Decimal
    longitude: Decimal
    accuracy: int


def _invalid() -> ValidationError:
    return ValidationError(
        gettext("The phone's location could not be read; untick the box and save again."),
        code="invalid_location",
    )


def _number(text: str, low: int, high: int) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise _invalid() from None
    if not value.is_finite() or not low <= value <= high:
        raise _invalid()
    return value


def position_from(
    *, consent: bool, latitude: str, longitude: str, accuracy: str
) -> Position | None:
    """The position the phone sent, if the cadre agreed to it and the phone found one."""
    if not consent or not (latitude or longitude or accuracy):
        # No consent, or the phone refused or timed out: the visit is saved without a place.
        return None
    lat = _number(latitude, -90, 90).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    lon = _number(longitude, -180, 180).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    metres = _number(accuracy, 0, MAX_ACCURACY_METRES).to_integral_value(rounding=ROUND_HALF_UP)
    return Position(latitude=lat, longitude=lon, accuracy=int(metres))


def record_location(*, visit: Visit, position: Position) -> VisitLocation:
    """Store a visit's position (called inside the visit's transaction)."""
    location = VisitLocation(
        visit=visit,
        latitude=position.latitude,
        longitude=position.longitude,
        accuracy=position.accuracy,
    )
    location.full_clean(exclude=["visit"])
    location.save()
    return location


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.VISIT_LOCATION_RETENTION_DAYS)


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the locations recorded more than ``VISIT_LOCATION_RETENTION_DAYS`` days ago;
    return how many."""
    deleted, _by_model = VisitLocation.objects.filter(
        recorded_at__lt=retention_cutoff(now)
    ).delete()
    return deleted
