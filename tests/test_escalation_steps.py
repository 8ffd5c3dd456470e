"""No escalation falls through a gap (seen live): a request whose agency first had
no agent opens the "nobody to ask" task, which closes once an agent is added and
asked; if that agent then never answers, the request is chased once, with a link
that works, and escalated: a task of its own, every operator told once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services as call_services
from calls import workflow
from calls.models import CallState
from notifications import sweeps
from notifications.models import Notification, OperatorTask, OperatorTaskKind, OperatorTaskStatus

from .factories import AgentFactory, ClientFactory, MemberFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, fund_client
from .notifications_support import queued as queued_fixture

queued = queued_fixture  # the fixture, under its usual name

pytestmark = pytest.mark.django_db


def run(now, capture):
    with capture(execute=True):
        sweeps.sweep_agents(now=now)


@pytest.fixture
def booked_without_agent():
    client = ClientFactory()
    fund_client(client, Decimal("100.00"))
    booked_at = timezone.now() - timedelta(minutes=20)
    call = call_services.call_request_create(
        client=client,
        member=MemberFactory(),
        kind="phone_direct",
        planned_minutes=20,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
        now=booked_at,
    )
    assert call.state == CallState.REQUESTED
    return call


def test_each_step_has_its_own_key(
    booked_without_agent,
    queued,
    django_capture_on_commit_callbacks,
):
    call = booked_without_agent
    operators = [OperatorFactory(), OperatorFactory()]
    now = timezone.now()
    run(now, django_capture_on_commit_callbacks)
    unasked = OperatorTask.objects.get(call=call)
    assert (unasked.kind, unasked.key) == (
        OperatorTaskKind.AGENCY_WITHOUT_AGENT,
        f"agency_without_agent:c{call.pk}",
    )
    # An agent is added and asked: the "nobody to ask" task closes itself.
    agent = AgentFactory(agency=call.member.agency, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(call, CallState.AWAITING_AGENT, actor=operators[0], reason="asked")
    unasked.refresh_from_db()
    assert unasked.status == OperatorTaskStatus.DONE
    asked_at = call.__class__.objects.get(pk=call.pk).state_changed_at

    # The agent never answers: chased once...
    for _ in range(2):
        run(asked_at + timedelta(hours=12, minutes=1), django_capture_on_commit_callbacks)
    queued.run()  # the chase's text (and its personal link) is written as it leaves
    chase = Notification.objects.get(call=call, kind="agent_chase")
    assert chase.recipient == agent and chase.status == "sent"
    # ... with a link that opens the answer form.
    link = chase.body.split("/agent/link/")[1].split("/")[0]
    from django.test import Client

    assert Client().get(reverse("agent-link", args=[link])).status_code == 200

    # ... and escalated past the deadline, even though the call had a task before.
    for _ in range(2):
        run(asked_at + timedelta(hours=48, minutes=1), django_capture_on_commit_callbacks)
    escalation = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.AGENT_NO_ANSWER)
    assert (escalation.key, escalation.status) == (
        f"agent_no_answer:c{call.pk}",
        OperatorTaskStatus.OPEN,
    )
    told = list(
        Notification.objects.filter(call=call, kind="agent_escalated").values_list(
            "recipient", flat=True
        )
    )
    assert sorted(told) == sorted(
        o.pk for o in OperatorFactory._meta.model.objects.filter(role="operator")
    )
    assert len(told) == len(set(told))  # every operator once


def test_an_answer_after_the_escalation_closes_it(
    booked_without_agent, django_capture_on_commit_callbacks
):
    from .flows import confirm

    call = booked_without_agent
    AgentFactory(agency=call.member.agency)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(call, CallState.AWAITING_AGENT, actor=OperatorFactory(), reason="x")
    run(timezone.now() + timedelta(hours=49), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(call)
    assert not OperatorTask.objects.filter(call=call, status=OperatorTaskStatus.OPEN).exists()
