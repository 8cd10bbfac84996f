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

import json
from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, OrderBy, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

# Rows on a page of the admin's lists: a page of 100 rows with their households, cadres and
# units takes longer to render than to find.
LIST_PER_PAGE = 50

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


class KeysFirstPaginator(EstimatedCountPaginator):
    """A page of a filtered or scoped list in two steps: the keys of its rows in the list's
    order, read without the columns shown, then those rows with their related records.

    A list the planner expects to be short (a liaison's visits, a village's) is sorted whole:
    walking the date index of the city's three million visits to find a page of a village's
    reads thousands of rows, where sorting the village's few hundred found through their
    village index reads only those. A long list (a county's, the city's by outcome) is read in
    order along its index.
    """

    # Walking the list's index reads about ``per_page × table ÷ rows`` records, each fetched
    # alone to test its village or cadre, at this many times the cost of a record found with
    # its neighbours on the same page and sorted whole.
    lookup_cost = 10

    @cached_property
    def count(self) -> int:
        keys = self._short_keys
        if keys is None or self.known_count is not None:
            return EstimatedCountPaginator.count.func(self)
        if len(keys) > self.bound:
            self.is_lower_bound = True
            return self.bound
        return len(keys)

    @cached_property
    def _short_keys(self) -> list | None:
        """A short list's keys in order up to the count's bound, read once for both the count
        and the page; None for a list read along its index."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not self._takes_keys_first(queryset):
            return None
        if not self.is_short(queryset):
            return None
        keys = queryset.values_list("pk", flat=True).order_by(*self._sorted_whole(queryset))
        return list(keys[: self.bound + 1])

    def page(self, number: int | str) -> Any:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not self._takes_keys_first(queryset):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # A count stopped at its bound is not the list's end.
        if top + self.orphans >= self.count and not self.is_lower_bound:
            top = self.count
        short = self._short_keys
        if short is not None and top <= len(short):
            page_keys = short[bottom:top]
        else:
            page_keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        # The conditions chose the keys; repeated on the page's rows they would be worked out
        # again (a liaison's cadres and villages, say).
        rows = queryset._chain()
        rows.query.clear_where()
        rows = rows.filter(pk__in=page_keys)
        return self._get_page(rows, number, self)

    def is_short(self, queryset: QuerySet) -> bool:
        """Sorting the list whole costs less than walking its index, by the planner's figures
        (rows² < lookup_cost × per_page × table); always False on SQLite, which has none."""
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return False
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            cursor.execute(ESTIMATE_SQL, [connection.ops.quote_name(queryset.model._meta.db_table)])
            table = cursor.fetchone()
        rows = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]
        if table is None or table[0] is None:
            return False
        return rows * rows < self.lookup_cost * self.per_page * table[0]

    @staticmethod
    def _takes_keys_first(queryset: QuerySet) -> bool:
        """Only a plain filtered list: its rows are exactly those of its keys, without the
        conditions. A join to many rows (a reverse relation) would repeat them; a grouped or
        combined query has no plain keys; a whole table is read in order already, unless its
        order is another table's (surveys by their village)."""
        query = queryset.query
        if query.distinct or query.combinator or query.group_by or query.is_sliced:
            return False
        if not query.order_by:
            return False
        if EstimatedCountPaginator._is_whole_table(queryset) and not any(
            isinstance(key, str) and KeysFirstPaginator._is_other_tables(queryset, key)
            for key in query.order_by
        ):
            return False
        return not any(
            join.join_field.one_to_many or join.join_field.many_to_many
            for join in query.alias_map.values()
            if getattr(join, "join_field", None) is not None
        )

    @staticmethod
    def _sorted_whole(queryset: QuerySet) -> list:
        """The list's ordering with its first key wrapped in COALESCE(x, x): the same order, but
        one no index provides, so PostgreSQL finds the rows first and sorts them after."""
        first, *rest = ordering = queryset.query.order_by
        if isinstance(first, str):
            name = first.removeprefix("-")
            if name == "?" or KeysFirstPaginator._is_other_tables(queryset, name):
                # A related record's order (a cadre's unit and name) is another table's: no
                # index of this one provides it.
                return list(ordering)
            first = OrderBy(F(name), descending=first.startswith("-"))
        elif not isinstance(first, OrderBy):
            return list(ordering)
        wrapped = first.copy()
        wrapped.expression = Coalesce(first.expression, first.expression)
        return [wrapped, *rest]

    @staticmethod
    def _is_other_tables(queryset: QuerySet, key: str) -> bool:
        """The ordering ``key`` ("-village", "cadre__name") is another table's column."""
        name = key.removeprefix("-")
        return "__" in name or KeysFirstPaginator._is_relation(queryset, name)

    @staticmethod
    def _is_relation(queryset: QuerySet, name: str) -> bool:
        """``name`` is a relation of the model, ordered as the related model's ordering."""
        if name == "pk" or name in queryset.query.annotations:
            return False
        try:
            return queryset.model._meta.get_field(name).is_relation
        except FieldDoesNotExist:
            return False


class EstimatedCountChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if isinstance(self.paginator, KeysFirstPaginator) and not (
            self.multi_page or (self.show_all and self.can_show_all)
        ):
            # A single page too, so that a list costs the same queries for few rows as for many.
            self.result_list = self.paginator.page(1).object_list
        if self.paginator.is_estimate:
            # As on Django's unfiltered lists: no "N results (show all)" beside the search box.
            self.full_result_count = self.result_count


class EstimatedCountAdminMixin:
    """A ModelAdmin whose unfiltered list estimates its total and whose filtered lists count to
    a bound (see the module's docstring), 50 rows a page."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = LIST_PER_PAGE

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
