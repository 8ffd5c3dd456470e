"""An agency's monthly commission statement (SPEC "Money: the ledger").

One row per call settled in the month (UTC) with its number, member, outcome,
minutes and amounts (calls that cost nothing too: every outcome is listed),
one row per manual adjustment of the agency's commission, and totals,
including how many calls the member could not be reached for. The total is
exactly what the agency's commission account moved by in the month.

Billing knows a call only by its key, so who asks for a statement says how
to name each call's member: `member_names`, in practice
`calls.selectors.member_names_for_calls` (pages, API, the office's action and
command). Without it the member column is empty (the webhooks' totals).
"""

from __future__ import annotations

import csv
import functools
import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agents.models import Agency
from common.call_numbers import call_number
from common.errors import DomainError, NotFound

from .models import AccountKind, CallCharge, ChargeStatus, Entry, EntryKind, Kind, Outcome

ZERO = Decimal("0.00")

# Call keys -> "member's name (reference)", for one chunk of rows at a time.
MemberNames = Callable[[list[int]], dict[int, str]]


@dataclass(frozen=True)
class StatementRow:
    at: datetime
    call_id: int | None
    kind: str  # a service (Kind) for calls, "adjustment" for corrections
    talk_seconds: int | None
    billed_minutes: int | None
    client_charge: Decimal | None
    commission: Decimal
    note: str = ""
    outcome: str = ""
    member: str = ""

    @property
    def number(self) -> str:
        return call_number(self.call_id) if self.call_id else ""

    @property
    def outcome_label(self) -> str:
        return _label_in(get_language(), Outcome, self.outcome) if self.outcome else ""


@dataclass(frozen=True)
class Statement:
    agency_id: int
    agency_name: str
    year: int
    month: int
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def call_rows(self) -> list[StatementRow]:
        return [row for row in self.rows if row.kind != EntryKind.ADJUSTMENT]

    @property
    def calls(self) -> int:
        return len(self.call_rows)

    @property
    def member_unreachable(self) -> int:
        """Calls of the month the agency's member could not be reached for."""
        return sum(1 for row in self.call_rows if row.outcome == Outcome.MEMBER_UNREACHABLE)

    @property
    def billed_minutes(self) -> int:
        return sum(row.billed_minutes for row in self.call_rows)

    @property
    def client_charges(self) -> Decimal:
        return sum((row.client_charge for row in self.call_rows), ZERO)

    @property
    def commission(self) -> Decimal:
        return sum((row.commission for row in self.call_rows), ZERO)

    @property
    def adjustments(self) -> Decimal:
        return sum((row.commission for row in self.rows if row.kind == EntryKind.ADJUSTMENT), ZERO)

    @property
    def total(self) -> Decimal:
        return self.commission + self.adjustments


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    if not (1 <= month <= 12 and 2000 <= year <= 9998):
        raise DomainError("bad_month", _("Give the month as YYYY-MM."), field="month")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


# Rows read from the database (and members named) this many at a time.
STREAM_CHUNK = 2000


def agent_statement(
    *, agency_id: int, year: int, month: int, member_names: MemberNames | None = None
) -> Statement:
    """The agency's commission for calls settled in `year`-`month` (UTC), with totals."""
    agency = _agency(agency_id)
    rows = list(
        statement_rows(agency_id=agency_id, year=year, month=month, member_names=member_names)
    )
    return Statement(
        agency_id=agency_id, agency_name=agency.name, year=year, month=month, rows=rows
    )


def _agency(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency."))
    return agency


def statement_rows(
    *, agency_id: int, year: int, month: int, member_names: MemberNames | None = None
) -> Iterator[StatementRow]:
    """The statement's rows in time order, read a chunk at a time (a server-side
    cursor on PostgreSQL): calls settled in the month merged with the month's
    adjustments (few), each chunk's members named with one query."""
    start, end = month_bounds(year, month)
    charges = (
        CallCharge.objects.filter(
            agency_id=agency_id,
            status=ChargeStatus.SETTLED,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .order_by("closed_at", "call_id")
        .values_list(
            "closed_at",
            "call_id",
            "kind",
            "talk_seconds",
            "billed_minutes",
            "client_charge",
            "agent_commission",
            "outcome",
        )
        .iterator(chunk_size=STREAM_CHUNK)
    )
    entries = list(
        Entry.objects.filter(
            account__kind=AccountKind.AGENCY_COMMISSION,
            account__agency_id=agency_id,
            kind=EntryKind.ADJUSTMENT,
            created_at__gte=start,
            created_at__lt=end,
        ).order_by("created_at", "id")
    )
    members = _members([entry.call_id for entry in entries], member_names)
    adjustments = [
        StatementRow(
            at=entry.created_at,
            call_id=entry.call_id,
            kind=EntryKind.ADJUSTMENT,
            talk_seconds=None,
            billed_minutes=None,
            client_charge=None,
            commission=entry.amount,
            note=entry.reason,
            member=members.get(entry.call_id, ""),
        )
        for entry in entries
    ]
    return heapq.merge(_call_rows(charges, member_names), adjustments, key=_row_time)


def _row_time(row: StatementRow) -> datetime:
    return row.at


def _members(call_ids: list, member_names: MemberNames | None) -> dict[int, str]:
    keys = [pk for pk in call_ids if pk]
    return member_names(keys) if keys and member_names is not None else {}


def _call_rows(
    charges: Iterator[tuple], member_names: MemberNames | None
) -> Iterator[StatementRow]:
    """The settled calls' rows, a chunk at a time: each chunk's members are
    named with one query before its rows are made (each row made once)."""
    for chunk in _chunks(charges, STREAM_CHUNK):
        members = _members([values[1] for values in chunk], member_names)
        for at, call_id, kind, talk, minutes, charge, commission, outcome in chunk:
            yield StatementRow(
                at=at,
                call_id=call_id,
                kind=kind,
                talk_seconds=talk,
                billed_minutes=minutes,
                client_charge=charge,
                commission=commission,
                outcome=outcome,
                member=members.get(call_id, ""),
            )


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _kind_label(kind: str) -> str:
    return _label_in(get_language(), Kind if kind in Kind.values else EntryKind, kind)


@functools.lru_cache(maxsize=128)
def _label_in(language: str | None, choices, value: str) -> str:
    """A choice's label in `language` (the active one, which keys the cache):
    a statement names the same few services and outcomes on thousands of rows."""
    return str(choices(value).label)


class _Line:
    """A file whose write() returns the line (for csv.writer in a generator)."""

    def write(self, text: str) -> str:
        return text


def statement_csv_lines(
    *, agency_id: int, year: int, month: int, member_names: MemberNames | None = None
) -> Iterator[str]:
    """The statement as CSV lines, made while the rows are read (constant
    memory, for a streamed response): the same columns and totals row as
    `write_statement_csv`. The agency and month are checked before the first line."""
    agency = _agency(agency_id)
    month_bounds(year, month)
    return _csv_lines(agency, year, month, member_names)


def _csv_lines(
    agency: Agency, year: int, month: int, member_names: MemberNames | None
) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(_csv_header())
    totals = Statement(agency_id=agency.pk, agency_name=agency.name, year=year, month=month)
    calls = unreachable = minutes = 0
    charges = commission = adjustments = ZERO
    rows = statement_rows(agency_id=agency.pk, year=year, month=month, member_names=member_names)
    for row in rows:
        yield writer.writerow(_csv_row(row))
        if row.kind == EntryKind.ADJUSTMENT:
            adjustments += row.commission
            continue
        calls += 1
        unreachable += row.outcome == Outcome.MEMBER_UNREACHABLE
        minutes += row.billed_minutes
        charges += row.client_charge
        commission += row.commission
    yield writer.writerow(
        _csv_totals(
            totals,
            calls=calls,
            unreachable=unreachable,
            minutes=minutes,
            charges=charges,
            total=commission + adjustments,
            adjustments=adjustments,
        )
    )


def _csv_header() -> list[str]:
    return [
        _("date (UTC)"),
        _("call"),
        _("member"),
        _("service"),
        _("outcome"),
        _("talk time (seconds)"),
        _("billed minutes"),
        _("client paid"),
        _("commission"),
        _("note"),
    ]


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, as spreadsheets and programs read a date: 2026-12-01T10:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_row(row: StatementRow, call_labels: dict | None = None) -> list:
    return [
        iso_utc(row.at),
        (call_labels or {}).get(row.call_id, row.number) if row.call_id else "",
        row.member,
        _kind_label(row.kind),
        row.outcome_label,
        "" if row.talk_seconds is None else row.talk_seconds,
        "" if row.billed_minutes is None else row.billed_minutes,
        _amount(row.client_charge),
        _amount(row.commission),
        row.note,
    ]


def _csv_totals(statement, *, calls, unreachable, minutes, charges, total, adjustments) -> list:
    note = [f"{statement.agency_name} {statement.year:04d}-{statement.month:02d}"]
    if adjustments:
        note.append(_("of which adjustments: %(amount)s") % {"amount": _amount(adjustments)})
    # Numbers only under the numeric columns (a spreadsheet sums them); the
    # label in the first text column, none under the date.
    return [
        "",
        _("total"),
        "",
        _("calls: %(count)d") % {"count": calls},
        _("member unreachable: %(count)d") % {"count": unreachable},
        "",
        minutes,
        _amount(charges),
        _amount(total),
        "; ".join(note),
    ]


def write_statement_csv(statement: Statement, file, *, call_labels: dict | None = None) -> None:
    """Write the statement as CSV (amounts in credits, "x.xx"; times in UTC, ISO 8601).

    Calls are shown by their number (C-10427) unless `call_labels` maps keys
    to what the reader should see. The last row holds the totals, each under
    its own column: the count of calls under "service", the calls whose
    member was unreachable under "outcome".
    """
    writer = csv.writer(file)
    writer.writerow(_csv_header())
    for row in statement.rows:
        writer.writerow(_csv_row(row, call_labels))
    writer.writerow(
        _csv_totals(
            statement,
            calls=statement.calls,
            unreachable=statement.member_unreachable,
            minutes=statement.billed_minutes,
            charges=statement.client_charges,
            total=statement.total,
            adjustments=statement.adjustments,
        )
    )
