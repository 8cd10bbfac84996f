"""Scoring a checklist, with no database: points checked against each criterion, a total out of
100, and the rating the total earns.

- A criterion scored *met or not* takes 0 or its full weight; a *graded* one any number from 0 to
  its weight in steps of 0.5. A refusal names the criterion and the limit.
- The total is the points over the weights, times 100, rounded half up to one decimal: a
  checklist whose weights do not add up to 100 still gives totals out of 100.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from assessments.models import Checklist, Criterion

STEP = Decimal("0.5")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


def points_text(value: Decimal) -> str:
    """Points as people write them: 5, 2.5 (never 5.0)."""
    text = format(value.quantize(TENTH), "f")
    return text.removesuffix(".0")


def parse_points(criterion: Criterion, value: object) -> Decimal | None:
    """``value`` (a number or its text) as points; None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        points = Decimal(str(value).strip())
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite():
        raise ValidationError(
            gettext("“%(criterion)s”: the points must be a number.")
            % {"criterion": criterion.title},
            code="not_a_number",
        )
    return points


def check_points(criterion: Criterion, value: object) -> Decimal | None:
    """The points ``value`` gives ``criterion``, refused beyond what its scoring allows."""
    points = parse_points(criterion, value)
    if points is None:
        return None
    names = {"criterion": criterion.title, "weight": points_text(criterion.weight)}
    if criterion.scoring == Criterion.Scoring.MET:
        if points not in (0, criterion.weight):
            raise ValidationError(
                gettext("“%(criterion)s” is met or not: give 0 or %(weight)s points.") % names,
                code="met_or_not",
            )
        return points.quantize(TENTH)
    if points < 0 or points > criterion.weight:
        raise ValidationError(
            gettext("“%(criterion)s” takes from 0 to %(weight)s points.") % names,
            code="out_of_range",
        )
    if points % STEP:
        raise ValidationError(
            gettext("“%(criterion)s” is scored in steps of 0.5 points.") % names,
            code="not_a_step",
        )
    return points.quantize(TENTH)


def total(scored: Iterable[tuple[Criterion, Decimal]]) -> Decimal:
    """The total out of 100 of the points given to criteria: their sum over the weights'."""
    pairs = list(scored)
    weights = sum((criterion.weight for criterion, _ in pairs), start=Decimal(0))
    if weights <= 0:
        raise ValidationError(gettext("The checklist has no criteria."), code="no_criteria")
    points = sum((points for _, points in pairs), start=Decimal(0))
    return (points / weights * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


def rating(checklist: Checklist, total_score: Decimal) -> tuple[int | None, bool]:
    """The stars (for a checklist rated in stars; None otherwise) and whether the total is up to
    the standard, which every checklist says."""
    up_to_standard = total_score >= checklist.standard_score
    if checklist.rating_kind == Checklist.RatingKind.STARS:
        return checklist.stars_for(total_score), up_to_standard
    return None, up_to_standard
