"""Finding implausible visits: each kind a query that returns what it found, and
``flag_visits`` that stores the findings once.

Every finder runs a constant number of queries, whatever the number of visits; storing is one
query for the flags already there and one insert per kind. A flag found again is left as it
is, dismissed or not.
"""

import datetime
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone

from units.models import CadreAbsence
from visitflags.models import VisitFlag
from visits.models import Visit

Findings = dict[int, dict[str, Any]]
EARTH_RADIUS_KM = 6371.0088


def rapid(candidates: QuerySet[Visit]) -> Findings:
    """Visits among ``FLAG_RAPID_VISITS`` or more that one cadre recorded within
    ``FLAG_RAPID_MINUTES`` minutes, by the time the server recorded them."""
    least = settings.FLAG_RAPID_VISITS
    window = datetime.timedelta(minutes=settings.FLAG_RAPID_MINUTES)
    earliest = candidates.order_by().values("cadre_id").annotate(first=Min("created_at"))
    starts = {row["cadre_id"]: row["first"] for row in earliest}
    if not starts:
        return {}
    since = min(starts.values()) - window
    rows = (
        Visit.objects.filter(cadre_id__in=list(starts), created_at__gte=since)
        .order_by("cadre_id", "created_at", "pk")
        .values_list("pk", "cadre_id", "created_at")
    )
    by_cadre: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
    for pk, cadre_id, created_at in rows.iterator(chunk_size=2000):
        by_cadre[cadre_id].append((pk, created_at))
    found: Findings = {}
    for visits in by_cadre.values():
        end = 0
        for start, (_pk, started) in enumerate(visits):
            end = max(end, start)
            while end + 1 < len(visits) and visits[end + 1][1] - started <= window:
                end += 1
            count = end - start + 1
            if count < least:
                continue
            minutes = max(1, math.ceil((visits[end][1] - started).total_seconds() / 60))
            for pk, _at in visits[start : end + 1]:
                if found.get(pk, {}).get("count", 0) < count:
                    found[pk] = {"count": count, "minutes": minutes}
    return found


def normalized_summary(text: str) -> str:
    """The summary without whitespace, punctuation or symbols, case folded: what stays the
    same when a record is pasted and touched up."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKC", text).casefold()
        if unicodedata.category(char)[0] not in "PSZC"
    )


def copied_summary(candidates: QuerySet[Visit]) -> Findings:
    """Visits whose summary, normalized, is one the same cadre wrote for at least one other
    household, at least ``FLAG_COPIED_SUMMARY_MIN_CHARS`` characters long."""
    least = settings.FLAG_COPIED_SUMMARY_MIN_CHARS
    cadres = candidates.order_by().values("cadre_id")
    rows = (
        Visit.objects.filter(cadre_id__in=cadres)
        .exclude(summary="")
        .order_by("cadre_id", "pk")
        .values_list("pk", "cadre_id", "household_id", "summary")
    )
    groups: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for pk, cadre_id, household_id, summary in rows.iterator(chunk_size=2000):
        text = normalized_summary(summary)
        if len(text) >= least:
            groups[cadre_id, text].append((pk, household_id))
    found: Findings = {}
    for visits in groups.values():
        households = {household for _pk, household in visits}
        if len(households) < 2:
            continue
        for pk, household in visits:
            found[pk] = {"households": len(households - {household})}
    return found


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def far_from_village(candidates: QuerySet[Visit]) -> Findings:
    """Visits recorded more than ``FLAG_FAR_KM`` kilometres from their village, beyond the
    location's accuracy; only where both the visit and the village have coordinates."""
    rows = (
        candidates.order_by()
        .filter(location__isnull=False, village__latitude__isnull=False)
        .values_list(
            "pk",
            "location__latitude",
            "location__longitude",
            "location__accuracy",
            "village__latitude",
            "village__longitude",
        )
    )
    found: Findings = {}
    for pk, lat, lon, accuracy, village_lat, village_lon in rows.iterator(chunk_size=2000):
        km = distance_km(float(lat), float(lon), float(village_lat), float(village_lon))
        if km - accuracy / 1000 > settings.FLAG_FAR_KM:
            found[pk] = {"km": f"{km:.1f}", "accuracy": accuracy}
    return found


def while_away(candidates: QuerySet[Visit]) -> Findings:
    """Visits dated on days their cadre recorded as away."""
    rows = (
        candidates.order_by()
        .filter(
            cadre__absences__starts_on__lte=F("visited_on"),
            cadre__absences__ends_on__gte=F("visited_on"),
        )
        .values_list(
            "pk",
            "cadre__absences__starts_on",
            "cadre__absences__ends_on",
            "cadre__absences__reason",
        )
        .order_by("pk", "cadre__absences__starts_on")
    )
    found: Findings = {}
    for pk, starts_on, ends_on, reason in rows.iterator(chunk_size=2000):
        found.setdefault(
            pk,
            {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "reason": reason},
        )
    return found


FINDERS = {
    VisitFlag.Kind.RAPID: rapid,
    VisitFlag.Kind.COPIED_SUMMARY: copied_summary,
    VisitFlag.Kind.FAR_FROM_VILLAGE: far_from_village,
    VisitFlag.Kind.WHILE_AWAY: while_away,
}


def store(kind: str, findings: Findings) -> int:
    """Add the flags of ``findings`` not stored yet; return how many were added."""
    if not findings:
        return 0
    stored = set(
        VisitFlag.objects.filter(kind=kind, visit_id__in=list(findings)).values_list(
            "visit_id", flat=True
        )
    )
    new = [
        VisitFlag(visit_id=pk, kind=kind, facts=facts)
        for pk, facts in findings.items()
        if pk not in stored
    ]
    # A twin run that stored the same flag in between is no error.
    VisitFlag.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def flag_visits(
    since: datetime.datetime | None = None, *, kinds: Iterable[str] = tuple(FINDERS)
) -> dict[str, int]:
    """Find and store the flags of the visits recorded since ``since`` (all visits: None),
    and of the visits in days away recorded since then; return how many of each kind."""
    candidates = Visit.objects.all()
    away_candidates = candidates
    if since is not None:
        candidates = Visit.objects.filter(created_at__gte=since)
        new_absences = CadreAbsence.objects.filter(created_at__gte=since)
        away_candidates = Visit.objects.filter(
            Q(pk__in=candidates.values("pk")) | Q(pk__in=_visits_in(new_absences).values("pk"))
        )
    added = {}
    for kind in kinds:
        chosen = away_candidates if kind == VisitFlag.Kind.WHILE_AWAY else candidates
        added[kind] = store(kind, FINDERS[kind](chosen))
    return added


def _visits_in(absences: QuerySet[CadreAbsence]) -> QuerySet[Visit]:
    return Visit.objects.filter(
        cadre__absences__in=absences,
        visited_on__gte=F("cadre__absences__starts_on"),
        visited_on__lte=F("cadre__absences__ends_on"),
    )


def flag_recorded_visit(visit: Visit) -> dict[str, int]:
    """Flag a visit just recorded, and the visits of its cadre that it makes implausible."""
    window = datetime.timedelta(minutes=settings.FLAG_RAPID_MINUTES)
    recorded = visit.created_at or timezone.now()
    mine = Visit.objects.filter(cadre_id=visit.cadre_id)
    added = {
        VisitFlag.Kind.RAPID: store(
            VisitFlag.Kind.RAPID, rapid(mine.filter(created_at__gte=recorded - window))
        )
    }
    just_this = mine.filter(pk=visit.pk)
    for kind in (
        VisitFlag.Kind.COPIED_SUMMARY,
        VisitFlag.Kind.FAR_FROM_VILLAGE,
        VisitFlag.Kind.WHILE_AWAY,
    ):
        added[kind] = store(kind, FINDERS[kind](just_this))
    return added


def on_visit_recorded(sender: type[Visit], *, visit: Visit, **_kwargs: object) -> None:
    """A visit was recorded (``visits.signals.visit_recorded``): flag it at once."""
    flag_recorded_visit(visit)


def flag_absence(absence: CadreAbsence) -> int:
    """Flag the visits already recorded on the days of ``absence``; return how many."""
    visits = Visit.objects.filter(
        cadre_id=absence.cadre_id,
        visited_on__gte=absence.starts_on,
        visited_on__lte=absence.ends_on,
    )
    return store(VisitFlag.Kind.WHILE_AWAY, while_away(visits))
