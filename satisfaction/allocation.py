"""How many households each stratum of a village gives to the sample and to the reserve.

Pure arithmetic on the strata's sizes, so that the draw depends only on the households and
the round's settings: proportional allocation with largest-remainder rounding, then every
vulnerable stratum present raised to at least one household (two when the sample allows),
taken from the largest stratum.
"""

import math
from collections.abc import Mapping
from decimal import Decimal

from villages.models import Household

Category = Household.Category

# Strata in a fixed order, so that ties always fall the same way.
ORDER = [choice.value for choice in Category]
# The most vulnerable first: with a sample too small for all, these come first.
VULNERABLE = (Category.DESTITUTE, Category.SUBSISTENCE, Category.MONITORED)


def sample_size(households: int, *, per_village: int | None, share: Decimal | float | None) -> int:
    """A number per village, or a share of its households rounded up; never more than it has."""
    if per_village is not None:
        wanted = per_village
    else:
        wanted = math.ceil(Decimal(share) * households / 100)
    return max(0, min(wanted, households))


def proportional(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """``n`` spread over the strata in proportion to their sizes, largest remainders first."""
    total = sum(sizes.values())
    if total == 0 or n == 0:
        return dict.fromkeys(sizes, 0)
    exact = {key: n * size / total for key, size in sizes.items()}
    taken = {key: math.floor(value) for key, value in exact.items()}
    left = n - sum(taken.values())
    by_remainder = sorted(sizes, key=lambda key: (-(exact[key] - taken[key]), ORDER.index(key)))
    for key in by_remainder:
        if left == 0:
            break
        if taken[key] < sizes[key]:
            taken[key] += 1
            left -= 1
    return taken


def _floor_of(key: str, sizes: Mapping[str, int], each: int) -> int:
    return min(sizes[key], each) if key in VULNERABLE else 0


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """The sample of ``n`` households over the strata: proportional, with each vulnerable
    stratum present given at least one, or two when they would take at most half the sample."""
    sizes = {key: size for key, size in sizes.items() if size > 0}
    taken = proportional(sizes, n)
    present = [key for key in VULNERABLE if key in sizes]
    each = 2 if 2 * len(present) * 2 <= n else 1
    for key in present:
        while taken[key] < _floor_of(key, sizes, each):
            # From the stratum holding most above its own floor.
            donors = [
                other
                for other in sizes
                if other != key and taken[other] > _floor_of(other, sizes, each)
            ]
            if not donors:
                return taken
            donor = max(donors, key=lambda other: (taken[other], -ORDER.index(other)))
            taken[donor] -= 1
            taken[key] += 1
    return taken


def allocate_reserve(sizes: Mapping[str, int], taken: Mapping[str, int], r: int) -> dict[str, int]:
    """The reserve of ``r`` households, in proportion to what each stratum has left."""
    rest = {key: sizes[key] - taken.get(key, 0) for key in sizes}
    return proportional(rest, min(r, sum(rest.values())))
