"""The demo's visits as a coordinator would review them (走访核查): the villages placed on the
map, the visits recorded through the day, and a few visits flagged of each kind, one of them
dismissed after review."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from units.models import CadreAbsence
from villages.models import Village
from visitflags.detection import flag_visits
from visitflags.models import VisitFlag
from visits.models import Visit, VisitLocation

# Around the township seats of Heze (菏泽), about 35.2° N, 115.5° E.
CENTRE = (Decimal("35.200000"), Decimal("115.500000"))
PASTED = "入户宣讲惠农补贴政策，了解家庭收入、就医和孩子上学情况，群众无新的诉求"


def load_visit_flags(rng: random.Random, today: datetime.date) -> None:
    """Place the villages, spread the visits' recording times, then make and find the flags."""
    _place_villages(rng)
    _spread_recording_times(rng)
    cadres = list(
        Visit.objects.values_list("cadre_id", flat=True).order_by("cadre_id").distinct()[:4]
    )
    rapid, copied, far, away = cadres
    # Six visits entered within twelve minutes, the evening of the last visit day.
    recent = list(Visit.objects.filter(cadre_id=rapid).order_by("-visited_on", "pk")[:6])
    evening = timezone.make_aware(
        datetime.datetime.combine(recent[0].visited_on, datetime.time(21, 0))
    )
    for minute, visit in zip(range(0, 13, 2), recent, strict=False):
        visit.created_at = evening + datetime.timedelta(minutes=minute)
    Visit.objects.bulk_update(recent, ["created_at"])
    # The same record pasted for three households.
    pasted = _one_visit_per_household(copied, 3)
    Visit.objects.filter(pk__in=[visit.pk for visit in pasted]).update(summary=PASTED)
    # Two visits recorded about 23 km north of the village.
    for visit in Visit.objects.filter(cadre_id=far).select_related("village")[:2]:
        VisitLocation.objects.create(
            visit=visit,
            latitude=visit.village.latitude + Decimal("0.210000"),
            longitude=visit.village.longitude,
            accuracy=50,
        )
    # Days away at training over the cadre's latest visit.
    latest = Visit.objects.filter(cadre_id=away).order_by("-visited_on").first()
    CadreAbsence.objects.create(
        cadre_id=away,
        starts_on=latest.visited_on - datetime.timedelta(days=2),
        ends_on=latest.visited_on + datetime.timedelta(days=2)
        if latest.visited_on + datetime.timedelta(days=2) <= today
        else today,
        reason="培训",
    )
    flag_visits()
    first = VisitFlag.objects.filter(kind=VisitFlag.Kind.RAPID).order_by("pk").first()
    VisitFlag.objects.filter(pk=first.pk).update(
        dismissed_at=timezone.now(), dismissal_note="当晚集中补录白天的走访，已电话核实"
    )


def _place_villages(rng: random.Random) -> None:
    villages = list(Village.objects.filter(latitude__isnull=True).order_by("code"))
    for village in villages:
        village.latitude = CENTRE[0] + Decimal(rng.randint(-40000, 40000)) / 100000
        village.longitude = CENTRE[1] + Decimal(rng.randint(-60000, 60000)) / 100000
    Village.objects.bulk_update(villages, ["latitude", "longitude"], batch_size=500)


def _spread_recording_times(rng: random.Random) -> None:
    """Each visit recorded on its day, between 8:00 and 18:00, as a cadre would."""
    visits = list(Visit.objects.only("pk", "visited_on"))
    for visit in visits:
        moment = datetime.datetime.combine(visit.visited_on, datetime.time(8, 0))
        visit.created_at = timezone.make_aware(moment) + datetime.timedelta(
            minutes=rng.randint(0, 600)
        )
    Visit.objects.bulk_update(visits, ["created_at"], batch_size=500)


def _one_visit_per_household(cadre_id: int, count: int) -> list[Visit]:
    chosen: dict[int, Visit] = {}
    for visit in Visit.objects.filter(cadre_id=cadre_id).order_by("pk"):
        chosen.setdefault(visit.household_id, visit)
    return list(chosen.values())[:count]
