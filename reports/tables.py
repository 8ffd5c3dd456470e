"""A report's table, written once and shown three ways: the page, CSV and XLSX.

A column has a type; the page formats it for the reader's language, the
exports keep it a value: dates ISO 8601, money as exact numbers (two places),
rates as percentages (12.5 is 12.5 %), hours with two places. Empty is "no
figure" (a rate over nothing), never zero.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
# A long table (2,000 interpreters, 2,000 agencies) is shown this many rows at a
# time, in the order that matters; the CSV and XLSX have every row. Formatting
# and rendering thousands of rows cost seconds, and nobody reads them on a page.
PAGE_ROWS = 50


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
    # Shown a page of PAGE_ROWS at a time: the rows are already in the order
    # that matters (the busiest interpreters, the worst agencies first).
    paged: bool = False

    def shown(self, start: int = 0, stop: int | None = None) -> list[dict]:
        """Rows [start:stop] formatted for the page:
        [{"cells": [(text, is_number)], "marked": bool}]."""
        return [
            {
                "cells": [
                    (shown(v, c.type), c.type != TEXT)
                    for v, c in zip(row, self.columns, strict=True)
                ],
                "marked": i in self.marked,
            }
            for i, row in enumerate(self.rows[start:stop], start=start)
        ]

    def shown_footer(self) -> list[tuple[str, bool]] | None:
        if self.footer is None:
            return None
        return [
            (shown(v, c.type), c.type != TEXT)
            for v, c in zip(self.footer, self.columns, strict=True)
        ]


@dataclass
class ShownTable:
    """A table as the page shows it: every row, or one page of a paged table."""

    table: Table
    rows: list[dict]
    footer: list[tuple[str, bool]] | None
    page: Page | None = None  # only when the table has more rows than a page

    @property
    def position(self) -> str:
        if self.page is None:
            return ""
        return _("Rows %(first)s–%(last)s of %(count)s; the CSV and XLSX have every row.") % {
            "first": number_format(self.page.start_index(), force_grouping=True),
            "last": number_format(self.page.end_index(), force_grouping=True),
            "count": number_format(self.page.paginator.count, force_grouping=True),
        }


def on_page(table: Table, page_number, per_page: int | None = None) -> ShownTable:
    """The table for the page: only the rows of the page asked for when it is paged
    (a page number that is not one reads as the first page, past the end as the last)."""
    per_page = per_page or PAGE_ROWS
    if not table.paged or len(table.rows) <= per_page:
        return ShownTable(table, table.shown(), table.shown_footer())
    page = Paginator(table.rows, per_page).get_page(page_number)
    first = page.start_index() - 1
    return ShownTable(
        table, table.shown(first, first + len(page.object_list)), table.shown_footer(), page
    )


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


class _Line:
    """A file for csv.writer that hands each written line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(tables: list[Table]):
    """Each table with its title line, header and rows; a blank line between tables.
    Line by line, so a response can stream it."""
    writer = csv.writer(_Line())
    for n, table in enumerate(tables):
        if n:
            yield writer.writerow([])
        yield writer.writerow([table.title])
        yield writer.writerow([_header(c) for c in table.columns])
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            values = [exported(v, c.type) for v, c in zip(row, table.columns, strict=True)]
            yield writer.writerow(
                ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values]
            )


def write_csv(tables: list[Table]) -> str:
    return "".join(csv_lines(tables))


XLSX_FORMATS = {
    DATE: "yyyy-mm-dd",
    MONTH_START: "yyyy-mm-dd",
    MONEY: "#,##0.00",
    HOURS: "0.00",
    RATE: "0.00",
}


def write_xlsx(tables: list[Table], target) -> None:
    """One sheet per table into `target` (a path or a binary file); dates as dates,
    numbers as numbers, the header in bold and frozen. openpyxl's write-only mode:
    each row goes to the file as it is written, not into a sheet held in memory."""
    book = Workbook(write_only=True)
    for n, table in enumerate(tables):
        # Sheet names: at most 31 characters, none of []:*?/\ .
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:28] or _("Sheet")
        sheet = book.create_sheet(f"{n + 1} {name}"[:31])
        # Widths and the frozen header before any row (write-only mode).
        for i, column in enumerate(table.columns, start=1):
            width = max(12, min(40, len(_header(column)) + 2))
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=_header(column))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        formats = [XLSX_FORMATS.get(c.type) for c in table.columns]
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            cells = []
            for value, column, fmt in zip(row, table.columns, formats, strict=True):
                value = exported(value, column.type)
                if fmt and value is not None and not isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = fmt
                    value = cell
                cells.append(value)
            sheet.append(cells)
    book.save(target)
