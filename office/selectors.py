"""What the office sees at a glance: the front page's reads.

The office sits above calls, billing and notifications (it reads all three and
none of them knows it): sessions now and next, requests whose agent is late,
open operator tasks, and clients with a booking whose credit runs low.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from billing.models import Account, AccountKind
from calls.models import Call, CallState, Session, SessionStatus
from calls.workflow import TERMINAL_STATES
from notifications.models import OperatorTask, OperatorTaskStatus

# A session this close to its start counts as "now" (the interpreter is dialling).
NOW_WINDOW = timedelta(minutes=30)
ROWS = 50


@dataclass
class FrontPage:
    now: datetime
    sessions_now: list[Session] = field(default_factory=list)
    sessions_next: list[Session] = field(default_factory=list)
    waiting_calls: list[Call] = field(default_factory=list)
    open_tasks: list[OperatorTask] = field(default_factory=list)
    low_balance: list[tuple[User, Decimal, Call]] = field(default_factory=list)


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related(
        "call", "call__client", "call__member", "call__member__agency", "interpreter"
    ).order_by("starts_at", "id")


def sessions_now(*, now: datetime) -> list[Session]:
    """Running, overdue, or about to start (within NOW_WINDOW); late ones first in time order.

    Two reads, each an index in time order (status and start): one read
    with an OR between the two was planned at a million calls as 45,000
    rows (the start's statistics are every session's) and sent to parallel
    workers, whose start-up was most of its 40 ms; each of these reads 50
    rows at most."""
    running = _sessions().filter(status__in=[SessionStatus.IN_PROGRESS, SessionStatus.OVERDUE])
    due = _sessions().filter(status=SessionStatus.PLANNED, starts_at__lte=now + NOW_WINDOW)
    return heapq.nsmallest(ROWS, [*running[:ROWS], *due[:ROWS]], key=_in_time_order)


def _in_time_order(session: Session) -> tuple:
    return session.starts_at, session.id


def sessions_next(*, now: datetime, until: datetime) -> list[Session]:
    """Planned sessions after the "now" window, up to `until` (the end of the reader's day)."""
    return list(
        _sessions().filter(
            status=SessionStatus.PLANNED, starts_at__gt=now + NOW_WINDOW, starts_at__lt=until
        )[:ROWS]
    )


def calls_waiting_for_agent(*, now: datetime) -> list[Call]:
    """Requests unanswered past the agent's reminder, and requests nobody was asked about.

    One read per state, 50 rows at most each: with an OR between them the
    open requests' index was walked past every confirmed call (3,000 at a
    million calls) to find 50; the unasked requests now come from the
    (state, state_changed_at) index."""
    chase_at = now - timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS)
    unasked_at = now - timedelta(minutes=settings.NOTIFY_UNASKED_AFTER_MINUTES)
    calls = Call.objects.select_related("client", "member", "member__agency").order_by(
        "state_changed_at", "id"
    )
    unanswered = calls.filter(state=CallState.AWAITING_AGENT, state_changed_at__lte=chase_at)
    unasked = calls.filter(state=CallState.REQUESTED, state_changed_at__lte=unasked_at)
    return heapq.nsmallest(
        ROWS, [*unanswered[:ROWS], *unasked[:ROWS]], key=lambda c: (c.state_changed_at, c.id)
    )


def open_tasks() -> list[OperatorTask]:
    return list(
        OperatorTask.objects.filter(status=OperatorTaskStatus.OPEN)
        .select_related("call", "call__client", "call__member")
        .order_by("created_at", "id")[:ROWS]
    )


def low_balance_clients(*, below: Decimal) -> list[tuple[User, Decimal, Call]]:
    """Clients with an open booking whose free credit is under `below`: (client, balance, call).

    The credit accounts are read lowest balance first from their own index
    (`account_client_credit_balance`), each asked whether its client has an
    open call (EXISTS on the client's calls): no join of every client with
    every open call and no DISTINCT over it."""
    open_call = Call.objects.filter(
        client=OuterRef("user_id"),
        state__in=[s for s in CallState.values if s not in TERMINAL_STATES],
    )
    accounts = list(
        Account.objects.filter(
            Exists(open_call),
            kind=AccountKind.CLIENT_CREDIT,
            balance__lt=below,
            user__role=Role.CLIENT,
        )
        .select_related("user")
        .order_by("balance", "id")[:ROWS]
    )
    open_calls = {}
    for call in (
        Call.objects.filter(client__in=[a.user for a in accounts])
        .exclude(state__in=TERMINAL_STATES)
        .select_related("member")
        .order_by("created_at")
    ):
        open_calls.setdefault(call.client_id, call)
    return [(a.user, a.balance, open_calls[a.user_id]) for a in accounts if a.user_id in open_calls]


def front_page(*, now: datetime | None = None, tz=None) -> FrontPage:
    """Today at a glance, for the reader in zone `tz` (their day ends at local midnight)."""
    now = now or timezone.now()
    zone = tz or timezone.get_current_timezone()
    # The next local midnight, built from the date (no wall-clock arithmetic).
    tomorrow = timezone.localtime(now, zone).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time.min, tzinfo=zone)
    return FrontPage(
        now=now,
        sessions_now=sessions_now(now=now),
        sessions_next=sessions_next(now=now, until=midnight),
        waiting_calls=calls_waiting_for_agent(now=now),
        open_tasks=open_tasks(),
        low_balance=low_balance_clients(below=Decimal(settings.OFFICE_LOW_BALANCE_CREDITS)),
    )
