"""Reading a hand-written query's columns as the ORM reads a model's field.

A raw query's extra columns come back as the database driver gives them:
SQLite gives a datetime as text and a decimal as a float, PostgreSQL the
types already. `column_reader(field)` converts them with the backend's and
the field's own converters, the ones a queryset would apply; `read_columns`
does so for a raw query's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection


def column_reader(field) -> Callable[[Any], Any]:
    col = field.cached_col
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)

    def read(value):
        if value is None:
            return None
        for convert in converters:
            value = convert(value, col, connection)
        return value

    return read


def read_columns(rows, columns) -> None:
    """Convert, on each of `rows` (a raw query's objects), every attribute of
    `columns` ((attribute, model field) pairs) as the ORM reads that field."""
    readers = [(attribute, column_reader(field)) for attribute, field in columns]
    for row in rows:
        for attribute, read in readers:
            setattr(row, attribute, read(getattr(row, attribute)))
