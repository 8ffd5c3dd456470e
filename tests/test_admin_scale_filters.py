"""The call list's filters at a million calls (office.admin_scale): a
username in the interpreter box names that interpreter only, a fragment every
interpreter it is found in; the session-date filter lists each call with a
session in the days once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from calls import services

from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db


def _listed(client, text) -> set[int]:
    response = client.get(reverse("admin:calls_call_changelist"), {"interpreter": text})
    assert response.status_code == 200
    return {call.pk for call in response.context["cl"].result_list}


def test_the_interpreter_box_takes_a_username_exactly_and_else_a_fragment(client):
    operator = OperatorFactory()
    calls = {}
    for username in ("interp-7", "interp-70"):
        call = book()
        confirm(call)
        schedule(call, operator=operator, interpreter=InterpreterFactory(username=username))
        calls[username] = call.pk
    client.force_login(operator)

    assert _listed(client, "interp-7") == {calls["interp-7"]}
    assert _listed(client, "interp-70") == {calls["interp-70"]}
    assert _listed(client, "interp-") == set(calls.values())
    assert _listed(client, "nobody") == set()


def _in_sessions(client, since, until) -> list[int]:
    response = client.get(
        reverse("admin:calls_call_changelist"),
        {
            "sessions__starts_at__gte": since.isoformat(),
            "sessions__starts_at__lt": until.isoformat(),
        },
    )
    assert response.status_code == 200
    return [call.pk for call in response.context["cl"].result_list]


def test_the_session_date_filter_lists_each_call_with_a_session_in_the_days_once(client):
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    operator = OperatorFactory()
    with time_machine.travel(now, tick=False):
        soon, later, moved = (book(), book(), book())
        unscheduled = book()
        for call in (soon, later, moved):
            confirm(call)
        schedule(soon, operator=operator, starts_at=now + timedelta(days=2))
        schedule(later, operator=operator, starts_at=now + timedelta(days=10))
        # Scheduled, then moved a day on: two sessions in the days, one call.
        schedule(moved, operator=operator, starts_at=now + timedelta(days=3))
        services.session_schedule(
            call=moved,
            starts_at=now + timedelta(days=4),
            interpreter=InterpreterFactory(),
            actor=operator,
            reason="the member asked",
        )
        client.force_login(operator)

        listed = _in_sessions(client, now, now + timedelta(days=7))

    assert sorted(listed) == sorted([soon.pk, moved.pk])
    assert unscheduled.pk not in listed and later.pk not in listed
