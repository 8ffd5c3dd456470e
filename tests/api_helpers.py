"""Helpers for the API tests: clients signed in with a real token, and calls
driven to a given state through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from common.throttling import cache_health, local_counters

CONFIRM_PAYLOAD = {
    "numbers": [
        {"role": "member", "number": "+380 67 123 4567"},
        {"role": "agent_mobile", "number": "+380 50 765 4321"},
        {"role": "responsible", "number": "+380 44 222 3344"},
    ],
    "responsible_name": "Olena Petrenko",
    "agent_is_responsible": False,
    "dial": "+380671234567",
    "availability": "after 18:00",
}


def api_as(user=None) -> APIClient:
    """An API client using `user`'s token (None: anonymous)."""
    client = APIClient()
    if user is not None:
        token = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def clear_throttles():
    """Forget every rate limit's counters (they live in the cache)."""
    cache.clear()
    local_counters.clear()
    cache_health.down_until = 0.0


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache, which outlives a test; and a request
    leaves its user's language active in the test's thread."""
    clear_throttles()
    yield
    cache.clear()
    local_counters.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


def scheduled_call(*, member=None, start=False):
    """A booked, confirmed call scheduled with a new interpreter; started if
    `start`. Returns the call and the interpreter's API client."""
    from .factories import InterpreterFactory, OperatorFactory
    from .flows import book, confirm, schedule

    call = book(member=member)
    confirm(call)
    interpreter = InterpreterFactory()
    # Soon: a session may be started only from the start lead before its time.
    schedule(
        call,
        operator=OperatorFactory(),
        interpreter=interpreter,
        starts_at=timezone.now() + timedelta(minutes=10),
    )
    api = api_as(interpreter)
    if start:
        assert api.post(f"/api/v1/sessions/{call.public_id}/start/").status_code == 200
    return call, api
