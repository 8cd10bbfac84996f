"""The rows of the ledger (台账): the year's projects, the allocations from the year's pools and
their payments, in an area, as a user may see them: a fixed number of queries, whatever the
number of projects (``projects.ledger`` writes them as a workbook)."""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from projects import rules
from projects.models import (
    GRANTED,
    ZERO,
    Allocation,
    Disbursement,
    Project,
    ProjectQuerySet,
    this_year,
)
from villages.models import County, Township, Village

Area = County | Township | Village | None

FIRST_YEAR = 2000
_MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


def check_year(year: object) -> int:
    """A year the ledger can be taken for, from a form or the command line."""
    last = this_year() + 1
    try:
        number = int(str(year).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not FIRST_YEAR <= number <= last:
        raise ValidationError(
            gettext("The year must be a number from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": last},
            code="bad_year",
        )
    return number


def check_area(by: Any, area: Area) -> None:
    """Refuse an area outside the user's; the system (``by=None``) takes any."""
    if by is not None and not rules.may_see_ledger(by, area):
        if area is None:
            raise PermissionDenied(gettext("You may not take the ledger."))
        raise PermissionDenied(
            gettext("%(area)s is outside your area.") % {"area": area_label(area)}
        )


def area_label(area: Area) -> str:
    """The area with the areas above it: 东明县 沙沃镇 王寨村."""
    if area is None:
        return gettext("whole city")
    return " ".join(place.name for place in (*area.ancestors(), area))


def visible(queryset: QuerySet, by: Any) -> QuerySet:
    return queryset if by is None else queryset.visible_to(by)


def _project_area(queryset: QuerySet, area: Area, prefix: str = "") -> QuerySet:
    """Rows whose project (at ``prefix``) lies in ``area``."""
    if area is None:
        return queryset
    lookup = prefix + ProjectQuerySet.area_lookups[area.level]
    return queryset.filter(**{lookup: area.pk})


def _allocation_sum(field: str, **conditions: Any) -> Coalesce:
    total = (
        Allocation.objects.filter(project=OuterRef("pk"), **conditions)
        .order_by()
        .values("project")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=_MONEY_FIELD), Value(ZERO), output_field=_MONEY_FIELD
    )


def projects_rows(*, year: int, area: Area, by: Any) -> QuerySet:
    """The year's projects in ``area`` that ``by`` sees, as dicts, by area, unit and title."""
    projects = _project_area(visible(Project.objects.of_year(year), by), area)
    return (
        projects.annotate(
            allocated=_allocation_sum("amount", status__in=GRANTED),
            disbursed=_allocation_sum("paid"),
        )
        .order_by(
            "village__township__county__code",
            "village__township__code",
            "village__code",
            "unit__name",
            "title",
            "pk",
        )
        .values(
            "village__township__county__code",
            "village__township__county__name",
            "village__township__code",
            "village__township__name",
            "village__name",
            "unit__name",
            "title",
            "kind",
            "status",
            "budget_pooled",
            "budget_unit",
            "budget_donation",
            "budget_village",
            "beneficiary_count",
            "allocated",
            "disbursed",
        )
    )


_ACTORS = ("applied_by", "reviewed_by", "approved_by")


def allocation_rows(*, year: int, area: Area, by: Any) -> QuerySet:
    """Allocations from the year's pools to projects in ``area`` that ``by`` sees, as dicts,
    by pool, area and application."""
    allocations = _project_area(
        visible(Allocation.objects.filter(pool__year=year), by), area, "project__"
    )
    actors = [f"{actor}__{name}" for actor in _ACTORS for name in _USER_NAMES]
    return allocations.order_by(
        "pool_id",
        "project__village__township__county__code",
        "project__village__township__code",
        "project__village__code",
        "applied_at",
        "pk",
    ).values(
        "pk",
        "pool_id",
        "amount",
        "paid",
        "status",
        "applied_at",
        "reviewed_at",
        "approved_at",
        "project__title",
        "project__unit__name",
        "project__village__name",
        "project__village__township__name",
        "project__village__township__county__name",
        *actors,
    )


_USER_NAMES = ("username", "first_name", "last_name")


def disbursements_by_allocation(
    *, year: int, area: Area, by: Any
) -> dict[int, list[tuple[datetime.date, Decimal, str]]]:
    """The payments of the same allocations, in date order, by allocation."""
    payments = _project_area(
        visible(Disbursement.objects.filter(allocation__pool__year=year), by),
        area,
        "allocation__project__",
    )
    found: dict[int, list[tuple[datetime.date, Decimal, str]]] = defaultdict(list)
    rows = payments.order_by("allocation_id", "paid_on", "pk").values_list(
        "allocation_id", "paid_on", "amount", "voucher_name", "voucher"
    )
    for allocation_id, paid_on, amount, name, stored in rows.iterator(chunk_size=2000):
        found[allocation_id].append((paid_on, amount, name or stored.rsplit("/", 1)[-1]))
    return found
