"""Paginators for admin lists of a million rows.

Django's changelist asks its paginator for `count`, which is a
`SELECT COUNT(*)` over the whole (filtered) list on every page, and reads a
page with OFFSET, which fetches every row it skips. At a million calls both
cost more than the page itself. `LargeTablePaginator`:

- unfiltered: the count is PostgreSQL's estimate of the table's rows
  (`pg_class.reltuples`, kept by ANALYZE and autovacuum): the page links are
  right to within the estimate, and nothing is counted;
- filtered or searched: the count stops at `cap` rows (10,000; 1,000 for a
  search: a count of the first `cap` matches, not the whole list): past that
  many the list says "cap" and links that many pages; a narrower filter
  reaches the rest;
- a page is read in two steps: the keys of its rows (the list's ORDER BY and
  OFFSET over the ordering's index only, no row fetched), then those rows.

On other databases (SQLite in development) it is Django's Paginator.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import connection
from django.utils.functional import cached_property

# Rows a filtered list counts at most (200 pages of 50), and a searched one
# (a search that finds more than 1,000 calls is not yet the search wanted).
FILTERED_COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000
# Below this many rows a table is simply counted (its estimate may be stale).
ESTIMATE_FROM_ROWS = 100_000


def estimated_rows(table: str) -> int | None:
    """PostgreSQL's estimate of a table's rows; None if there is none yet (or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


class LargeTablePaginator(Paginator):
    def __init__(self, object_list, per_page, *args, filtered: bool = True, cap=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.filtered = filtered
        self.cap = cap or FILTERED_COUNT_CAP

    @cached_property
    def count(self) -> int:
        if connection.vendor != "postgresql":
            return super().count
        plain = self.object_list.select_related(None).prefetch_related(None).order_by()
        if self.filtered:
            # The keys only: a list filtered across a relation is DISTINCT (the
            # admin's own guard against duplicates), and DISTINCT over every
            # column of 10,000 rows sorted them all (the session-date filter:
            # 889 -> 133 ms at a million calls).
            return plain.values("pk")[: self.cap].count()
        estimate = estimated_rows(self.object_list.model._meta.db_table)
        if estimate is None or estimate < ESTIMATE_FROM_ROWS:
            return plain.count()
        return estimate

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if connection.vendor != "postgresql":
            return super().page(number)
        bottom = (number - 1) * self.per_page
        keys = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return Page(list(self.object_list.filter(pk__in=keys)), number, self)


class LargeTableAdmin:
    """ModelAdmin mixin for tables of millions of rows: no full count, and
    the paginator above (a list is "filtered" when its URL has anything but
    the page and the ordering)."""

    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        filtered = any(key not in ("p", "o") for key in request.GET)
        cap = SEARCH_COUNT_CAP if request.GET.get("q") else FILTERED_COUNT_CAP
        return LargeTablePaginator(
            queryset, per_page, orphans, allow_empty_first_page, filtered=filtered, cap=cap
        )
