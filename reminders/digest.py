"""The daily digest: what one user is to be reminded of on one day, as a subject and a text.

A cadre hears of their households due for a visit this week, their needs near a deadline and
their overdue needs; a township, county or city coordinator of their area's overdue needs,
overdue rectification items and yesterday's new needs; a unit's liaison of the unit's cadres'
overdue needs and the cadres with households due. Resident IDs and phones are masked as on
every page that does not reveal them. Each user costs the same few queries whatever the data.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from assessments.models import RectificationItem
from shuanglian.access.scope import scope_of
from shuanglian.models import Role
from units.models import HouseholdAssignment
from units.people import cadre_of
from villages.validators import mask_personal_numbers, mask_phone
from visits.models import Need, Visit
from visits.schedule import (
    FALLBACK_INTERVAL_DAYS,
    due_this_week,
    end_of_week,
    interval_days,
    next_visit,
)

# Items listed under each heading; the rest are counted.
LISTED = 10
# Characters of a need's description quoted in the digest.
QUOTED = 30


@dataclass(frozen=True)
class Digest:
    """One user's reminder for one day: ``summary`` is the headings' counts on one line (for a
    text message), ``path`` the page to open."""

    subject: str
    body: str
    summary: str
    path: str


def digest_for(*, user: Any, day: datetime.date) -> Digest | None:
    """The digest of ``user`` on ``day``, in the user's language; None when there is nothing
    to say, or the user has no role a digest is written for."""
    scope = scope_of(user)
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if scope.role == Role.CADRE:
            return _cadre_digest(user=user, day=day)
        if scope.role in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
            return _coordinator_digest(user=user, day=day)
        if scope.role == Role.LIAISON and scope.unit_id is not None:
            return _liaison_digest(unit_id=scope.unit_id, day=day)
    return None


def _compose(day: datetime.date, sections: list[tuple[str, list[str]]], path: str) -> Digest:
    headings = [heading for heading, _lines in sections]
    lines: list[str] = []
    for heading, items in sections:
        lines.append(heading)
        lines.extend(f"  {item}" for item in items[:LISTED])
        if len(items) > LISTED:
            lines.append("  " + gettext("… and %(count)d more") % {"count": len(items) - LISTED})
    lines.append("")
    lines.append(gettext("Open: %(path)s") % {"path": path})
    return Digest(
        subject=gettext("Reminders for %(day)s") % {"day": day.isoformat()},
        body="\n".join(lines) + "\n",
        summary=gettext("; ").join(headings),
        path=path,
    )


def _quoted(text: str) -> str:
    text = mask_personal_numbers(" ".join(text.split()))
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"


def _need_line(need: Need) -> str:
    return gettext("%(household)s: %(category)s, %(description)s") % {
        "household": need.household.head_name,
        "category": need.get_category_display(),
        "description": _quoted(need.description),
    }


def _due_on(need: Need) -> str:
    return gettext(", due on %(day)s") % {"day": need.deadline_on.isoformat()}


def _cadre_digest(*, user: Any, day: datetime.date) -> Digest | None:
    cadre = cadre_of(user)
    if cadre is None:
        return None
    due = due_this_week(cadre=cadre, today=day)
    mine = Need.objects.filter(cadre=cadre).select_related("household").order_by("due_on", "pk")
    overdue = sorted(mine.overdue(day), key=lambda need: (need.deadline_on, need.pk))
    near = sorted(mine.near_deadline(day), key=lambda need: (need.deadline_on, need.pk))
    sections: list[tuple[str, list[str]]] = []
    if due:
        items = []
        for row in due:
            household = row.household
            if row.next_due_on is None:
                when = gettext("never visited")
            else:
                when = gettext("visit due by %(day)s") % {"day": row.next_due_on.isoformat()}
            phone = (
                gettext(", phone %(phone)s") % {"phone": mask_phone(household.phone)}
                if household.phone
                else ""
            )
            items.append(
                gettext("%(household)s (%(village)s)%(phone)s, %(when)s")
                % {
                    "household": household.head_name,
                    "village": household.village.name,
                    "phone": phone,
                    "when": when,
                }
            )
        sections.append(
            (
                gettext("Households due for a visit this week: %(count)d") % {"count": len(due)},
                items,
            )
        )
    if near:
        items = [_need_line(need) + _due_on(need) for need in near]
        sections.append(
            (gettext("Needs near their deadline: %(count)d") % {"count": len(near)}, items)
        )
    if overdue:
        items = [
            _need_line(need)
            + gettext(", overdue by %(days)d days") % {"days": (day - need.deadline_on).days}
            for need in overdue
        ]
        sections.append((gettext("Overdue needs: %(count)d") % {"count": len(overdue)}, items))
    if not sections:
        return None
    return _compose(day, sections, reverse("visits:my_households"))


def _coordinator_digest(*, user: Any, day: datetime.date) -> Digest | None:
    needs = Need.objects.visible_to(user)
    overdue = needs.overdue(day).count()
    raised = needs.filter(raised_on=day - datetime.timedelta(days=1)).count()
    rectification = RectificationItem.objects.visible_to(user).overdue(day).count()
    sections: list[tuple[str, list[str]]] = []
    if overdue:
        sections.append((gettext("Overdue needs in your area: %(count)d") % {"count": overdue}, []))
    if rectification:
        sections.append(
            (gettext("Overdue rectification items: %(count)d") % {"count": rectification}, [])
        )
    if raised:
        sections.append((gettext("Needs raised yesterday: %(count)d") % {"count": raised}, []))
    if not sections:
        return None
    return _compose(day, sections, reverse("admin:index"))


def _liaison_digest(*, unit_id: int, day: datetime.date) -> Digest | None:
    late = Counter(
        dict(
            Need.objects.filter(cadre__unit_id=unit_id)
            .overdue(day)
            .order_by()
            .values_list("cadre__name")
            .annotate(count=Count("pk"))
            .values_list("cadre__name", "count")
        )
    )
    due = _households_due_by_cadre(unit_id=unit_id, day=day)
    sections: list[tuple[str, list[str]]] = []
    if late:
        sections.append(
            (
                gettext("Overdue needs of the unit's cadres: %(count)d") % {"count": late.total()},
                [
                    gettext("%(cadre)s: %(count)d overdue") % {"cadre": name, "count": count}
                    for name, count in sorted(late.items())
                ],
            )
        )
    if due:
        sections.append(
            (
                gettext("Cadres with households due for a visit this week: %(count)d")
                % {"count": len(due)},
                [
                    gettext("%(cadre)s: %(count)d households") % {"cadre": name, "count": count}
                    for name, count in sorted(due.items())
                ],
            )
        )
    if not sections:
        return None
    return _compose(day, sections, reverse("admin:index"))


def _households_due_by_cadre(*, unit_id: int, day: datetime.date) -> Counter[str]:
    """How many of each of the unit's cadres' households are due for a visit by the week's
    end, as the cadre's own digest counts them, in two queries."""
    intervals = interval_days()
    end = end_of_week(day)
    rows = (
        HouseholdAssignment.objects.active()
        .filter(cadre__unit_id=unit_id)
        .annotate(last_contact_on=Visit.objects.last_date_subquery(OuterRef("household")))
        .values_list("cadre__name", "household__category", "last_contact_on")
    )
    due: Counter[str] = Counter()
    for cadre_name, category, last_contact_on in rows:
        interval = intervals.get(category, FALLBACK_INTERVAL_DAYS)
        _next_due_on, is_due = next_visit(
            last_contact_on=last_contact_on, interval=interval, today=end
        )
        if is_due:
            due[cadre_name] += 1
    return due
