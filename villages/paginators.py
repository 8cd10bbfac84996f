"""Admin lists of millions of rows: the unfiltered total is estimated, not counted.

``SELECT COUNT(*)`` reads every row of the table on PostgreSQL. For a whole table (a city-wide
user's list with no filter or search) the planner's own estimate of the table's rows answers at
once and is close enough to number the pages; the list says "about N" (templates/admin/
pagination.html). Every filtered or scoped list, and every list on SQLite, is counted exactly.
"""

from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

# The planner's figure, scaled by the table's current size as the planner scales it; None when
# the table was never analysed.
ESTIMATE_SQL = """
    SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN NULL
           ELSE (c.reltuples / c.relpages
                 * (pg_relation_size(c.oid) / current_setting('block_size')::integer))::bigint
           END
    FROM pg_class c
    WHERE c.oid = to_regclass(%s)
"""


class EstimatedCountPaginator(Paginator):
    """Counts like Django's paginator, except a whole large table on PostgreSQL: estimated."""

    # Below this many rows an exact count costs little and a stale estimate would show.
    exact_below = 100_000
    is_estimate = False

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is not None and estimate >= self.exact_below:
            self.is_estimate = True
            return estimate
        return super().count

    def get_elided_page_range(
        self, number: int | str = 1, *, on_each_side: int = 3, on_ends: int = 2
    ) -> list:
        """Django's page links; for an estimate, none past the current page's neighbours: the
        last pages may not exist, and reaching one reads most of the table (seconds)."""
        pages = list(
            super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
        )
        if not self.is_estimate:
            return pages
        last = min(self.validate_number(number) + on_each_side, self.num_pages)
        pages = [page for page in pages if page == self.ELLIPSIS or page <= last]
        while pages and pages[-1] == self.ELLIPSIS:
            pages.pop()
        return [*pages, self.ELLIPSIS] if last < self.num_pages else pages

    def _estimate(self) -> int | None:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not self._is_whole_table(queryset):
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(ESTIMATE_SQL, [connection.ops.quote_name(queryset.model._meta.db_table)])
            row = cursor.fetchone()
        return None if row is None else row[0]

    @staticmethod
    def _is_whole_table(queryset: QuerySet) -> bool:
        """No condition, DISTINCT, slice or UNION: the rows are exactly the table's rows."""
        query = queryset.query
        return not (query.where or query.distinct or query.combinator or query.is_sliced)


class EstimatedCountChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if self.paginator.is_estimate:
            # As on Django's unfiltered lists: no "N results (show all)" beside the search box.
            self.full_result_count = self.result_count


class EstimatedCountAdminMixin:
    """A ModelAdmin whose unfiltered list estimates its total (see the module's docstring)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EstimatedCountChangeList


class KnownCountPaginator(Paginator):
    """A paginator told its length (say, by a table of counts) instead of counting the rows."""

    def __init__(self, *args: object, known_count: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count
