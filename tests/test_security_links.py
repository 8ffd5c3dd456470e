"""Agent links: signed, single-purpose, expiring, carrying no personal data,
and refused once the request has been answered."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from agents.links import SALT, AgentLink, agent_link_read, agent_link_token
from calls import services
from common.errors import Conflict

from .api_helpers import CONFIRM_PAYLOAD, _fresh_throttles, api_as  # noqa: F401
from .flows import agent_for, book, confirm, good_contacts

pytestmark = pytest.mark.django_db


def test_a_link_is_opaque_and_names_only_the_call_the_agent_and_its_purpose():
    call = book()
    agent = agent_for(call)
    token = agent_link_token(call=call, agent=agent)
    assert agent_link_read(token) == AgentLink(
        call_public_id=str(call.public_id), agent_id=agent.pk
    )
    readable = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for inside in (str(call.public_id), f'"a": {agent.pk}', "confirm", call.member.full_name):
        assert inside.encode() not in readable
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt=SALT)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)  # safe in a URL as it is


def test_a_link_sent_before_links_were_opaque_still_works_until_it_expires(settings):
    call = book()
    agent = agent_for(call)
    legacy = signing.dumps(
        {"c": str(call.public_id), "a": agent.pk, "p": "confirm"}, salt=SALT, compress=True
    )
    assert Client().get(f"/agent/link/{legacy}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert agent_link_read(legacy) is None


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
