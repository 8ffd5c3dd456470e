"""Plain SQL with names from the models.

Where a read that runs on every request is cheaper as one statement written
out than as a queryset compiled each time, the statement still takes every
table and column name from the model's `_meta`, so a renamed field or table
moves it along, and quotes them as the database wants.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def sql_names(model) -> tuple[str, Callable[[str], str]]:
    """`(table, column)`: the model's quoted table name, and a function from a
    field's name to its quoted column name."""
    quote = connection.ops.quote_name
    meta = model._meta
    return quote(meta.db_table), lambda field: quote(meta.get_field(field).column)


def placeholders(values) -> str:
    """`%s, %s, ...`, one for each of `values` (for `IN (...)`)."""
    return ", ".join(["%s"] * len(values))


def as_moment(value) -> datetime | None:
    """A timestamp column of plain SQL as an aware datetime: PostgreSQL gives
    one already; SQLite gives the stored UTC text (or a naive datetime)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value
