"""The draw: a stratified random sample of households per village, with an ordered reserve.

Reproducible: the round's seed and each stratum's households (their keys, ascending) decide
it all, each stratum drawing from its own ``random.Random(f"{seed}:{village}:{category}")``,
so the same households drawn again with the same seed give the same sample, whatever else
changed in the city. The households are read in one pass ordered by village and the samples
written in batches, in one transaction, with one audit event for the whole draw.
"""

import io
import itertools
import random
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.records import acting_user
from satisfaction import allocation
from satisfaction.checks import check_runs, check_status, locked
from satisfaction.models import Attempt, DrawnVillage, Round, Sample
from satisfaction.signals import announce
from villages.models import Household

# Rows written at a time: COPY on PostgreSQL, INSERT elsewhere.
BATCH_SIZE = 20000
Status = Sample.Status
# Each category's household keys, ascending.
Strata = dict[str, list[int]]


@dataclass
class VillageDraw:
    """One village's draw: its households' count and the households drawn, in order."""

    village_id: int
    households: int
    sample: list[tuple[int, str]]
    reserve: list[tuple[int, str]]


def draw_village(
    *,
    seed: int,
    village_id: int,
    strata: Strata,
    per_village: int | None,
    share: object,
    reserve_per_village: int,
) -> VillageDraw:
    """Draw one village from its households' keys by category (each list ascending)."""
    sizes = {category: len(ids) for category, ids in strata.items()}
    households = sum(sizes.values())
    n = allocation.sample_size(households, per_village=per_village, share=share)
    taken = allocation.allocate(sizes, n)
    kept = allocation.allocate_reserve(sizes, taken, reserve_per_village)
    sample: list[tuple[int, str]] = []
    reserve: list[tuple[int, str]] = []
    for category in allocation.ORDER:
        ids = strata.get(category)
        if not ids:
            continue
        wanted = taken.get(category, 0) + kept.get(category, 0)
        if wanted == 0:
            continue
        # Seeded on purpose: anyone with the seed can draw the same sample again.
        stream = random.Random(f"{seed}:{village_id}:{category}")  # noqa: S311
        picked = stream.sample(ids, wanted)
        sample.extend((pk, category) for pk in picked[: taken[category]])
        reserve.extend((pk, category) for pk in picked[taken[category] :])
    # The reserve comes in one order across its strata, shuffled from its own sorted list.
    reserve.sort()
    random.Random(f"{seed}:{village_id}:reserve").shuffle(reserve)  # noqa: S311
    return VillageDraw(village_id, households, sample, reserve)


def _grouped(rows: Iterable[tuple[int, str, int]]) -> Iterator[tuple[int, Strata]]:
    """(village, {category: [keys ascending]}) from rows ordered by village and key."""
    for village_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        strata: Strata = {}
        for _village, category, pk in group:
            strata.setdefault(category, []).append(pk)
        yield village_id, strata


def _aggregated(rows: Iterable[tuple[int, str, list[int]]]) -> Iterator[tuple[int, Strata]]:
    """The same from rows of (village, category, [keys ascending]) ordered by village."""
    for village_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        yield village_id, {category: ids for _village, category, ids in group}


def villages_of(round: Round) -> Iterator[tuple[int, Strata]]:
    """The round's area's households by village and category, read in one pass: on PostgreSQL
    each stratum's keys come as one array (millions of rows become thousands), elsewhere row
    by row."""
    households = Household.objects.in_area(round.area).order_by()
    if connection.vendor == "postgresql":
        return _aggregated(
            households.values_list("village_id", "category")
            .annotate(ids=ArrayAgg("pk", order_by="pk"))
            .order_by("village_id", "category")
            .iterator(chunk_size=2000)
        )
    return _grouped(
        households.order_by("village_id", "pk")
        .values_list("village_id", "category", "pk")
        .iterator(chunk_size=20000)
    )


def _sample_rows(round: Round, drawn: VillageDraw) -> Iterator[tuple]:
    """(household, village, stratum, draw order, status) of each household drawn."""
    order = itertools.count(1)
    for status, households in ((Status.PENDING, drawn.sample), (Status.RESERVE, drawn.reserve)):
        for pk, category in households:
            yield (pk, drawn.village_id, category, next(order), status)


COPY_COLUMNS = (
    "round_id, household_id, village_id, stratum, draw_order, status, tries, method, comment"
)


def _copy(round: Round, rows: list[tuple]) -> None:
    """Rows into the table by PostgreSQL's COPY, several times faster than INSERT."""
    text = "".join(
        f"{round.pk}\t{pk}\t{village}\t{stratum}\t{order}\t{status}\t0\t\t\n"
        for pk, village, stratum, order, status in rows
    )
    with connection.cursor() as cursor:
        cursor.connection.cursor().copy_expert(
            f"COPY {Sample._meta.db_table} ({COPY_COLUMNS}) FROM STDIN", io.StringIO(text)
        )


def _insert(round: Round, rows: list[tuple]) -> None:
    Sample.objects.bulk_create(
        Sample(
            round_id=round.pk,
            household_id=pk,
            village_id=village,
            stratum=stratum,
            draw_order=order,
            status=status,
        )
        for pk, village, stratum, order, status in rows
    )


def _forget_previous_draw(round: Round) -> None:
    # In SQL: no attempt exists to cascade to, and Django's delete would read every row first.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Sample._meta.db_table} WHERE round_id = %s", [round.pk])  # noqa: S608
    DrawnVillage.objects.filter(round=round).delete()


def _write(round: Round, draws: Iterable[VillageDraw]) -> dict[str, int]:
    counts = {"villages": 0, "households": 0, "sample": 0, "reserve": 0, "short": 0}
    wanted = round.per_village

    def samples() -> Iterator[tuple]:
        villages: list[DrawnVillage] = []
        for drawn in draws:
            counts["villages"] += 1
            counts["households"] += drawn.households
            counts["sample"] += len(drawn.sample)
            counts["reserve"] += len(drawn.reserve)
            if wanted is not None and len(drawn.sample) < wanted:
                counts["short"] += 1
            villages.append(
                DrawnVillage(
                    round_id=round.pk,
                    village_id=drawn.village_id,
                    households=drawn.households,
                    drawn=len(drawn.sample),
                    reserve=len(drawn.reserve),
                )
            )
            yield from _sample_rows(round, drawn)
        DrawnVillage.objects.bulk_create(villages, batch_size=BATCH_SIZE)

    write = _copy if connection.vendor == "postgresql" else _insert
    rows = samples()
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        write(round, batch)
    return counts


@transaction.atomic
def draw_sample(*, round: Round, by: AbstractBaseUser | None, seed: int | None = None) -> Round:
    """Draw (or draw again, replacing the last draw) the round's sample and reserve, while the
    round is being prepared and nobody has been tried; the seed is drawn unless given."""
    check_runs(by, round)
    round = locked(round)
    check_status(
        round,
        Round.Status.DRAFT,
        gettext("The sample can be drawn only while the round is being prepared."),
    )
    if Attempt.objects.filter(sample__round=round).exists():
        raise ValidationError(
            gettext("Households of this round have been tried: it cannot be drawn again."),
            code="already_tried",
        )
    round.seed = secrets.randbits(62) if seed is None else seed
    _forget_previous_draw(round)
    draws = (
        draw_village(
            seed=round.seed,
            village_id=village_id,
            strata=strata,
            per_village=round.per_village,
            share=round.share,
            reserve_per_village=round.reserve_per_village,
        )
        for village_id, strata in villages_of(round)
    )
    counts = _write(round, draws)
    round.drawn_at = timezone.now()
    round.drawn_by = acting_user(by)
    round.save(update_fields=["seed", "drawn_at", "drawn_by"])
    from satisfaction.interviewers import spread_samples

    spread_samples(round=round)
    announce("round_draw", round, acting_user(by), seed=round.seed, **counts)
    return round
