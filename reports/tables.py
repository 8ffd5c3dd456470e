"""A report's table, written once and shown three ways: the page, CSV and XLSX.

A column has a type; the page formats it for the reader's language, the
exports keep it a value: dates ISO 8601, money as exact numbers (two places),
rates as percentages (12.5 is 12.5 %), hours with two places. Empty is "no
figure" (a rate over nothing), never zero.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common import dates

TEXT, DATE, MONTH_START, COUNT, MONEY, RATE, HOURS = (
    "text",
    "date",
    "month",  # a date, the month's first day; read as the month's name
    "count",
    "money",
    "rate",
    "hours",
)


@dataclass(frozen=True)
class Column:
    label: str
    type: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # Indexes of rows to highlight (the worst agencies).
    marked: set[int] = field(default_factory=set)
    footer: list | None = None  # totals, typed like the rows

    def shown(self) -> list[dict]:
        """Rows formatted for the page: [{"cells": [(text, is_number)], "marked": bool}]."""
        out = [
            {
                "cells": [
                    (shown(v, c.type), c.type != TEXT)
                    for v, c in zip(row, self.columns, strict=True)
                ],
                "marked": i in self.marked,
            }
            for i, row in enumerate(self.rows)
        ]
        return out

    def shown_footer(self) -> list[tuple[str, bool]] | None:
        if self.footer is None:
            return None
        return [
            (shown(v, c.type), c.type != TEXT)
            for v, c in zip(self.footer, self.columns, strict=True)
        ]


def shown(value, kind: str) -> str:
    """A value as the reader reads it (their language's numbers and dates)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # a label in a typed column ("Total")
        return value
    if kind == DATE:
        return dates.format_date(value)
    if kind == MONTH_START:
        return dateformat.format(value, "F Y")
    if kind == COUNT:
        return number_format(value, force_grouping=True)
    if kind in (MONEY, HOURS):
        return number_format(value, decimal_pos=2, force_grouping=True)
    if kind == RATE:
        return f"{number_format(value * 100, decimal_pos=1)} %"
    return str(value)


def exported(value, kind: str):
    """A value as a spreadsheet keeps it: ISO dates, plain numbers, percentages."""
    if value is None or value == "":
        return None
    if isinstance(value, str):  # a label in a typed column ("Total")
        return value
    if kind in (DATE, MONTH_START):
        return value
    if kind == RATE:
        return (Decimal(value) * 100).quantize(Decimal("0.01"))
    if kind in (MONEY, HOURS):
        return Decimal(value).quantize(Decimal("0.01"))
    return value


def _header(column: Column) -> str:
    return f"{column.label} (%)" if column.type == RATE else column.label


def write_csv(tables: list[Table]) -> str:
    """Each table with its title line, header and rows; a blank line between tables."""
    out = io.StringIO()
    writer = csv.writer(out)
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([_header(c) for c in table.columns])
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            values = [exported(v, c.type) for v, c in zip(row, table.columns, strict=True)]
            writer.writerow(
                ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values]
            )
    return out.getvalue()


def write_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table; dates as dates, numbers as numbers, the header in bold."""
    book = Workbook()
    book.remove(book.active)
    for n, table in enumerate(tables):
        # Sheet names: at most 31 characters, none of []:*?/\ .
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:28] or _("Sheet")
        sheet = book.create_sheet(f"{n + 1} {name}"[:31])
        sheet.append([_header(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            sheet.append([exported(v, c.type) for v, c in zip(row, table.columns, strict=True)])
        for i, column in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = max(12, min(40, len(_header(column)) + 2))
            fmt = {
                DATE: "yyyy-mm-dd",
                MONTH_START: "yyyy-mm-dd",
                MONEY: "#,##0.00",
                HOURS: "0.00",
                RATE: "0.00",
            }.get(column.type)
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = fmt
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
