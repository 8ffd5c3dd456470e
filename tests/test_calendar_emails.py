"""Emails that schedule, move or cancel a session carry the invite: as a
`text/calendar; method=...` alternative and as an `invite.ics` attachment, to
the client, the agency's responsible person and the interpreter, each in their
own zone and language; the same UID throughout, SEQUENCE rising with each email."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from calendars import invites
from calls import services

from . import notifications_support as support
from .calendar_support import instant, parse, the_event
from .factories import AgentFactory, ClientFactory, InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm

pytestmark = pytest.mark.django_db

queued = support.queued  # fixture
agent_link_view = support.agent_link_view  # fixture

NOW = aware(2030, 3, 1, 9, 0)


def invite_parts(message):
    """(method parameter, .ics of the alternative, .ics of the attachment) of a sent email."""
    parsed = message.message()
    alternative = attachment = None
    method = None
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            method = part.get_param("method")
            alternative = part.get_payload(decode=True).decode()
        elif part.get_filename() == "invite.ics":
            assert part.get_content_type() == "application/ics"
            attachment = part.get_payload(decode=True).decode()
    return method, alternative, attachment


def deliver(queued):
    mail.outbox.clear()
    outcomes = queued.run(now=NOW)
    assert outcomes and set(outcomes) == {"sent"}, outcomes
    return list(mail.outbox)


@pytest.fixture
def people():
    return {
        "client": ClientFactory(time_zone="Asia/Tokyo", language="en"),
        "interpreter": InterpreterFactory(time_zone="Europe/Kyiv", language="ru"),
        "operator": OperatorFactory(),
    }


def test_schedule_move_move_cancel_emails_carry_invites_with_one_uid_and_rising_sequence(
    people, queued, agent_link_view, django_capture_on_commit_callbacks
):
    client, interpreter, operator = people["client"], people["interpreter"], people["operator"]
    starts = [NOW + timedelta(days=d, hours=h) for d, h in ((2, 0), (3, 5), (9, 1))]
    by_reader: dict[str, list] = {}
    with time_machine.travel(NOW, tick=False):
        call = book(client=client, now=NOW)
        agent = AgentFactory(agency=call.member.agency, time_zone="America/New_York")
        confirm(call, agent=agent, now=NOW)
        queued.run(now=NOW)
        steps = []
        for starts_at in starts:
            with django_capture_on_commit_callbacks(execute=True):
                services.session_schedule(
                    call=call,
                    starts_at=starts_at,
                    interpreter=interpreter,
                    actor=operator,
                    now=NOW,
                )
            steps.append(("REQUEST", starts_at, deliver(queued)))
        with django_capture_on_commit_callbacks(execute=True):
            services.call_cancel(call=call, actor=operator, reason="asked", now=NOW)
        steps.append(("CANCEL", starts[-1], deliver(queued)))

    for expected_method, starts_at, emails in steps:
        readers = {}
        for email in emails:
            method, alternative, attachment = invite_parts(email)
            (address,) = email.to
            readers[address] = email
            assert method == expected_method, (address, email.subject)
            assert alternative == attachment  # one invite, two ways in
            calendar = parse(alternative)
            event = the_event(calendar)
            assert calendar["METHOD"] == expected_method
            assert str(event["STATUS"]) == (
                "CANCELLED" if expected_method == "CANCEL" else "CONFIRMED"
            )
            assert instant(calendar, event, "DTSTART") == starts_at
            by_reader.setdefault(address, []).append(event)
        # Each of the three is told, in their own zone.
        zones = {client.email: "Asia/Tokyo", agent.email: "America/New_York"}
        zones[interpreter.email] = "Europe/Kyiv"
        assert set(readers) == set(zones)
        for address, zone in zones.items():
            calendar = parse(invite_parts(readers[address])[1])
            assert [tz["TZID"] for tz in calendar.timezones] == [zone]

    for address, events in by_reader.items():
        assert {str(e["UID"]) for e in events} == {invites.event_uid(call)}, address
        sequences = [int(e["SEQUENCE"]) for e in events]
        assert len(sequences) == 4
        assert all(a < b for a, b in zip(sequences, sequences[1:], strict=False)), sequences


def test_an_interpreter_taken_off_the_call_is_sent_a_cancel(
    people, queued, agent_link_view, django_capture_on_commit_callbacks
):
    operator, first = people["operator"], people["interpreter"]
    with time_machine.travel(NOW, tick=False):
        call = book(client=people["client"], now=NOW)
        confirm(call, now=NOW)
        for interpreter in (first, InterpreterFactory()):
            with django_capture_on_commit_callbacks(execute=True):
                services.session_schedule(
                    call=call,
                    starts_at=NOW + timedelta(days=2),
                    interpreter=interpreter,
                    actor=operator,
                    now=NOW,
                )
            emails = deliver(queued)
    (to_first,) = [e for e in emails if e.to == [first.email]]
    method, ics, _attachment = invite_parts(to_first)
    assert method == "CANCEL"
    assert str(the_event(parse(ics))["UID"]) == invites.event_uid(call)


def test_messages_that_change_no_session_carry_no_invite(
    people, queued, agent_link_view, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call = book(client=people["client"], now=NOW)
        emails = deliver(queued)  # the agent is asked
    assert emails
    for email in emails:
        assert invite_parts(email) == (None, None, None)
        assert [mimetype for _content, mimetype in email.alternatives] == ["text/html"]
    assert call.number in emails[0].alternatives[0][0]
