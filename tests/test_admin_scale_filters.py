"""The call list's interpreter box (office.admin_scale): a username names
that interpreter only; a fragment names every interpreter it is found in."""

import pytest
from django.urls import reverse

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
