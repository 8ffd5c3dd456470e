"""Every path of a call's life through the workflow (SPEC "States of a call")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import services, workflow
from calls.models import CallState, CallTransition, SessionStatus
from common import dates
from common.errors import Conflict, DomainError, NotFound

from .factories import ClientFactory, InterpreterFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, agent_for, book, confirm, fund_client, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return OperatorFactory()


def states(call):
    return list(CallTransition.objects.filter(call=call).values_list("from_state", "to_state"))


def test_happy_path_requested_to_completed_is_audited(operator):
    call = book()
    assert call.state == CallState.AWAITING_AGENT
    confirm(call)
    assert call.state == CallState.CONFIRMED
    interpreter = InterpreterFactory()
    session = schedule(call, operator=operator, interpreter=interpreter)
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    started = session.starts_at
    services.session_start(session=session, actor=interpreter, now=started)
    services.session_end(
        session=session,
        actor=interpreter,
        no_recording_reason="line recorder failed",
        now=started + timedelta(minutes=10, seconds=1),
    )
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    assert session.talk_seconds == 601
    assert states(call) == [
        ("requested", "awaiting_agent"),
        ("awaiting_agent", "confirmed"),
        ("confirmed", "scheduled"),
        ("scheduled", "in_progress"),
        ("in_progress", "completed"),
    ]
    last = CallTransition.objects.filter(call=call).last()
    assert last.actor == interpreter
    assert last.reason == "line recorder failed"


@pytest.mark.parametrize("picker", ["client", "operator"])
def test_each_stage_time_is_written_on_the_call_with_its_audit_row(operator, picker):
    call = book()
    assert (call.confirmed_at, call.scheduled_at, call.held_at, call.picked_by_client) == (
        None,
        None,
        None,
        None,
    )
    confirm(call)
    call.refresh_from_db()
    assert call.confirmed_at is not None and call.scheduled_at is None
    assert call.picked_by_client is None
    interpreter = InterpreterFactory()
    session = schedule(
        call, operator=call.client if picker == "client" else operator, interpreter=interpreter
    )
    services.session_start(session=session, actor=interpreter, now=session.starts_at)
    call.refresh_from_db()
    at = {
        (row.from_state, row.to_state): row.at for row in CallTransition.objects.filter(call=call)
    }
    assert call.confirmed_at == at[("awaiting_agent", "confirmed")]
    assert call.scheduled_at == at[("confirmed", "scheduled")]
    assert call.held_at == at[("scheduled", "in_progress")] == session.starts_at
    assert call.picked_by_client is (picker == "client")


def test_declined_needs_a_reason_and_closes_the_request():
    call = book()
    agent = agent_for(call)
    with pytest.raises(DomainError) as info:
        services.call_decline(call=call, actor=agent, reason=" ")
    assert info.value.code == "reason_required"
    services.call_decline(call=call, actor=agent, reason="She has changed her mind")
    assert call.state == CallState.DECLINED
    assert call.decline_reason == "She has changed her mind"


@pytest.mark.parametrize("reach", ["awaiting_agent", "confirmed", "scheduled"])
def test_client_cancels_from_each_state_where_allowed(reach, operator):
    call = book()
    if reach in ("confirmed", "scheduled"):
        confirm(call)
    if reach == "scheduled":
        session = schedule(call, operator=operator)
    services.call_cancel(call=call, actor=call.client, reason="plans changed")
    assert call.state == CallState.CANCELLED
    if reach == "scheduled":
        session.refresh_from_db()
        assert session.status == SessionStatus.CANCELLED


def test_cancel_is_refused_once_the_call_is_running(operator):
    call = book()
    confirm(call)
    session = schedule(call, operator=operator)
    services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    with pytest.raises(Conflict) as info:
        services.call_cancel(call=call, actor=call.client)
    assert info.value.code == "illegal_transition"
    call.refresh_from_db()
    assert call.state == CallState.IN_PROGRESS


def test_missed_by_the_system_marks_the_session_missed(operator):
    call = book()
    confirm(call)
    session = schedule(call, operator=operator)
    services.call_mark_missed(call=call, actor=None, now=session.starts_at + timedelta(minutes=30))
    call.refresh_from_db()
    session.refresh_from_db()
    assert call.state == CallState.MISSED
    assert session.status == SessionStatus.MISSED
    assert CallTransition.objects.filter(call=call, to_state="missed", actor=None).exists()


def test_illegal_jump_is_refused_and_writes_nothing(operator):
    call = book()
    before = CallTransition.objects.count()
    with pytest.raises(Conflict) as info:
        workflow.transition(call, CallState.COMPLETED, actor=operator)
    assert "cannot become" in info.value.message
    call.refresh_from_db()
    assert call.state == CallState.AWAITING_AGENT
    assert CallTransition.objects.count() == before


def test_a_client_may_not_take_an_operators_edge():
    call = book()
    confirm(call)
    schedule(call, operator=OperatorFactory())
    with pytest.raises(DomainError) as info:
        workflow.transition(call, CallState.MISSED, actor=call.client)
    assert info.value.code == "not_allowed"


def test_foreign_client_gets_not_found():
    call = book()
    with pytest.raises(NotFound):
        services.call_cancel(call=call, actor=ClientFactory())


def test_completing_without_recording_or_reason_is_refused(operator):
    call = book()
    confirm(call)
    session = schedule(call, operator=operator)
    services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    with pytest.raises(DomainError) as info:
        services.session_end(
            session=session, actor=session.interpreter, now=session.starts_at + timedelta(60)
        )
    assert info.value.code == "recording_required"
    call.refresh_from_db()
    session.refresh_from_db()
    assert call.state == CallState.IN_PROGRESS
    assert session.status == SessionStatus.IN_PROGRESS  # rolled back with the refusal


def test_reschedule_supersedes_the_old_session(operator):
    call = book()
    confirm(call)
    first = schedule(call, operator=operator)
    second = schedule(
        call,
        operator=operator,
        interpreter=first.interpreter,
        starts_at=first.starts_at + timedelta(days=2),
    )
    first.refresh_from_db()
    assert first.status == SessionStatus.SUPERSEDED
    assert second.status == SessionStatus.PLANNED
    assert states(call)[-1] == ("scheduled", "scheduled")


def test_interpreter_overlap_including_buffer_is_refused_with_a_message(operator, settings):
    settings.SESSION_BUFFER_MINUTES = 15
    interpreter = InterpreterFactory()
    start = timezone.now() + timedelta(days=1)
    first = book(minutes=30)
    confirm(first)
    schedule(first, operator=operator, interpreter=interpreter, starts_at=start)
    second = book(minutes=30)
    confirm(second)
    # Starts 40 minutes later: after the 30-minute call but inside its buffer.
    with pytest.raises(Conflict) as info:
        schedule(
            second,
            operator=operator,
            interpreter=interpreter,
            starts_at=start + timedelta(minutes=40),
        )
    assert info.value.code == "interpreter_busy"
    assert "already has a session" in info.value.message
    # The other session's own times, and the gap: the buffer, counted once.
    assert dates.format_time(start) in info.value.message  # in the reader's zone (UTC here)
    assert "15 minutes between them" in info.value.message
    # The end plus the buffer is free (17:00–17:30 allows 17:45).
    schedule(
        second, operator=operator, interpreter=interpreter, starts_at=start + timedelta(minutes=45)
    )


def test_start_time_in_the_past_is_refused(operator):
    call = book()
    confirm(call)
    with pytest.raises(DomainError) as info:
        schedule(call, operator=operator, starts_at=timezone.now() - timedelta(minutes=1))
    assert info.value.code == "in_the_past"


def test_request_waits_for_an_operator_when_the_agency_has_nobody_to_ask(operator):
    from calls.models import Call

    from .factories import MemberFactory

    member = MemberFactory()
    client = ClientFactory()
    fund_client(client, 20)
    call = services.call_request_create(
        client=client,
        member=member,
        kind="phone_direct",
        planned_minutes=20,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
    )
    assert call.state == CallState.REQUESTED
    with pytest.raises(DomainError) as info:
        workflow.transition(call, CallState.AWAITING_AGENT, actor=operator)
    assert info.value.code == "no_agent"
    agent_for(call)
    workflow.transition(call, CallState.AWAITING_AGENT, actor=operator, reason="agent added")
    assert Call.objects.get(pk=call.pk).state == CallState.AWAITING_AGENT


def test_a_deadlock_between_two_bookings_reads_as_interpreter_busy():
    """PostgreSQL may break two conflicting inserts' wait with a deadlock error."""
    from django.db import OperationalError

    class PgDeadlock(Exception):
        pgcode = "40P01"

    error = OperationalError("deadlock detected")
    error.__cause__ = PgDeadlock()
    assert services._is_overlap_refusal(error)
    other = OperationalError("server closed the connection")
    other.__cause__ = None
    assert not services._is_overlap_refusal(other)


def test_booking_with_the_same_request_key_twice_returns_the_first_call():
    import uuid

    from .factories import MemberFactory

    key = uuid.uuid4()
    client = ClientFactory()
    member = MemberFactory()
    first = book(client=client, member=member, request_key=key)
    again = book(client=client, member=member, request_key=key)
    assert again.pk == first.pk
    other = book(client=client, member=member, request_key=uuid.uuid4())
    assert other.pk != first.pk
