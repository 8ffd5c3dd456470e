"""Issue 25 item 5: the client is told when the member agrees (the outbox, with
the link to pick a time); windows already over are refused when ordering and
when confirming, before anything is held or stored. (A language no interpreter
speaks: tests/test_language_pair.py.)"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import CallCharge
from calls import services
from calls.models import Call, CallState
from common.errors import DomainError
from notifications.models import Notification

from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import book, confirm, fund_client, good_contacts

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 6, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_client_is_told_when_the_member_agrees_with_the_link_to_pick():
    call = book()
    confirm(call)
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED
    told = Notification.objects.get(call=call, kind="confirmed")
    assert told.recipient == call.client
    assert "pick a time" in told.subject
    assert reverse("client-call", args=[call.public_id]) in told.body


def test_confirming_twice_tells_the_client_once():
    call = book()
    confirm(call)
    with pytest.raises(DomainError):
        confirm(call)
    assert Notification.objects.filter(call=call, kind="confirmed").count() == 1


def test_an_order_with_windows_already_over_is_refused_before_the_hold():
    client = ClientFactory(time_zone="Europe/Kyiv")
    fund_client(client, Decimal("100"))
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    yesterday = (NOW - timedelta(days=1)).astimezone().strftime("%Y-%m-%d")
    with pytest.raises(DomainError) as info:
        services.call_request_create(
            client=client,
            member=member,
            kind="phone_interpreted",
            planned_minutes=30,
            client_windows=[{"from": f"{yesterday}T09:00", "to": f"{yesterday}T18:00"}],
            created_by=client,
        )
    assert (info.value.code, info.value.field) == ("window_in_the_past", "client_windows")
    assert not Call.objects.exists() and not CallCharge.objects.exists()


def test_a_confirmation_with_windows_already_over_is_refused():
    call = book()
    with pytest.raises(DomainError) as info:
        services.call_confirm(
            call=call,
            actor=call.member.agency.staff.first(),
            **good_contacts(),
            member_windows=[{"from": "2027-06-06T10:00", "to": "2027-06-06T12:00"}],
        )
    assert (info.value.code, info.value.field) == ("window_in_the_past", "member_windows")
    call.refresh_from_db()
    assert call.state == CallState.AWAITING_AGENT


def test_weekly_and_future_windows_are_fine():
    call = book()
    services.call_confirm(
        call=call,
        actor=call.member.agency.staff.first(),
        **good_contacts(),
        member_windows=[
            {"days": ["mon"], "from": "09:00", "to": "12:00"},
            {"from": "2027-06-08T10:00", "to": "2027-06-08T12:00"},
        ],
    )
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED
