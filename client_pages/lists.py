"""The client's dashboard, read in one hand-written query.

Every client opens this page first. Through the ORM it was a UNION of two
sliced querysets with a filtered join and three money subqueries: 12 ms to
build and plan for 1.4 ms of running (issue 14's profile). Here both pages of
calls, the size of each list, each call's member, session start and money,
and the client's balances come back as one statement that PostgreSQL plans in
under a millisecond (SQLite, `bin/run`'s database, runs the same SQL). Billing
writes its own columns (billing.selectors.*_columns): it keeps its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator

from accounts.models import User
from billing import selectors as billing_selectors
from calls.models import Call, Session
from calls.selectors import OPEN_STATES, client_call_counts, live_session_join
from common.raw_sql import read_columns


@dataclass
class Dashboard:
    upcoming: Page  # open calls
    past: Page  # done calls
    balance: Decimal
    held: Decimal


def _part_sql(*, open_part: bool) -> str:
    """One page of the client's open (or done) calls, newest first: each call's
    number, kind, state, member and `listed` (how many calls the whole list has)."""
    marks = ", ".join(["%s"] * len(OPEN_STATES))
    # The table name comes from the model and every value is a parameter.
    return (
        "SELECT c.id, c.public_id, c.kind, c.state, c.created_at, c.member_id,"  # noqa: S608
        " COUNT(*) OVER () AS listed"
        f" FROM {Call._meta.db_table} c"
        f" WHERE c.client_id = %s AND c.state {'IN' if open_part else 'NOT IN'} ({marks})"
        " ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s"
    )


def _rows(client: User, wanted: dict[bool, int], per_page: int) -> list[Call]:
    """The rows of the pages `wanted` ({open?: page number}), in one query:
    the pages' calls, then for those rows only (after the LIMITs) the member's
    reference, the live session's start and `money`/`balances`' columns.
    The joins run once over both pages: joined inside each part, PostgreSQL
    spent twice as long planning the statement as running it."""
    money = billing_selectors.call_money_columns("part.id")
    balances = billing_selectors.client_balance_columns(client)
    member = Call._meta.get_field("member").related_model._meta.db_table
    session_join, session_params = live_session_join("live", "part.id")
    # SQLite takes no parenthesised SELECT as a member of a UNION: each is a subquery.
    parts = " UNION ALL ".join(
        f"SELECT * FROM ({_part_sql(open_part=part)}) AS page{index}"  # noqa: S608
        for index, part in enumerate(wanted)
    )
    sql = (
        "SELECT part.*,"  # noqa: S608
        f" (SELECT m.reference FROM {member} m WHERE m.id = part.member_id) AS member_reference,"
        f" live.starts_at AS starts_at, {money.columns}, {balances.columns}"
        f" FROM ({parts}) AS part {session_join} {money.joins} {balances.joins}"
    )
    # In the order the SQL reads them: the SELECT list, the pages, the joins.
    params = [*money.column_params, *balances.column_params]
    for number in wanted.values():
        params += [client.pk, *OPEN_STATES, per_page, (number - 1) * per_page]
    params += [*session_params, *money.join_params, *balances.join_params]
    found = list(Call.objects.raw(sql, params))
    # Extra columns come back as the database gives them: read them as the ORM would.
    starts_at = ("starts_at", Session._meta.get_field("starts_at"))
    read_columns(found, [starts_at, *money.fields, *balances.fields])
    return found


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

    One query. A page past the end or an empty list costs a count and a
    re-read of the last page; a client with no call at all, her balances.
    """
    asked = {True: _page_number(open_page), False: _page_number(done_page)}
    found = _rows(client, asked, per_page)
    sizes = {part: None for part in asked}
    for call in found:
        sizes[call.state in OPEN_STATES] = call.listed
    if None in sizes.values():
        open_calls, done_calls = client_call_counts(client)
        counted = {True: open_calls, False: done_calls}
        past_end = {}
        for part, size in sizes.items():
            if size is None:
                sizes[part] = counted[part]
                if counted[part]:
                    past_end[part] = Paginator(range(counted[part]), per_page).num_pages
        if past_end:
            found += _rows(client, past_end, per_page)
            asked.update(past_end)
    if found:
        zero = billing_selectors.ZERO
        balance, held = found[0].balance or zero, found[0].held_credit or zero
    else:
        balance, held = billing_selectors.client_balances(client)
    # UNION ALL keeps no order: sort the rows again as each part did.
    found.sort(key=lambda call: (call.created_at, call.pk), reverse=True)
    pages = []
    for part in (True, False):
        page = Paginator(range(sizes[part]), per_page).get_page(asked[part])
        page.object_list = [call for call in found if (call.state in OPEN_STATES) is part]
        pages.append(page)
    return Dashboard(upcoming=pages[0], past=pages[1], balance=balance, held=held)
