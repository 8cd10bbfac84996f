"""Who interviews where: interviewers assigned per village, and the sample spread over them.

- ``assign_interviewer``: one cadre for one village of a round, refused when the independence
  rule (``satisfaction.independence``) forbids it.
- ``assign_interviewers``: every drawn village without an interviewer gets one from a pool of
  cadres, the least loaded eligible cadre first.
- ``spread_samples``: the sampled households not yet anyone's go to the village's interviewers,
  the least loaded first (after a draw, and whenever an interviewer is added).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from common.records import acting_user
from satisfaction.checks import check_runs, locked
from satisfaction.independence import blocked_pairs, check_independent
from satisfaction.models import DrawnVillage, Interviewer, Round, Sample
from satisfaction.signals import announce
from units.models import Cadre
from villages.models import Village

Status = Sample.Status


def _check_round_staffable(round: Round) -> None:
    if round.is_closed:
        raise ValidationError(
            gettext("A closed round takes no more interviewers."), code="round_closed"
        )


def _check_cadre(by: AbstractBaseUser | None, cadre: Cadre) -> None:
    if by is not None and not Cadre.objects.visible_to(by).filter(pk=cadre.pk).exists():
        raise PermissionDenied(gettext("This cadre is outside your area."))
    if not cadre.in_service:
        raise ValidationError(
            gettext("%(cadre)s is no longer in service.") % {"cadre": cadre.name},
            code="not_in_service",
        )


def _check_village(round: Round, village: Village) -> None:
    if not Village.objects.in_area(round.area).filter(pk=village.pk).exists():
        raise ValidationError(
            gettext("%(village)s lies outside the round's area.") % {"village": village.name},
            code="village_outside",
        )


@transaction.atomic
def assign_interviewer(
    *, round: Round, village: Village, cadre: Cadre, by: AbstractBaseUser | None
) -> Interviewer:
    """Make ``cadre`` an interviewer of ``village`` in ``round`` and hand them a share of its
    sampled households not yet anyone's."""
    check_runs(by, round)
    round = locked(round)
    _check_round_staffable(round)
    _check_village(round, village)
    _check_cadre(by, cadre)
    check_independent(cadre, village)
    if Interviewer.objects.filter(round=round, village=village, cadre=cadre).exists():
        raise ValidationError(
            gettext("This cadre already interviews in this village."), code="already_assigned"
        )
    interviewer = Interviewer.objects.create(
        round=round, village=village, cadre=cadre, assigned_by=acting_user(by)
    )
    spread_samples(round=round, village_ids=[village.pk])
    announce("interviewer_assign", interviewer, acting_user(by), village=village.pk)
    return interviewer


@transaction.atomic
def assign_interviewers(*, round: Round, by: AbstractBaseUser | None, pool: QuerySet[Cadre]) -> int:
    """Give every drawn village of ``round`` that has no interviewer one from ``pool`` (cadres
    in service the user sees), never one the independence rule forbids; the cadre with the
    fewest villages so far first. Returns how many villages were staffed."""
    check_runs(by, round)
    round = locked(round)
    _check_round_staffable(round)
    cadres = pool.filter(in_service=True).order_by("pk")
    if by is not None:
        cadres = cadres.filter(pk__in=Cadre.objects.visible_to(by).values("pk"))
    cadres = list(cadres.only("pk", "unit_id", "name"))
    staffed = set(Interviewer.objects.filter(round=round).values_list("village_id", flat=True))
    villages = [
        village_id
        for village_id in DrawnVillage.objects.filter(round=round, drawn__gt=0)
        .order_by("village_id")
        .values_list("village_id", flat=True)
        if village_id not in staffed
    ]
    blocked = blocked_pairs(cadres)
    load = Counter(
        Interviewer.objects.filter(round=round, cadre__in=cadres).values_list("cadre_id", flat=True)
    )
    rows = []
    for village_id in villages:
        eligible = [cadre for cadre in cadres if (cadre.pk, village_id) not in blocked]
        if not eligible:
            continue
        chosen = min(eligible, key=lambda cadre: (load[cadre.pk], cadre.pk))
        load[chosen.pk] += 1
        rows.append(
            Interviewer(
                round=round, village_id=village_id, cadre=chosen, assigned_by=acting_user(by)
            )
        )
    Interviewer.objects.bulk_create(rows)
    spread_samples(round=round, village_ids=[row.village_id for row in rows])
    announce(
        "interviewers_assign",
        round,
        acting_user(by),
        villages=len(rows),
        unstaffed=len(villages) - len(rows),
    )
    return len(rows)


def spread_samples(*, round: Round, village_ids: Iterable[int] | None = None) -> None:
    """Hand the sampled households that are nobody's (or whose interviewer no longer interviews
    in their village) to the village's interviewers, the least loaded first."""
    interviewers = Interviewer.objects.filter(round=round)
    samples = Sample.objects.filter(round=round, status__in=Sample.IN_SAMPLE)
    if village_ids is not None:
        village_ids = list(village_ids)
        interviewers = interviewers.filter(village_id__in=village_ids)
        samples = samples.filter(village_id__in=village_ids)
    staff: dict[int, list[int]] = defaultdict(list)
    for village_id, cadre_id in interviewers.order_by("pk").values_list("village_id", "cadre_id"):
        staff[village_id].append(cadre_id)
    if not staff:
        return
    load: Counter = Counter()
    orphans: dict[int, list[int]] = defaultdict(list)
    for pk, village_id, cadre_id, status in (
        samples.filter(village_id__in=list(staff))
        .order_by("village_id", "draw_order")
        .values_list("pk", "village_id", "interviewer_id", "status")
    ):
        if cadre_id in staff[village_id]:
            load[village_id, cadre_id] += 1
        elif status == Status.PENDING:
            orphans[village_id].append(pk)
    handed: dict[int, list[int]] = defaultdict(list)
    for village_id, keys in orphans.items():
        for pk in keys:
            cadre_id = min(staff[village_id], key=lambda cadre: load[village_id, cadre])
            load[village_id, cadre_id] += 1
            handed[cadre_id].append(pk)
    for cadre_id, keys in handed.items():
        Sample.objects.filter(pk__in=keys).update(interviewer_id=cadre_id)
