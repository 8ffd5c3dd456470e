"""What the office sees at a glance: the front page's reads.

The office sits above calls, billing and notifications (it reads all three and
none of them knows it): sessions now and next, requests whose agent is late,
open operator tasks, and clients with a booking whose credit runs low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
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
    """Running, overdue, or about to start (within NOW_WINDOW); late ones first in time order."""
    return list(
        _sessions().filter(
            Q(status__in=[SessionStatus.IN_PROGRESS, SessionStatus.OVERDUE])
            | Q(status=SessionStatus.PLANNED, starts_at__lte=now + NOW_WINDOW)
        )[:ROWS]
    )


def sessions_next(*, now: datetime, until: datetime) -> list[Session]:
    """Planned sessions after the "now" window, up to `until` (the end of the reader's day)."""
    return list(
        _sessions().filter(
            status=SessionStatus.PLANNED, starts_at__gt=now + NOW_WINDOW, starts_at__lt=until
        )[:ROWS]
    )


def calls_waiting_for_agent(*, now: datetime) -> list[Call]:
    """Requests unanswered past the agent's reminder, and requests nobody was asked about."""
    chase_at = now - timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS)
    unasked_at = now - timedelta(minutes=settings.NOTIFY_UNASKED_AFTER_MINUTES)
    return list(
        Call.objects.filter(
            Q(state=CallState.AWAITING_AGENT, state_changed_at__lte=chase_at)
            | Q(state=CallState.REQUESTED, state_changed_at__lte=unasked_at)
        )
        .select_related("client", "member", "member__agency")
        .order_by("state_changed_at", "id")[:ROWS]
    )


def open_tasks() -> list[OperatorTask]:
    return list(
        OperatorTask.objects.filter(status=OperatorTaskStatus.OPEN)
        .select_related("call", "call__client", "call__member")
        .order_by("created_at", "id")[:ROWS]
    )


def low_balance_clients(*, below: Decimal) -> list[tuple[User, Decimal, Call]]:
    """Clients with an open booking whose free credit is under `below`: (client, balance, call)."""
    accounts = (
        Account.objects.filter(
            kind=AccountKind.CLIENT_CREDIT,
            balance__lt=below,
            user__role=Role.CLIENT,
            user__calls__state__in=[s for s in CallState.values if s not in TERMINAL_STATES],
        )
        .select_related("user")
        .distinct()
        .order_by("balance", "id")[:ROWS]
    )
    accounts = list(accounts)
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
