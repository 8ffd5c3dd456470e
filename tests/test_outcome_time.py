"""Issue 25 item 1: an outcome that blames or charges a party exists only once
the session's time has come; before it, only cancellations.

The guard is the workflow's (calls/workflow.py), so every door meets it: the
service, the interpreter's API, the admin's "Mark missed" and the sweeps'
batch. The "missed" message to the client says what was charged.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from billing import selectors
from billing.models import CallCharge, ChargeStatus, Outcome
from calls import services as call_services
from calls import workflow
from calls.dial_log import given_numbers
from calls.models import CallState, DialResult
from calls.services.attempts import dial_attempt_log
from common.errors import DomainError
from notifications.models import Notification
from notifications.services import notification_deliver

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import OperatorFactory
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db
D = Decimal


def scheduled(kind="video"):
    call = book(kind=kind, minutes=30)
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    call.refresh_from_db()
    return call, session


def nothing_charged(call):
    charge = CallCharge.objects.get(call_id=call.pk)
    assert charge.status == ChargeStatus.HELD and charge.client_charge is None
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.SCHEDULED, "")
    assert selectors.agency_commission_total(call.member.agency_id) == D("0")


@pytest.mark.parametrize(
    "outcome", [Outcome.CLIENT_NO_SHOW, Outcome.OFFICE_FAULT, Outcome.MEMBER_UNREACHABLE]
)
@pytest.mark.parametrize("early", [timedelta(days=2), timedelta(days=90), timedelta(minutes=1)])
def test_no_outcome_is_recorded_before_the_sessions_start(outcome, early):
    call, session = scheduled()
    with pytest.raises(DomainError) as info:
        call_services.call_mark_missed(
            call=call, actor=session.interpreter, outcome=outcome, now=session.starts_at - early
        )
    assert info.value.code == "before_start"
    nothing_charged(call)


def test_an_operator_cannot_mark_a_call_missed_before_its_time_in_the_admin(client):
    call, session = scheduled()
    client.force_login(OperatorFactory())
    with time_machine.travel(session.starts_at - timedelta(days=2), tick=False):
        answer = client.post(
            reverse("admin:calls_call_transition", args=[call.pk, "missed"]),
            {"reason": "silent", "outcome": "client_no_show"},
            follow=True,
        )
    assert "time has not come yet" in answer.content.decode()
    nothing_charged(call)


def test_the_interpreters_api_refuses_an_outcome_before_the_start():
    call, session = scheduled()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=session.interpreter).key}")
    with time_machine.travel(session.starts_at - timedelta(days=2), tick=False):
        answer = api.post(
            f"/api/v1/sessions/{call.public_id}/outcome/",
            {"outcome": "client_no_show"},
            format="json",
        )
    assert answer.status_code == 409, answer.json()
    assert answer.json()["code"] == "before_start"
    nothing_charged(call)


def test_the_sweeps_batch_meets_the_same_guard():
    call, session = scheduled()
    moved = workflow.transition_many(
        [call.pk], CallState.MISSED, now=session.starts_at - timedelta(minutes=1)
    )
    assert moved.ids == [] and moved.refused[call.pk].code == "before_start"
    nothing_charged(call)


def test_before_the_start_the_call_can_still_be_cancelled(settings):
    settings.LATE_CANCEL_HOURS = 24
    call, session = scheduled()
    call_services.call_cancel(
        call=call, actor=call.client, now=session.starts_at - timedelta(hours=2)
    )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.CANCELLED, Outcome.LATE_CANCEL)


def test_member_unreachable_after_the_start_needs_every_number_tried_since_it():
    call, session = scheduled(kind="phone_interpreted")
    for number in given_numbers(call):
        dial_attempt_log(
            call=call,
            number=number.number,
            result=DialResult.NO_ANSWER,
            actor=session.interpreter,
            now=session.starts_at - timedelta(minutes=3),
        )
    with pytest.raises(DomainError) as info:
        call_services.call_mark_missed(
            call=call,
            actor=session.interpreter,
            outcome=Outcome.MEMBER_UNREACHABLE,
            now=session.starts_at + timedelta(minutes=5),
        )
    assert info.value.code == "attempts_missing"


def missed_text(call):
    row = Notification.objects.get(call=call, kind="missed", recipient=call.client)
    notification_deliver(notification_id=row.pk, now=row.next_attempt_at)
    row.refresh_from_db()
    return row.body


def test_the_missed_message_says_what_a_video_no_show_cost():
    call, session = scheduled(kind="video")
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.CLIENT_NO_SHOW,
        now=session.starts_at + timedelta(minutes=10),
    )
    body = missed_text(call)
    assert "75.00 credits was charged" in body
    assert "nothing was charged" not in body


def test_the_missed_message_says_nothing_was_charged_when_nothing_was():
    call, session = scheduled(kind="video")
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.OFFICE_FAULT,
        now=session.starts_at + timedelta(minutes=10),
    )
    assert "nothing was charged" in missed_text(call)
