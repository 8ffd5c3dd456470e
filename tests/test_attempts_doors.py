"""Dial attempts and outcomes through every door: the interpreter's page, the
admin, the API; the agent sees the log and can withdraw the member."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from billing.models import Outcome
from calls.dial_log import given_numbers
from calls.models import CallState, DialAttempt

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import OperatorFactory
from .flows import agent_for, book, confirm, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled():
    call = book(kind="phone_interpreted")
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    call.refresh_from_db()
    return call, session


def test_the_interpreter_taps_each_number_then_records_member_unreachable(client, scheduled):
    call, session = scheduled
    page_url = reverse("interpreter-session", args=[call.public_id])
    with time_machine.travel(session.starts_at + timedelta(minutes=1), tick=False):
        client.force_login(session.interpreter)  # signed in at the time
        page = client.get(page_url).content.decode()
        numbers = [n.number for n in given_numbers(call)]
        for number in numbers:
            assert number in page
        assert page.count('data-result="no_answer"') == len(numbers)
        # Too early to call it unreachable: a readable refusal, nothing changes.
        answer = client.post(
            reverse("interpreter-outcome", args=[call.public_id]),
            {"outcome": "member_unreachable"},
            follow=True,
        )
        assert "every given number" in answer.content.decode()
        for number in numbers:
            answer = client.post(
                reverse("interpreter-attempt-log", args=[call.public_id]),
                {"number": number, "result": "no_answer"},
            )
            assert answer.status_code == 302
        page = client.get(page_url).content.decode()
        assert page.count('data-testid="attempt"') == len(numbers)
        client.post(
            reverse("interpreter-outcome", args=[call.public_id]),
            {"outcome": "member_unreachable", "reason": "nobody picked up"},
        )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.MISSED, Outcome.MEMBER_UNREACHABLE)
    assert DialAttempt.objects.filter(call=call, logged_by=session.interpreter).count() == 3


def test_a_number_that_was_not_given_is_refused_on_the_page(client, scheduled):
    call, session = scheduled
    client.force_login(session.interpreter)
    answer = client.post(
        reverse("interpreter-attempt-log", args=[call.public_id]),
        {"number": "+380990000000", "result": "busy"},
        follow=True,
    )
    assert answer.status_code == 200
    assert "not one of the numbers given" in answer.content.decode()
    assert not DialAttempt.objects.exists()


def test_the_api_logs_attempts_and_the_outcome(scheduled):
    call, session = scheduled
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=session.interpreter).key}")
    url = f"/api/v1/sessions/{call.public_id}/attempts/"
    log = api.get(url).json()
    assert [n["attempts"] for n in log] == [[], [], []]
    with time_machine.travel(session.starts_at + timedelta(minutes=2), tick=False):
        for entry in log:
            answer = api.post(url, {"number": entry["number"], "result": "busy"}, format="json")
            assert answer.status_code == 201, answer.json()
        bad = api.post(url, {"number": log[0]["number"], "result": "maybe"}, format="json")
        assert bad.status_code == 400 and bad.json()["code"]
        done = api.post(
            f"/api/v1/sessions/{call.public_id}/outcome/",
            {"outcome": "member_unreachable"},
            format="json",
        )
    assert done.status_code == 200, done.json()
    assert done.json() == {"state": "missed", "outcome": "member_unreachable"}
    assert all(n["attempts"][0]["result"] == "busy" for n in api.get(url).json())


def test_the_operator_taps_attempts_in_the_admin(client, scheduled):
    call, session = scheduled
    operator = OperatorFactory()
    client.force_login(operator)
    url = reverse("admin:calls_call_attempts", args=[call.pk])
    change = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert url in change
    number = given_numbers(call)[0].number
    assert client.post(url, {"number": number, "result": "switched_off"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Switched off" in page
    attempt = DialAttempt.objects.get()
    assert (attempt.logged_by, attempt.result) == (operator, "switched_off")
    # ... and the change page lists it with the audit trail.
    change = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert "Dial attempts" in change and "Switched off" in change


def test_the_agent_sees_the_attempts_and_can_withdraw_the_member(client, scheduled):
    call, session = scheduled
    agent = agent_for(call)
    client.force_login(agent)
    from calls.services.attempts import dial_attempt_log

    dial_attempt_log(
        call=call,
        number=given_numbers(call)[0].number,
        result="wrong_number",
        actor=session.interpreter,
    )
    page = client.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert 'data-testid="attempt"' in page
    assert reverse("agent-call-withdraw", args=[call.public_id]) in page
    client.post(
        reverse("agent-call-withdraw", args=[call.public_id]), {"reason": "the member is ill"}
    )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.CANCELLED, Outcome.MEMBER_CANCELLED)
    assert call.transitions.last().actor == agent
