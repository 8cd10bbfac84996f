"""The overdue items a coordinator or a unit's liaison is shown on the admin index: the open
needs overdue (``NeedQuerySet.overdue``) and the rectification items past their deadline, of
the rows they may see (``visible_to``)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from assessments.models import RectificationItem
from shuanglian.access.scope import scope_of
from shuanglian.models import Role
from visits.models import Need

# The box lists this many of each; the filtered admin lists show them all.
FIRST_FEW = 5
# Who is shown the box: coordinators at each level and the units' liaisons.
ROLES = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.LIAISON)


@dataclass(frozen=True)
class OverdueNeed:
    need: Need
    days_overdue: int


@dataclass(frozen=True)
class OverdueItem:
    item: RectificationItem
    days_overdue: int


@dataclass(frozen=True)
class OverdueSummary:
    """How many of each kind are overdue, and the first few, the longest overdue first.
    A kind is None when the user may not read its admin pages."""

    needs_count: int | None = None
    needs: list[OverdueNeed] = field(default_factory=list)
    items_count: int | None = None
    items: list[OverdueItem] = field(default_factory=list)


def overdue_for(*, user: Any, today: datetime.date | None = None) -> OverdueSummary | None:
    """The overdue needs and rectification items ``user`` may see; None for those not shown
    the box (cadres, the audit viewer, accounts without a role). Four queries at most."""
    role = scope_of(user).role
    if role not in ROLES:
        return None
    today = today or timezone.localdate()
    summary: dict[str, Any] = {}
    if user.has_perm("visits.view_need"):
        needs = Need.objects.visible_to(user).overdue(today)
        first = needs.select_related("household__village", "cadre").order_by(
            "progressed_on", "raised_on", "pk"
        )[:FIRST_FEW]
        summary["needs_count"] = needs.order_by().count()
        summary["needs"] = sorted(
            (OverdueNeed(need, (today - need.deadline_on).days) for need in first),
            key=lambda row: (-row.days_overdue, row.need.pk),
        )
    if user.has_perm("assessments.view_rectificationitem"):
        items = RectificationItem.objects.visible_to(user).overdue(today)
        first_items = items.select_related("assessment__village").order_by("deadline", "pk")
        summary["items_count"] = items.order_by().count()
        summary["items"] = [
            OverdueItem(item, (today - item.deadline).days) for item in first_items[:FIRST_FEW]
        ]
    return OverdueSummary(**summary)
