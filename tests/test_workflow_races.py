"""Start, end, cancel and reschedule racing on one call: one wins, the other gets
a readable refusal (DomainError, a 409 at the API), never a deadlock or a 500.

Real concurrent transactions on PostgreSQL. `second_waits_for_first` makes the
order certain: the second request starts while the first holds the call's
lock, waits, and must then read what the first left. Every path locks the
call first, then the session (calls/workflow.py: the lock order).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import services
from calls.models import CallState, Session, SessionStatus, SessionTransition
from common.errors import DomainError

from . import flows
from .api_helpers import api_as
from .concurrency import run_concurrently, second_waits_for_first
from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scheduled():
    """A call scheduled to start in two minutes (startable now), its session and people."""
    operator = OperatorFactory()
    call = book(minutes=30)
    confirm(call)
    session = schedule(call, operator=operator, starts_at=timezone.now() + timedelta(minutes=2))
    return call, session, operator


def start(session):
    return lambda: services.session_start(session=session, actor=session.interpreter)


def cancel(call):
    return lambda: services.call_cancel(call=call, actor=call.client, reason="plans changed")


def reschedule(call, operator):
    return lambda: services.session_schedule(
        call=call,
        starts_at=timezone.now() + timedelta(days=2),
        interpreter=InterpreterFactory(),
        actor=operator,
    )


def end(session):
    return lambda: services.session_end(
        session=session, actor=session.interpreter, no_recording_reason="line had no recorder"
    )


def refused(result) -> bool:
    return isinstance(result, DomainError)


def test_a_start_waiting_for_a_cancel_is_refused(scheduled):
    call, session, _operator = scheduled
    first, second = second_waits_for_first(cancel(call), start(session))
    assert not isinstance(first, Exception), first
    assert refused(second), second
    call.refresh_from_db()
    session.refresh_from_db()
    assert (call.state, session.status) == (CallState.CANCELLED, SessionStatus.CANCELLED)


def test_a_cancel_waiting_for_a_start_is_refused(scheduled):
    call, session, _operator = scheduled
    first, second = second_waits_for_first(start(session), cancel(call))
    assert isinstance(first, Session), first
    assert refused(second) and second.code == "illegal_transition", second
    call.refresh_from_db()
    session.refresh_from_db()
    assert (call.state, session.status) == (CallState.IN_PROGRESS, SessionStatus.IN_PROGRESS)


def test_a_start_waiting_for_a_reschedule_is_refused(scheduled):
    call, session, operator = scheduled
    first, second = second_waits_for_first(reschedule(call, operator), start(session))
    assert isinstance(first, Session), first
    assert refused(second), second
    session.refresh_from_db()
    assert session.status == SessionStatus.SUPERSEDED
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED


def test_a_reschedule_waiting_for_a_start_is_refused(scheduled):
    call, session, operator = scheduled
    first, second = second_waits_for_first(start(session), reschedule(call, operator))
    assert isinstance(first, Session), first
    assert refused(second), second
    assert Session.objects.filter(call=call).count() == 1


def test_a_second_end_waiting_for_the_first_is_refused(scheduled):
    call, session, _operator = scheduled
    services.session_start(session=session, actor=session.interpreter)
    first, second = second_waits_for_first(end(session), end(session))
    assert isinstance(first, Session), first
    assert refused(second) and second.code == "session_not_running", second
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED


def test_a_start_waiting_for_the_missed_sweep_is_refused(scheduled):
    """The sweep marks the call missed (call, then session, then accounts)."""
    call, session, _operator = scheduled
    # The sweep's time: 30 minutes after the start (nothing is missed before it).
    sweep_time = session.starts_at + timedelta(minutes=31)
    first, second = second_waits_for_first(
        lambda: services.call_mark_missed(call=call, actor=None, now=sweep_time),
        start(session),
    )
    assert not isinstance(first, Exception), first
    assert refused(second), second
    session.refresh_from_db()
    assert session.status == SessionStatus.MISSED


def test_at_the_api_a_lost_race_is_a_409_with_a_message(scheduled):
    call, session, _operator = scheduled
    api = api_as(session.interpreter)
    first, second = second_waits_for_first(
        cancel(call), lambda: api.post(f"/api/v1/sessions/{call.public_id}/start/")
    )
    assert not isinstance(first, Exception), first
    assert second.status_code == 409, second.content
    assert second.json()["code"] == "illegal_transition"
    assert second.json()["message"]


@pytest.mark.parametrize("round_", range(3))
def test_everything_at_once_ends_consistent(scheduled, round_):
    """Start, cancel, reschedule and a second start together: each either wins or
    is refused with a DomainError; the call and its live session agree."""
    call, session, operator = scheduled
    results = run_concurrently(
        start(session), cancel(call), reschedule(call, operator), start(session)
    )
    assert all(not isinstance(r, Exception) or refused(r) for r in results), results
    call.refresh_from_db()
    live = call.sessions.exclude(
        status__in=[SessionStatus.SUPERSEDED, SessionStatus.CANCELLED]
    ).first()
    expected = {
        CallState.IN_PROGRESS: SessionStatus.IN_PROGRESS,
        CallState.SCHEDULED: SessionStatus.PLANNED,
        CallState.CANCELLED: None,
    }
    assert call.state in expected, call.state
    assert (live.status if live else None) == expected[call.state]


def test_every_session_change_is_audited(scheduled):
    call, session, operator = scheduled
    new = reschedule(call, operator)()
    flows.start(new)  # at its time (two days on)
    flows.end(new, no_recording_reason="no recorder")
    changes = list(
        SessionTransition.objects.filter(session__call=call).values_list(
            "session_id", "from_status", "to_status", "actor_id"
        )
    )
    assert changes == [
        (session.pk, "planned", "superseded", operator.pk),
        (new.pk, "planned", "in_progress", new.interpreter_id),
        (new.pk, "in_progress", "ended", new.interpreter_id),
    ]
