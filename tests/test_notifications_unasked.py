"""A request whose agency has nobody to ask does not wait in silence."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls import services as call_services
from calls import workflow
from calls.models import CallState
from notifications import sweeps
from notifications.models import OperatorTask, OperatorTaskKind, OperatorTaskStatus

from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, fund_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def unasked():
    client = ClientFactory()
    fund_client(client, Decimal("100.00"))
    member = MemberFactory()  # its agency has no agent login
    booked_at = timezone.now() - timedelta(minutes=20)
    call = call_services.call_request_create(
        client=client,
        member=member,
        kind="phone_direct",
        planned_minutes=20,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
        now=booked_at,
    )
    assert call.state == CallState.REQUESTED
    return call


def test_an_unasked_request_opens_one_operator_task(unasked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweeps.sweep_agents()
        sweeps.sweep_agents()
    task = OperatorTask.objects.get(call=unasked)
    assert task.kind == OperatorTaskKind.AGENCY_WITHOUT_AGENT
    assert task.key == f"agency_without_agent:c{unasked.pk}"
    assert "no active agent" in task.summary


def test_not_before_the_configured_wait(unasked, settings):
    settings.NOTIFY_UNASKED_AFTER_MINUTES = 60
    sweeps.sweep_agents()
    assert not OperatorTask.objects.filter(call=unasked).exists()


def test_the_task_closes_once_the_agent_is_asked(unasked, django_capture_on_commit_callbacks):
    sweeps.sweep_agents()
    AgentFactory(agency=unasked.member.agency)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            unasked, CallState.AWAITING_AGENT, actor=OperatorFactory(), reason="agent added"
        )
    task = OperatorTask.objects.get(call=unasked)
    assert task.status == OperatorTaskStatus.DONE


def test_messages_give_the_sessions_length_not_the_requested_one(
    django_capture_on_commit_callbacks,
):
    from notifications.models import Notification

    from .flows import book, confirm

    call = book(minutes=30)
    confirm(call)
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        call_services.session_schedule(
            call=call,
            starts_at=timezone.now() + timedelta(days=1),
            interpreter=InterpreterFactory(),
            actor=operator,
            minutes=45,
        )
    bodies = list(
        Notification.objects.filter(call=call, kind="scheduled").values_list("body", flat=True)
    )
    assert bodies
    assert all("45" in body and "30 minutes" not in body for body in bodies)


def test_an_interpreter_taken_off_by_a_reschedule_is_told(django_capture_on_commit_callbacks):
    from notifications.models import Notification

    from .flows import book, confirm

    call = book()
    confirm(call)
    operator = OperatorFactory()
    first, second = InterpreterFactory(), InterpreterFactory()
    start = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_services.session_schedule(
            call=call, starts_at=start, interpreter=first, actor=operator
        )
    with django_capture_on_commit_callbacks(execute=True):
        call_services.session_schedule(
            call=call, starts_at=start + timedelta(hours=2), interpreter=second, actor=operator
        )
    told = Notification.objects.filter(call=call, kind__startswith="unassigned")
    assert [n.recipient_id for n in told] == [first.pk]
    assert "another interpreter" in told.get().body
    # Moving the time but keeping the interpreter tells nobody they are off.
    with django_capture_on_commit_callbacks(execute=True):
        call_services.session_schedule(
            call=call, starts_at=start + timedelta(hours=4), interpreter=second, actor=operator
        )
    assert told.count() == 1
