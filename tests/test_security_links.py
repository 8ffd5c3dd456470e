"""Agent links: signed, single-purpose, expiring, carrying no personal data,
and refused once the request has been answered."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from agents.links import SALT, agent_link_read, agent_link_token
from calls import services
from common.errors import Conflict

from .api_helpers import CONFIRM_PAYLOAD, _fresh_throttles, api_as  # noqa: F401
from .flows import agent_for, book, confirm, good_contacts

pytestmark = pytest.mark.django_db


def test_a_link_names_only_the_call_the_agent_and_its_purpose():
    call = book()
    agent = agent_for(call)
    token = agent_link_token(call=call, agent=agent)
    payload = signing.loads(token, salt=SALT)
    assert payload == {"c": str(call.public_id), "a": agent.pk, "p": "confirm"}
    for personal in (call.member.full_name, agent.last_name, agent.email, str(agent.phone)):
        assert personal not in token


def test_a_link_expires(settings):
    settings.AGENT_LINK_MAX_AGE_HOURS = 72
    call = book()
    token = agent_link_token(call=call, agent=agent_for(call))
    assert agent_link_read(token) is not None
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert agent_link_read(token) is None


def test_a_tampered_or_foreign_link_is_refused():
    call = book()
    token = agent_link_token(call=call, agent=agent_for(call))
    assert agent_link_read(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    other_purpose = signing.dumps({"c": str(call.public_id), "a": 1, "p": "other"}, salt=SALT)
    assert agent_link_read(other_purpose) is None
    other_salt = signing.dumps({"c": str(call.public_id), "a": 1, "p": "confirm"})
    assert agent_link_read(other_salt) is None


def test_the_link_page_refuses_a_used_link():
    call = book()
    agent = agent_for(call)
    token = agent_link_token(call=call, agent=agent)
    assert Client().get(f"/agent/link/{token}/").status_code == 200
    confirm(call, agent=agent)
    assert Client().get(f"/agent/link/{token}/").status_code == 410


def test_the_service_refuses_a_second_answer():
    call = book()
    agent = agent_for(call)
    confirm(call, agent=agent)
    with pytest.raises(Conflict) as info:
        services.call_confirm(call=call, actor=agent, **good_contacts())
    assert info.value.code == "already_answered"


def test_the_api_refuses_a_second_answer_after_the_link_was_used():
    call = book()
    agent = agent_for(call)
    confirm(call, agent=agent)  # answered through the link / page
    api = api_as(agent)
    again = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", CONFIRM_PAYLOAD)
    assert again.status_code == 409
    decline = api.post(f"/api/v1/agent/requests/{call.public_id}/decline/", {"reason": "no"})
    assert decline.status_code == 409
