"""Calendar invites: the instant is right in every reader's zone, across DST changes;
one UID per call for its whole life, SEQUENCE rising with each change; METHOD and
STATUS say what happened. Every invite is read back with `icalendar`."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from calendars import invites, selectors
from calls import services

from .calendar_support import instant, parse, the_event
from .dst import next_change
from .factories import ClientFactory, InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm

pytestmark = pytest.mark.django_db

READER_ZONES = ["Europe/Kyiv", "America/New_York", "Asia/Tokyo"]
# Tokyo has had no daylight-saving time since 1951: its readers get the sessions
# that cross Kyiv's and New York's changes, which must not move for them either.
CHANGE_ZONES = ["Europe/Kyiv", "America/New_York"]
SEASONS = ["spring", "autumn"]
MINUTES = 120


def scheduled_call(*, client, starts_at, now, kind=None):
    extra = {"kind": kind} if kind else {}
    call = book(client=client, minutes=MINUTES, now=now, **extra)
    confirm(call, now=now)
    operator = OperatorFactory(username="invites-operator")
    services.session_schedule(
        call=call,
        starts_at=starts_at,
        interpreter=InterpreterFactory(),
        actor=operator,
        now=now,
    )
    return call, operator


def invite_for(call, reader, *, now):
    appointment = selectors.appointment_for_call(call.pk, reader)
    method, ics = invites.invite(appointment, reader=reader, stamp=now)
    calendar = parse(ics)
    assert calendar["METHOD"] == method
    return calendar, the_event(calendar)


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("change_zone", CHANGE_ZONES)
@pytest.mark.parametrize("reader_zone", READER_ZONES)
def test_the_invite_names_the_sessions_instant_in_the_readers_zone_across_dst(
    reader_zone, change_zone, season
):
    change = next_change(change_zone, season, after=aware(2027, 1, 10, 12, 0))
    now = change - timedelta(days=10)
    # Half an hour before the change, for two hours: the change falls inside the session.
    starts_at = change - timedelta(minutes=30)
    with time_machine.travel(now, tick=False):
        client = ClientFactory(time_zone=reader_zone)
        call, _operator = scheduled_call(client=client, starts_at=starts_at, now=now)
        calendar, event = invite_for(call, client, now=now)

    assert instant(calendar, event, "DTSTART") == starts_at
    assert instant(calendar, event, "DTEND") == starts_at + timedelta(minutes=MINUTES)
    # Half an hour before a change is never a repeated hour's second pass: always a TZID.
    assert event["DTSTART"].params["TZID"] == reader_zone
    assert event["DTEND"].params["TZID"] == reader_zone
    # The wall clock the reader sees is the one of their zone on that date.
    assert event.start.astimezone(timezone.get_fixed_timezone(0)) == starts_at
    assert [tz["TZID"] for tz in calendar.timezones] == [reader_zone]


@pytest.mark.parametrize("reader_zone", ["Europe/Kyiv", "America/New_York"])
def test_a_start_in_the_repeated_autumn_hours_second_pass_is_written_in_utc(reader_zone):
    """A local time that happens twice means its first pass (RFC 5545): the second
    can only be said in UTC, and that is what the invite says."""
    change = next_change(reader_zone, "autumn", after=aware(2027, 1, 10, 12, 0))
    now = change - timedelta(days=10)
    starts_at = change + timedelta(minutes=15)  # the repeated hour, second time round
    with time_machine.travel(now, tick=False):
        client = ClientFactory(time_zone=reader_zone)
        call, _operator = scheduled_call(client=client, starts_at=starts_at, now=now)
        calendar, event = invite_for(call, client, now=now)
    assert "TZID" not in event["DTSTART"].params
    assert instant(calendar, event, "DTSTART") == starts_at
    assert event["DTEND"].params.get("TZID") == reader_zone
    assert instant(calendar, event, "DTEND") == starts_at + timedelta(minutes=MINUTES)


def test_uid_stays_and_sequence_rises_across_schedule_move_move_cancel():
    now = aware(2030, 3, 1, 9, 0)
    with time_machine.travel(now, tick=False):
        client = ClientFactory(time_zone="Asia/Tokyo")
        call, operator = scheduled_call(client=client, starts_at=now + timedelta(days=2), now=now)
        seen = [invite_for(call, client, now=now)]
        for days in (3, 4):
            services.session_schedule(
                call=call,
                starts_at=now + timedelta(days=days),
                interpreter=InterpreterFactory(),
                actor=operator,
                now=now,
            )
            seen.append(invite_for(call, client, now=now))
        services.call_cancel(call=call, actor=operator, reason="client asked", now=now)
        seen.append(invite_for(call, client, now=now))

    events = [event for _calendar, event in seen]
    methods = [str(calendar["METHOD"]) for calendar, _event in seen]
    assert {str(e["UID"]) for e in events} == {invites.event_uid(call)}
    assert invites.event_uid(call) == f"session-{call.public_id}@{invites.site_host()}"
    sequences = [e["SEQUENCE"] for e in events]
    assert sequences == sorted(set(sequences)), sequences  # strictly rising
    assert len(sequences) == 4
    assert methods == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED"] * 3 + ["CANCELLED"]
    # The moves are in the invites: each one at its own time.
    assert [instant(c, e, "DTSTART") for c, e in seen[:3]] == [
        now + timedelta(days=d) for d in (2, 3, 4)
    ]


def test_an_invite_has_the_organizer_attendees_alarm_and_links_in_the_readers_language(settings):
    # Video rooms off here: the place is the agent's video handle (with rooms on,
    # each party's own join link: tests/test_rooms_invites.py).
    settings.JANUS_URL = ""
    now = aware(2030, 3, 1, 9, 0)
    with time_machine.travel(now, tick=False):
        client = ClientFactory(time_zone="Europe/Kyiv", language="ru")
        call, _operator = scheduled_call(
            client=client, starts_at=now + timedelta(days=1), now=now, kind="video"
        )
        _calendar, event = invite_for(call, client, now=now)
    assert call.number in str(event["SUMMARY"])
    assert "Видеозвонок" in str(event["SUMMARY"]) or "Звонок" in str(event["SUMMARY"])
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    session = call.sessions.get()
    assert attendees[f"mailto:{session.interpreter.email}"]["ROLE"] == "CHAIR"
    assert attendees[f"mailto:{client.email}"]["ROLE"] == "REQ-PARTICIPANT"
    # A client's invite names nobody at the agency (their emails don't either).
    assert len(attendees) == 2
    assert f"/client/calls/{call.public_id}/" in str(event["URL"])
    assert "olena.skype" in str(event["DESCRIPTION"])  # the agent's video handle
    assert str(event["URL"]) in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=15)
    assert str(alarm["ACTION"]) == "DISPLAY"


def test_an_agents_invite_names_them_and_the_interpreter_but_not_the_client():
    now = aware(2030, 3, 1, 9, 0)
    with time_machine.travel(now, tick=False):
        client = ClientFactory()
        call, _operator = scheduled_call(client=client, starts_at=now + timedelta(days=1), now=now)
        agent = call.confirmation.confirmed_by
        _calendar, event = invite_for(call, agent, now=now)
    emails = {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]}
    assert agent.email in emails
    assert client.email not in emails
    assert f"/agent/calls/{call.public_id}/" in str(event["URL"])


def test_an_interpreter_taken_off_the_call_gets_a_cancel_with_a_higher_sequence():
    now = aware(2030, 3, 1, 9, 0)
    with time_machine.travel(now, tick=False):
        call, operator = scheduled_call(
            client=ClientFactory(), starts_at=now + timedelta(days=2), now=now
        )
        first = call.sessions.get().interpreter
        _c, before = invite_for(call, first, now=now)
        services.session_schedule(
            call=call,
            starts_at=now + timedelta(days=2),
            interpreter=InterpreterFactory(),
            actor=operator,
            now=now,
        )
        calendar, after = invite_for(call, first, now=now)
    assert calendar["METHOD"] == "CANCEL"
    assert str(after["STATUS"]) == "CANCELLED"
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert {str(a) for a in after["ATTENDEE"]} >= {f"mailto:{first.email}"}
