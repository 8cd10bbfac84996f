"""When each of a cadre's households is next due for a visit."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from units.models import Cadre, HouseholdAssignment
from villages.models import Household
from visits.models import Need, Visit, VisitInterval

# A category without a configured interval is visited as often as ordinary households are
# by default: quarterly.
FALLBACK_INTERVAL_DAYS = 90


@dataclass(frozen=True)
class ScheduledHousehold:
    """One of the cadre's households with its last contact and when the next visit is due."""

    household: Household
    last_contact_on: datetime.date | None
    days_since: int | None
    interval_days: int
    next_due_on: datetime.date | None
    open_needs: int
    is_due: bool


def interval_days() -> dict[str, int]:
    """Days between visits by household category, in one query."""
    return dict(VisitInterval.objects.values_list("category", "days"))


def next_visit(
    *,
    last_contact_on: datetime.date | None,
    interval: int,
    today: datetime.date,
) -> tuple[datetime.date | None, bool]:
    """The next due date (None when never visited) and whether a visit is due by ``today``."""
    if last_contact_on is None:
        return None, True
    next_due_on = last_contact_on + datetime.timedelta(days=interval)
    return next_due_on, next_due_on <= today


def scheduled(
    *,
    household: Household,
    last_contact_on: datetime.date | None,
    open_needs: int,
    today: datetime.date,
    intervals: dict[str, int],
) -> ScheduledHousehold:
    """The household's place in the visiting schedule, given its last contact."""
    interval = intervals.get(household.category, FALLBACK_INTERVAL_DAYS)
    next_due_on, is_due = next_visit(
        last_contact_on=last_contact_on, interval=interval, today=today
    )
    return ScheduledHousehold(
        household=household,
        last_contact_on=last_contact_on,
        days_since=(today - last_contact_on).days if last_contact_on else None,
        interval_days=interval,
        next_due_on=next_due_on,
        open_needs=open_needs,
        is_due=is_due,
    )


def households_due(*, cadre: Cadre, today: datetime.date | None = None) -> list[ScheduledHousehold]:
    """The cadre's active households: due ones first (never visited first), then by next due."""
    today = today or timezone.localdate()
    intervals = interval_days()
    open_needs = (
        Need.objects.open()
        .filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(count=Count("pk"))
        .values("count")
    )
    assignments = (
        HouseholdAssignment.objects.active()
        .filter(cadre=cadre)
        .select_related("household__village__township")
        .annotate(
            last_contact_on=Visit.objects.last_date_subquery(OuterRef("household")),
            open_needs=Coalesce(Subquery(open_needs, output_field=IntegerField()), Value(0)),
        )
    )
    rows = [
        scheduled(
            household=assignment.household,
            last_contact_on=assignment.last_contact_on,
            open_needs=assignment.open_needs,
            today=today,
            intervals=intervals,
        )
        for assignment in assignments
    ]
    rows.sort(
        key=lambda row: (
            row.next_due_on or datetime.date.min,
            row.household.head_name,
            row.household.pk,
        )
    )
    return rows


def end_of_week(today: datetime.date) -> datetime.date:
    """The Sunday that ends ``today``'s week (weeks run Monday to Sunday)."""
    return today + datetime.timedelta(days=6 - today.weekday())


def due_by_sunday(
    rows: list[ScheduledHousehold], *, today: datetime.date
) -> list[ScheduledHousehold]:
    """Of ``households_due()``'s rows, in its order, those never visited or due by Sunday."""
    sunday = end_of_week(today)
    return [row for row in rows if row.next_due_on is None or row.next_due_on <= sunday]


def due_this_week(*, cadre: Cadre, today: datetime.date | None = None) -> list[ScheduledHousehold]:
    """The cadre's active households never visited, or whose next visit falls due by the end
    of this week (Sunday), overdue ones included: never visited first, then by next due date.
    The same few queries as ``households_due()``, whatever the number of households."""
    today = today or timezone.localdate()
    return due_by_sunday(households_due(cadre=cadre, today=today), today=today)


@dataclass(frozen=True)
class NeedDeadline:
    """An open need of the cadre's, overdue or near its deadline (``Need.deadline_on``)."""

    need: Need
    deadline_on: datetime.date
    # Days from today to the deadline; negative once the need is overdue.
    days_left: int

    @property
    def is_late(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left


def needs_by_deadline(*, cadre: Cadre, today: datetime.date | None = None) -> list[NeedDeadline]:
    """The cadre's open needs that are overdue or become so within
    ``settings.REMINDER_DEADLINE_DAYS`` days: overdue ones first, the longest overdue on top,
    then the nearest deadline first. One query."""
    today = today or timezone.localdate()
    needs = (
        Need.objects.filter(cadre=cadre)
        .overdue_or_near_deadline(today)
        .select_related("household")
        .order_by("raised_on", "pk")
    )
    rows = [
        NeedDeadline(
            need=need, deadline_on=need.deadline_on, days_left=(need.deadline_on - today).days
        )
        for need in needs
    ]
    rows.sort(key=lambda row: row.deadline_on)
    return rows
