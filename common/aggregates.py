"""Related counts as correlated subqueries: one per row, no join that multiplies rows."""

from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def count_subquery(queryset: QuerySet, field: str) -> Coalesce:
    """Rows of ``queryset`` whose ``field`` points at the outer row, as an integer."""
    subquery = Subquery(
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=models.IntegerField(),
    )
    return Coalesce(subquery, 0)


def sum_subquery(
    queryset: QuerySet, field: str, column: str, output_field: models.Field
) -> Coalesce:
    """The sum of ``column`` over the rows of ``queryset`` whose ``field`` points at the outer
    row; zero when there are none."""
    subquery = Subquery(
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(total=Sum(column))
        .values("total")[:1],
        output_field=output_field,
    )
    return Coalesce(subquery, Value(0), output_field=output_field)
