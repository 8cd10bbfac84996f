"""Admin lists of millions of rows: the unfiltered total is estimated, not counted.

``SELECT COUNT(*)`` reads every row of the table on PostgreSQL. For a whole table (a city-wide
user's list with no filter or search) the planner's own estimate of the table's rows answers at
once and is close enough to number the pages; the list says "about N" (templates/admin/
pagination.html). A filtered or scoped list is counted exactly when a table of counts holds its
length (the admin's ``known_count``); otherwise it is counted up to 1,000 rows past the start
of the page shown, and a longer one says "more than N": counting 300,000 visits of a county
reads them all, and no one pages that far. Lists on SQLite follow the same rules but for the
estimate.
"""

from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

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
    """Counts like Django's paginator, except a whole large table on PostgreSQL (estimated), a
    list whose length is known from elsewhere, and a long filtered list (counted to a bound)."""

    # Below this many rows an exact count costs little and a stale estimate would show.
    exact_below = 100_000
    # A filtered list is counted this many rows past the start of the page shown (20 pages of
    # 50 ahead): reading 10,000 visits of a county through their households takes a second.
    count_up_to = 1_000
    is_estimate = False
    # Set when the count stopped at its bound: there are more rows than it says.
    is_lower_bound = False

    def __init__(
        self, *args: Any, known_count: int | None = None, shown_page: int = 1, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.known_count = known_count
        self.bound = (shown_page - 1) * self.per_page + self.count_up_to

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is not None and estimate >= self.exact_below:
            self.is_estimate = True
            return estimate
        if self.known_count is not None:
            return self.known_count
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # COUNT over a LIMIT: the database stops reading at the bound. Only the keys: the
        # columns the page shows (a cadre's households, say) are not worked out 10,000 times.
        rows = self.object_list.order_by()
        if not rows.query.combinator:
            rows = rows.values("pk")
        counted = rows[: self.bound + 1].count()
        if counted > self.bound:
            self.is_lower_bound = True
            return self.bound
        return counted

    @property
    def is_incomplete(self) -> bool:
        """The count is an estimate or a lower bound, not the list's exact length."""
        return self.is_estimate or self.is_lower_bound

    def get_elided_page_range(
        self, number: int | str = 1, *, on_each_side: int = 3, on_ends: int = 2
    ) -> list:
        """Django's page links; for an estimate or a lower bound, none past the current page's
        neighbours: the last pages may not exist, and reaching one reads most of the table."""
        pages = list(
            super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
        )
        if not self.is_incomplete:
            return pages
        last = min(self.validate_number(number) + on_each_side, self.num_pages)
        pages = [page for page in pages if page == self.ELLIPSIS or page <= last]
        while pages and pages[-1] == self.ELLIPSIS:
            pages.pop()
        more = last < self.num_pages or self.is_lower_bound
        return [*pages, self.ELLIPSIS] if more else pages

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
    """A ModelAdmin whose unfiltered list estimates its total and whose filtered lists count to
    a bound (see the module's docstring), 50 rows a page."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # A page of 100 rows with their households, cadres and units takes longer to render than to
    # find.
    list_per_page = 50

    def action_checkbox(self, obj: Any) -> str:
        """Django's row checkbox, written out: rendering its widget's template for each row
        costs a third of the list's time."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EstimatedCountChangeList

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Paginator:
        page = request.GET.get(PAGE_VAR, "")
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            known_count=self.known_count(request),
            shown_page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
        )

    def known_count(self, request: HttpRequest) -> int | None:
        """The list's exact length when a table of counts holds it; None: count the rows."""
        return None


class KnownCountPaginator(Paginator):
    """A paginator told its length (say, by a table of counts) instead of counting the rows."""

    def __init__(self, *args: object, known_count: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count
