"""Which changes record which webhook events, for whom, and what the payloads hold.

Events are recorded in the transaction of the change (a change rolled back
leaves none), through the workflow's own announcements, whoever made the
change. Payloads name calls by public id and number, never by a database key;
phone numbers only go back to the agency that gave them.
"""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from calls import services as call_services
from common.errors import DomainError
from duty.services import dispute_raise, dispute_resolve
from recordings import services as recording_services
from webhooks import services
from webhooks.models import Delivery, Event

from .factories import AgentFactory, DutyManagerFactory, MemberFactory, OperatorFactory, aware
from .flows import GOOD_NUMBERS, agent_for, book, confirm, own_number, schedule

pytestmark = pytest.mark.django_db

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)


def endpoint(agency=None, events=None):
    made, _secret = services.endpoint_create(
        agency=agency,
        url="https://hooks.example.org/in",
        events=events or Event.values,
        actor=None,
        now=NOW,
    )
    return made


def events_of(endpoint):
    return [d.event for d in Delivery.objects.filter(endpoint=endpoint).order_by("pk")]


def payloads_of(endpoint):
    return [d.payload for d in Delivery.objects.filter(endpoint=endpoint).order_by("pk")]


def walk(value, key=""):
    """Every (key, value) pair in a JSON document, nested ones too."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)
    else:
        yield key, value


def lifecycle(member):
    """Book, confirm, schedule, move, start, end (completed), dispute, decide."""
    AgentFactory(agency=member.agency)
    operator = OperatorFactory()
    call = book(member=member, kind="video", minutes=45, now=NOW)
    confirm(call, now=NOW)
    schedule(call, operator=operator, starts_at=START, now=NOW)
    session = schedule(call, operator=operator, starts_at=START + timedelta(hours=2), now=NOW)
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    recording_services.recording_attach(
        session=session, file=SimpleUploadedFile("r.mp3", b"ID3data"), actor=session.interpreter
    )
    call_services.session_end(
        session=session,
        actor=session.interpreter,
        now=session.starts_at + timedelta(minutes=40),
    )
    dispute = dispute_raise(call=call, actor=call.client, reason="Cut off", now=START)
    dispute_resolve(
        dispute=dispute,
        actor=DutyManagerFactory(),
        adjust=True,
        reason="The recording shows it",
        client_refund="10.00",
        agency_correction="-4.00",
        now=START + timedelta(days=1),
    )
    call.refresh_from_db()
    return call


def test_a_call_s_life_is_told_in_order_to_its_agency_and_the_office_only():
    member = MemberFactory()
    own = endpoint(member.agency)
    office = endpoint(None)
    stranger = endpoint(AgentFactory().agency)
    AgentFactory(agency=member.agency)
    call = book(member=member, kind="video", minutes=45, now=NOW)
    confirm(call, now=NOW)
    operator = OperatorFactory()
    schedule(call, operator=operator, starts_at=START, now=NOW)
    session = schedule(call, operator=operator, starts_at=START + timedelta(hours=2), now=NOW)
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    call_services.session_end(
        session=session,
        actor=session.interpreter,
        no_recording_reason="recorder failed",
        now=session.starts_at + timedelta(minutes=40),
    )
    dispute = dispute_raise(call=call, actor=agent_for(call), reason="Cut off", now=START)
    dispute_resolve(
        dispute=dispute, actor=DutyManagerFactory(), adjust=False, reason="No", now=START
    )
    expected = [
        Event.CALL_REQUESTED,
        Event.CALL_CONFIRMED,
        Event.SESSION_SCHEDULED,
        Event.SESSION_MOVED,
        Event.SESSION_STARTED,
        Event.SESSION_ENDED,
        Event.CALL_OUTCOME_RECORDED,
        Event.DISPUTE_OPENED,
        Event.DISPUTE_DECIDED,
    ]
    assert events_of(own) == expected
    assert events_of(office) == expected
    assert events_of(stranger) == []
    moved = payloads_of(own)[3]
    assert moved["data"]["previous"]["starts_at"] == "2030-03-04T15:00:00Z"
    assert moved["data"]["session"]["starts_at"] == "2030-03-04T17:00:00Z"
    outcome = payloads_of(own)[6]["data"]
    assert outcome["outcome"] == "completed" and outcome["session"]["talk_seconds"] == 2400
    decided = payloads_of(own)[8]["data"]["dispute"]
    assert (decided["status"], decided["raised_by"]) == ("refused", "agent")
    assert {d.call_key for d in Delivery.objects.all()} == {str(call.public_id)}


def test_payloads_carry_no_internal_ids_and_numbers_only_back_to_their_agency():
    member = MemberFactory()
    own = endpoint(member.agency)
    office = endpoint(None)
    call = lifecycle(member)
    assert len(events_of(office)) == 9 and events_of(own) == events_of(office)
    # The last seven digits of each number given, however it might be written.
    tails = {re.sub(r"\D", "", number.raw)[-7:] for number in GOOD_NUMBERS}
    for payload in payloads_of(office):
        text = json.dumps(payload)
        for _key, value in walk(payload):
            assert not any(tail in re.sub(r"\D", "", str(value)) for tail in tails), value
        assert "olena" not in text.lower() and call.member.full_name not in text
        assert call.member.reference not in text
        for key, value in walk(payload):
            if key == "id" or key.endswith("_id"):
                assert isinstance(value, str) and not value.isdigit(), (key, value)
            assert not (isinstance(value, int) and key in ("pk", "call", "session", "dispute"))
        assert payload["version"] == 1
        assert payload["data"]["call"]["id"] == str(call.public_id)
        assert payload["data"]["call"]["number"] == call.number
    client_money = [p["data"]["dispute"] for p in payloads_of(office) if "dispute" in p["data"]]
    assert client_money[-1]["client_refund"] == "10.00"
    assert client_money[-1]["agency_correction"] == "-4.00"


def test_the_member_s_own_agency_gets_back_the_numbers_it_gave():
    member = MemberFactory()
    own = endpoint(member.agency, [Event.CALL_CONFIRMED, Event.DISPUTE_DECIDED])
    office = endpoint(None, [Event.CALL_CONFIRMED])
    AgentFactory(agency=member.agency)
    call = book(member=member, now=NOW)
    confirm(call, now=NOW)
    (mine,) = payloads_of(own)
    (theirs,) = payloads_of(office)
    given = sorted(str(n["number"]) for n in mine["data"]["contacts"]["contact_numbers"])
    mine_own = own_number(member)
    assert given == sorted([mine_own, "+380507654321", "+380442223344"])
    assert mine["data"]["call"]["member_reference"] == member.reference
    assert "contacts" not in theirs["data"] and "member_reference" not in theirs["data"]["call"]
    # None of the numbers, in any spelling ("380" alone also turns up inside ids).
    sent = json.dumps(theirs)
    assert not any(digits in sent for digits in (mine_own[4:], "507654321", "442223344"))


def test_a_change_rolled_back_leaves_no_event():
    office = endpoint(None)
    call = book(now=NOW)
    before = Delivery.objects.filter(endpoint=office).count()
    with pytest.raises(DomainError):
        with transaction.atomic():
            call_services.call_cancel(call=call, actor=call.client, now=NOW)
            raise DomainError("boom", "rolled back")
    assert Delivery.objects.filter(endpoint=office).count() == before


def test_cancelling_a_scheduled_call_says_session_cancelled_then_call_cancelled():
    office = endpoint(None)
    call = book(now=NOW)
    confirm(call, now=NOW)
    schedule(call, operator=OperatorFactory(), starts_at=START, now=NOW)
    call_services.call_cancel(call=call, actor=call.client, now=NOW)
    assert events_of(office)[-2:] == [Event.SESSION_CANCELLED, Event.CALL_CANCELLED]
    # Cancelled in good time: no outcome to record.
    assert Event.CALL_OUTCOME_RECORDED not in events_of(office)


def test_a_missed_call_from_the_sweep_says_missed_then_its_outcome():
    from notifications import sweeps

    office = endpoint(None, [Event.CALL_MISSED, Event.CALL_OUTCOME_RECORDED])
    call = book(now=NOW)
    confirm(call, now=NOW)
    schedule(call, operator=OperatorFactory(), starts_at=START, now=NOW)
    sweeps.sweep_due(now=START + timedelta(hours=1))
    assert events_of(office) == [Event.CALL_MISSED, Event.CALL_OUTCOME_RECORDED]
    missed = payloads_of(office)[1]["data"]
    assert missed["outcome"] == "office_fault" and missed["call"]["state"] == "missed"


def test_an_endpoint_gets_only_the_events_it_chose():
    office = endpoint(None, [Event.SESSION_SCHEDULED])
    call = book(now=NOW)
    confirm(call, now=NOW)
    schedule(call, operator=OperatorFactory(), starts_at=START, now=NOW)
    assert events_of(office) == [Event.SESSION_SCHEDULED]
    with pytest.raises(DomainError) as refused:
        services.endpoint_create(
            agency=None, url="https://x.example.org", events=["call.exploded"], actor=None
        )
    assert refused.value.code == "bad_events"


def test_a_declined_request_says_call_declined_to_its_agency_and_the_office():
    member = MemberFactory()
    own = endpoint(member.agency, [Event.CALL_DECLINED])
    office = endpoint(None, [Event.CALL_DECLINED])
    stranger = endpoint(AgentFactory().agency, [Event.CALL_DECLINED])
    AgentFactory(agency=member.agency)
    call = book(member=member, now=NOW)
    call_services.call_decline(call=call, actor=agent_for(call), reason="Not now", now=NOW)
    assert events_of(own) == events_of(office) == [Event.CALL_DECLINED]
    assert events_of(stranger) == []
    (declined,) = payloads_of(own)
    assert declined["data"]["call"]["number"] == call.number
    assert declined["data"]["call"]["state"] == "declined"
    assert "Not now" not in json.dumps(payloads_of(office))
