"""The one estimator of measured satisfaction, for the results pages and the dashboard alike.

An area's rate weights its villages by their households: p = Σ N_v·p_v / Σ N_v, with a 95 %
margin of 1.96·√(Σ w_v²·p_v(1−p_v)/n_v·fpc_v), w_v = N_v/ΣN and fpc_v = (N_v−n_v)/(N_v−1).
Each village contributes its terms; an area adds them up, so that the sums can be kept per
village and township and an area's figure read from a few rows.
"""

import math

Z_95 = 1.96


def village_terms(households: int, interviewed: int, answered: int, pleased: int) -> tuple:
    """A village's weight N, its N·p and its N²·p(1−p)/n·fpc, with p = pleased / answered and
    n the households interviewed (0, 0, 0 without answers)."""
    if not (interviewed and answered and households):
        return 0, 0.0, 0.0
    p = pleased / answered
    fpc = (households - interviewed) / (households - 1) if households > 1 else 0.0
    fpc = max(fpc, 0.0)
    return households, households * p, households**2 * p * (1 - p) / interviewed * fpc


def rate_and_margin(population: int, weighted: float, variance: float) -> tuple:
    """The rate and its 95 % margin (fractions) from the sums of villages' terms; None, None
    without a population."""
    if not population:
        return None, None
    return weighted / population, Z_95 * math.sqrt(max(variance, 0.0)) / population
