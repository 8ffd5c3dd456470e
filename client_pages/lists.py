"""The client's dashboard, read in one query.

Every client opens this page first. Both pages of calls (each page's keys a
subquery, so the joins run on those rows only), the size of each list, each
call's member, session start and money, and the client's balances come back
as one plain SQL statement whose names come from the models' `_meta`. Billing
gives its own columns (billing.selectors.*_sql): it keeps its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator

from accounts.models import User
from agents.models import Member
from billing import selectors as billing_selectors
from calls.models import Call, Session
from calls.selectors import LIVE_SESSION_STATUSES, OPEN_STATES, client_call_counts
from common.sql import as_moment, placeholders, sql_names


@dataclass
class Dashboard:
    upcoming: Page  # open calls
    past: Page  # done calls
    balance: Decimal
    held: Decimal


def _part_sql(client: User, *, open_part: bool) -> tuple[str, list]:
    """Which of the client's calls are on her open (or done) list, as a
    WHERE clause over the calls' table: `(sql, params)`."""
    _table, column = sql_names(Call)
    state = "IN" if open_part else "NOT IN"
    where = f"{column('client')} = %s AND {column('state')} {state} ({placeholders(OPEN_STATES)})"
    return where, [client.pk, *OPEN_STATES]


def _page_sql(client: User, *, open_part: bool, number: int, per_page: int) -> tuple[str, list]:
    """The keys of page `number` of the client's open (or done) calls, newest
    first, as a subquery: `(sql, params)`."""
    table, column = sql_names(Call)
    where, params = _part_sql(client, open_part=open_part)
    sql = (
        f"SELECT {column('id')} FROM {table} WHERE {where}"  # noqa: S608 - names from _meta
        f" ORDER BY {column('created_at')} DESC, {column('id')} DESC LIMIT %s OFFSET %s"
    )
    return sql, [*params, per_page, (number - 1) * per_page]


def _size_sql(client: User, *, open_part: bool) -> tuple[str, list]:
    """The size of the client's open (or done) list, as a scalar subquery."""
    table, _column = sql_names(Call)
    where, params = _part_sql(client, open_part=open_part)
    return f"(SELECT COUNT(*) FROM {table} WHERE {where})", params  # noqa: S608 - names from _meta


def _rows(client: User, wanted: dict[bool, int], per_page: int) -> list[Call]:
    """The rows of the pages `wanted` ({open?: page number}), newest first, in
    one statement: the pages' calls (the pages' keys a UNION ALL of limited
    subqueries, so the planner knows it joins a page of rows: as `IN (...) OR
    IN (...)` it guessed most calls and hashed the whole table), each with
    its member's reference, its live session's start (`starts_at`) and
    billing's money columns, and on every row the size of each list
    (`open_size`, `done_size`) and the client's balances.

    Plain SQL (names from `_meta`) rather than a queryset: this runs on every
    dashboard view, and compiling the equivalent queryset cost four times
    what the database takes to answer it."""
    calls, call = sql_names(Call)
    members, member = sql_names(Member)
    sessions, session = sql_names(Session)
    money_columns, money_join, money_params = billing_selectors.call_money_sql(f"c.{call('id')}")
    balance_columns, balance_params = billing_selectors.client_balance_sql(client)
    open_size, open_size_params = _size_sql(client, open_part=True)
    done_size, done_size_params = _size_sql(client, open_part=False)
    pages, pages_params = [], []
    for open_part, number in wanted.items():
        keys, params = _page_sql(client, open_part=open_part, number=number, per_page=per_page)
        pages.append(f"SELECT * FROM ({keys}) part{len(pages)}")  # noqa: S608 - names from _meta
        pages_params += params
    fields = ", ".join(f"c.{call(name)}" for name in _CALL_FIELDS)
    sql = (
        f"SELECT {fields}, m.{member('reference')} AS member_reference,"  # noqa: S608 - names from _meta
        f" live.{session('starts_at')} AS starts_at, {open_size} AS open_size,"
        f" {done_size} AS done_size, {money_columns}, {balance_columns}"
        f" FROM ({' UNION ALL '.join(pages)}) page"
        f" JOIN {calls} c ON c.{call('id')} = page.{call('id')}"
        f" JOIN {members} m ON m.{member('id')} = c.{call('member')}"
        f" LEFT JOIN {sessions} live ON live.{session('call')} = c.{call('id')}"
        f" AND live.{session('status')} IN ({placeholders(LIVE_SESSION_STATUSES)})"
        f" {money_join}"
        f" ORDER BY c.{call('created_at')} DESC, c.{call('id')} DESC"
    )
    params = [
        *open_size_params,
        *done_size_params,
        *money_params,
        *balance_params,
        *pages_params,
        *LIVE_SESSION_STATUSES,
    ]
    found = list(Call.objects.raw(sql, params))
    for row in found:
        row.starts_at = as_moment(row.starts_at)
        for name in ("held", "charge", "balance", "held_credit"):
            setattr(row, name, billing_selectors.as_money(getattr(row, name)))
    return found


_CALL_FIELDS = ("id", "public_id", "kind", "state", "created_at", "member")


def _page_number(asked) -> int:
    """A page number as asked; not a number is the first page. Beyond any
    list's end is capped, so that the offset stays a number every database takes."""
    try:
        return min(max(int(asked), 1), 10**9)
    except (TypeError, ValueError):
        return 1


def client_dashboard(client: User, *, open_page, done_page, per_page: int) -> Dashboard:
    """Page `open_page` of the client's open calls and page `done_page` of the
    done ones (as the request gave them: not a number is the first page, past
    the end the last), newest first, and her usable and held credit. Each call
    has its `number`, kind, state, `member_reference`, `starts_at` (of the live
    session; None if none) and money (`held`, `charge`, `billed_minutes`).

    One query. A page past a list's end costs a re-read of its last page
    (and a count when no row came back); a client with no call at all, a
    count and her balances.
    """
    asked = {True: _page_number(open_page), False: _page_number(done_page)}
    found = _rows(client, asked, per_page)
    if found:
        sizes = {True: found[0].open_size or 0, False: found[0].done_size or 0}
    else:
        sizes = dict(zip((True, False), client_call_counts(client), strict=True))
    shown = {call.state in OPEN_STATES for call in found}
    # A page past a list's end shows that list's last page instead.
    past_end = {
        part: Paginator(range(size), per_page).num_pages
        for part, size in sizes.items()
        if size and part not in shown
    }
    if past_end:
        found = sorted(
            [*found, *_rows(client, past_end, per_page)],
            key=lambda call: (call.created_at, call.pk),
            reverse=True,
        )
        asked.update(past_end)
    if found:
        zero = billing_selectors.ZERO
        balance, held = found[0].balance or zero, found[0].held_credit or zero
    else:
        balance, held = billing_selectors.client_balances(client)
    pages = []
    for part in (True, False):
        page = Paginator(range(sizes[part]), per_page).get_page(asked[part])
        page.object_list = [call for call in found if (call.state in OPEN_STATES) is part]
        pages.append(page)
    return Dashboard(upcoming=pages[0], past=pages[1], balance=balance, held=held)
