"""The front page's reads, each made of two small indexed reads (office.selectors):
merged, they list what one read with an OR listed, in the same order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls.models import Call, CallState, Session, SessionStatus
from office import selectors

from .factories import OperatorFactory
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db


def _scheduled(operator, starts_in: timedelta, status=SessionStatus.PLANNED) -> Session:
    """A scheduled call whose session starts `starts_in` from now (moved there as data)."""
    call = book()
    confirm(call)
    session = schedule(call, operator=operator)  # tomorrow, a new interpreter
    shift = timezone.now() + starts_in - session.starts_at
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + shift,
        planned_end=session.planned_end + shift,
        blocked_from=session.blocked_from + shift,
        blocked_until=session.blocked_until + shift,
        status=status,
    )
    session.refresh_from_db()
    return session


def test_sessions_now_are_the_running_and_the_due_in_start_order():
    operator = OperatorFactory()
    running = _scheduled(operator, -timedelta(minutes=20), SessionStatus.IN_PROGRESS)
    overdue = _scheduled(operator, -timedelta(minutes=40), SessionStatus.OVERDUE)
    due = _scheduled(operator, timedelta(minutes=10))
    later = _scheduled(operator, timedelta(hours=3))

    now_list = selectors.sessions_now(now=timezone.now())

    assert now_list == [overdue, running, due]
    assert later not in now_list


def test_calls_waiting_are_the_unanswered_and_the_unasked_in_time_order(settings):
    now = timezone.now()
    unanswered, unasked, fresh, confirmed = book(), book(), book(), book()
    chased = now - timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS + 1)
    Call.objects.filter(pk=unanswered.pk).update(
        state=CallState.AWAITING_AGENT, state_changed_at=chased
    )
    Call.objects.filter(pk=unasked.pk).update(
        state=CallState.REQUESTED, state_changed_at=chased - timedelta(minutes=1)
    )
    Call.objects.filter(pk=fresh.pk).update(state=CallState.REQUESTED, state_changed_at=now)
    Call.objects.filter(pk=confirmed.pk).update(
        state=CallState.CONFIRMED, state_changed_at=chased - timedelta(hours=1)
    )

    assert selectors.calls_waiting_for_agent(now=now) == [unasked, unanswered]


def test_low_balance_lists_clients_with_an_open_call_lowest_first():
    poorer, poor, done = book(), book(), book()  # booked with exactly the hold: nothing free
    Call.objects.filter(pk=done.pk).update(state=CallState.COMPLETED)

    rows = selectors.low_balance_clients(below=Decimal("75"))

    assert [client for client, _balance, _call in rows] == [poorer.client, poor.client]
    assert [call for _client, _balance, call in rows] == [poorer, poor]
