"""The client's dashboard, read in one query.

Every client opens this page first. Both pages of calls (each page's keys a
sliced subquery, so the joins run on those rows only), the size of each list,
each call's member, session start and money, and the client's balances come
back as one statement, written with the ORM's public API. Billing gives its
own columns (billing.selectors.*_annotations): it keeps its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Subquery

from accounts.models import User
from billing import selectors as billing_selectors
from calls.models import Call
from calls.selectors import OPEN_STATES, client_call_counts, live_session_relation


@dataclass
class Dashboard:
    upcoming: Page  # open calls
    past: Page  # done calls
    balance: Decimal
    held: Decimal


def _page_keys(client: User, *, open_part: bool, number: int, per_page: int) -> QuerySet:
    """The keys of page `number` of the client's open (or done) calls, newest first."""
    calls = Call.objects.filter(client=client)
    if open_part:
        calls = calls.filter(state__in=OPEN_STATES)
    else:
        calls = calls.exclude(state__in=OPEN_STATES)
    start = (number - 1) * per_page
    return calls.order_by("-created_at", "-id").values("pk")[start : start + per_page]


def _list_size(client: User, *, open_part: bool) -> Subquery:
    calls = Call.objects.filter(client=client).order_by().values("client")
    if open_part:
        calls = calls.filter(state__in=OPEN_STATES)
    else:
        calls = calls.exclude(state__in=OPEN_STATES)
    return Subquery(calls.annotate(size=Count("pk")).values("size"))


def _rows(client: User, wanted: dict[bool, int], per_page: int) -> list[Call]:
    """The rows of the pages `wanted` ({open?: page number}), newest first, in
    one query: the pages' calls (each page's keys a sliced subquery), each
    with its member's reference, its live session's start (`starts_at`) and
    billing's money columns, and on every row the size of each list
    (`open_size`, `done_size`) and the client's balances."""
    pages = Q()
    for open_part, number in wanted.items():
        keys = _page_keys(client, open_part=open_part, number=number, per_page=per_page)
        pages |= Q(pk__in=keys)
    calls = (
        Call.objects.filter(pages)
        .only("public_id", "kind", "state", "created_at", "member_id")
        .alias(live=live_session_relation())
        .annotate(
            member_reference=F("member__reference"),
            starts_at=F("live__starts_at"),
            open_size=_list_size(client, open_part=True),
            done_size=_list_size(client, open_part=False),
            **billing_selectors.call_money_annotations(),
            **billing_selectors.client_balance_annotations(client),
        )
        .order_by("-created_at", "-id")
    )
    return list(calls)


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
