"""Issue 25 item 7: a number that belongs to another agency's staff, or a
staff number given as the member's own, is refused; the interpreter sees the
client's number for a phone call; a client without one can't be scheduled
for a phone call."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.contact_rules import NumberInput
from calls import services
from calls.models import CallState
from common.errors import DomainError

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import AgentFactory, ClientFactory, InterpreterFactory, OperatorFactory
from .flows import GOOD_NUMBERS, book, confirm, good_contacts, schedule

pytestmark = pytest.mark.django_db


def confirm_with(call, **replace):
    numbers = [NumberInput(n.role, replace.get(n.role, n.raw)) for n in GOOD_NUMBERS]
    return services.call_confirm(
        call=call,
        actor=call.member.agency.staff.first(),
        **{**good_contacts(), "numbers": numbers},
    )


def test_another_agencys_agent_mobile_is_refused_as_this_members_number():
    stranger = AgentFactory(phone="+380509998877")  # another agency
    call = book()
    with pytest.raises(DomainError) as info:
        confirm_with(call, agent_mobile="+380 50 999 8877")
    assert info.value.code == "number_of_someone_else"
    assert info.value.errors == {"numbers-1": [info.value.message]}
    assert "another agency" in info.value.message
    assert stranger.agency_id != call.member.agency_id
    call.refresh_from_db()
    assert call.state == CallState.AWAITING_AGENT


def test_a_staff_number_is_not_the_members_own():
    InterpreterFactory(phone="+380671234567")  # the member's number in GOOD_NUMBERS
    call = book()
    with pytest.raises(DomainError) as info:
        confirm_with(call)
    assert "not the member's own" in info.value.message
    assert list(info.value.errors) == ["numbers-0"]


def test_this_agencys_own_agent_mobile_is_fine():
    call = book()
    agent = call.member.agency.staff.first()
    agent.phone = "+380507654321"  # GOOD_NUMBERS' agent mobile
    agent.save(update_fields=["phone"])
    confirm_with(call)
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED


def test_a_client_without_a_phone_cant_be_scheduled_for_a_phone_call():
    call = book(client=ClientFactory(phone=""))
    confirm(call)
    with pytest.raises(DomainError) as info:
        schedule(call, operator=OperatorFactory())
    assert info.value.code == "client_without_phone"
    assert not call.sessions.exists()
    video = book(client=ClientFactory(phone=""), kind="video")
    confirm(video)
    assert schedule(video, operator=OperatorFactory())  # video needs no phone


def test_the_interpreter_sees_the_clients_number_for_a_phone_call():
    client = ClientFactory(phone="+442079460123")
    call = book(client=client)
    confirm(call)
    session = schedule(
        call, operator=OperatorFactory(), starts_at=timezone.now() + timedelta(days=2)
    )
    answer = api_as(session.interpreter).get(f"/api/v1/sessions/{call.public_id}/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["client_phone"] == "+442079460123"
