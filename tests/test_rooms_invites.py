"""A video session's calendar invites (and reminders) carry each party's own join link.

The emails that schedule a video session go to the client, the agency's
responsible person and the interpreter, one recipient each; each one's invite
(read back with `icalendar`) names that reader's own `/room/<token>/` link in
LOCATION, CONFERENCE (RFC 7986) and DESCRIPTION, and that link opens the room
as that party. Nobody else's invite or feed holds a join link; without rooms
the agent's video handle is the place, as before."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import resolve

from calendars import invites, selectors
from calls import services
from calls.models import CallKind
from notifications import services as notification_services
from notifications import sweeps
from notifications.models import Notification
from rooms import links
from rooms.models import Party
from rooms.services import room_links_revoke, room_url_for

from . import notifications_support as support
from .calendar_support import parse, the_event
from .factories import AgentFactory, ClientFactory, InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm
from .test_calendar_emails import invite_parts

pytestmark = pytest.mark.django_db

queued = support.queued  # fixture
agent_link_view = support.agent_link_view  # fixture

NOW = aware(2030, 3, 1, 9, 0)
SITE = "https://calls.example.org"


@pytest.fixture
def rooms_on(settings):
    """Video rooms set up here (a media server; its answers are not needed to write links)."""
    settings.JANUS_URL = "http://127.0.0.1:8088/janus"
    settings.ROOMS_CLIENT_JS_READY = True
    settings.SITE_URL = SITE


def _scheduled_video_call(*, client, language=None):
    """A video call confirmed by an agent of the member's agency and scheduled with an
    interpreter (both speaking `language` if given)."""
    speaks = {"language": language} if language else {}
    call = book(client=client, kind=CallKind.VIDEO, now=NOW)
    agent = AgentFactory(agency=call.member.agency, **speaks)
    confirm(call, agent=agent, now=NOW)
    interpreter = InterpreterFactory(**speaks)
    session = services.session_schedule(
        call=call,
        starts_at=NOW + timedelta(days=2),
        interpreter=interpreter,
        actor=OperatorFactory(),
        now=NOW,
    )
    return call, session, agent, interpreter


def _link_of(event) -> links.RoomLink:
    """The join link the event names, read back as the room would read it."""
    location = str(event["LOCATION"])
    assert location.startswith(SITE + "/room/"), location
    match = resolve(urlsplit(location).path)
    assert match.url_name == "room"
    read = links.room_token_read(match.kwargs["token"])
    assert read is not None, location
    return read


def test_each_partys_emailed_invite_carries_their_own_room_link(
    rooms_on, queued, agent_link_view, django_capture_on_commit_callbacks
):
    client = ClientFactory(language="en")
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call, session, agent, interpreter = _scheduled_video_call(client=client, language="en")
        queued.clear()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            # A move sends every party a new invite (schedule emails are the same path).
            session = services.session_schedule(
                call=call,
                starts_at=NOW + timedelta(days=3),
                interpreter=interpreter,
                actor=OperatorFactory(),
                now=NOW,
            )
        outcomes = queued.run(now=NOW)
    assert outcomes and set(outcomes) == {"sent"}, outcomes

    party_of_address = {
        client.email: Party.CLIENT,
        agent.email: Party.MEMBER,
        interpreter.email: Party.INTERPRETER,
    }
    seen = {}
    for email in mail.outbox:
        method, ics, _attachment = invite_parts(email)
        if ics is None:
            continue
        (address,) = email.to
        event = the_event(parse(ics))
        read = _link_of(event)
        location = str(event["LOCATION"])
        assert (read.session_id, read.party) == (session.pk, party_of_address[address])
        assert str(event["CONFERENCE"]) == location
        assert event["CONFERENCE"].params["FEATURE"] == "AUDIO,VIDEO"
        assert location in str(event["DESCRIPTION"])
        assert "opens 15 minutes before the start" in str(event["DESCRIPTION"])
        seen[address] = location
    assert set(seen) == set(party_of_address)
    assert len(set(seen.values())) == 3  # three different links, one per party


def test_the_link_in_the_invite_opens_the_room_as_that_party(rooms_on, client):
    reader = ClientFactory()
    with time_machine.travel(NOW, tick=False):
        call, session, _agent, _interpreter = _scheduled_video_call(client=reader)
        appointment = selectors.appointment_for_call(call.pk, reader)
        _method, ics = invites.invite(appointment, reader=reader, stamp=NOW)
    location = str(the_event(parse(ics))["LOCATION"])
    with time_machine.travel(session.starts_at - timedelta(minutes=5), tick=False):
        answer = client.get(urlsplit(location).path)
    assert answer.status_code == 200
    assert answer.context["party"] == Party.CLIENT


def test_a_readers_feed_names_the_same_link_on_every_read_until_it_is_revoked(rooms_on):
    reader = ClientFactory()
    with time_machine.travel(NOW, tick=False):
        call, session, _agent, _interpreter = _scheduled_video_call(client=reader)
        first = invites.feed(selectors.feed_appointments(reader), reader=reader)
        again = invites.feed(selectors.feed_appointments(reader), reader=reader)
        room_links_revoke(session=session)
        after = invites.feed(selectors.feed_appointments(reader), reader=reader)
    assert first == again  # the feed's ETag does not change by itself
    old, new = (_link_of(the_event(parse(body))) for body in (first, after))
    assert (old.version, new.version) == (1, 2)


def test_the_russian_invite_says_so_in_russian(rooms_on):
    reader = ClientFactory(language="ru")
    with time_machine.travel(NOW, tick=False):
        call, _session, _agent, _interpreter = _scheduled_video_call(client=reader)
        appointment = selectors.appointment_for_call(call.pk, reader)
        _method, ics = invites.invite(appointment, reader=reader, stamp=NOW)
    event = the_event(parse(ics))
    assert "Войти в видеозвонок" in str(event["DESCRIPTION"])
    assert "за 15 минут до начала" in str(event["DESCRIPTION"])
    assert str(event["CONFERENCE"].params["LABEL"]) == "Видеокомната"


def test_a_cancel_and_an_interpreter_taken_off_get_no_link(rooms_on):
    reader = ClientFactory()
    with time_machine.travel(NOW, tick=False):
        call, session, _agent, first = _scheduled_video_call(client=reader)
        services.session_schedule(
            call=call,
            starts_at=session.starts_at,
            interpreter=InterpreterFactory(),
            actor=OperatorFactory(),
            now=NOW,
        )
        taken_off = selectors.appointment_for_call(call.pk, first)
        _method, to_first = invites.invite(taken_off, reader=first, stamp=NOW)
        services.call_cancel(call=call, actor=OperatorFactory(), reason="asked", now=NOW)
        cancelled = selectors.appointment_for_call(call.pk, reader)
        _method, to_client = invites.invite(cancelled, reader=reader, stamp=NOW)
    for ics in (to_first, to_client):
        calendar = parse(ics)
        event = the_event(calendar)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert "/room/" not in ics
        assert "CONFERENCE" not in event


def test_only_the_sessions_own_parties_get_a_join_link(rooms_on):
    with time_machine.travel(NOW, tick=False):
        _call, session, agent, interpreter = _scheduled_video_call(client=ClientFactory())
    client = session.call.client
    colleague = AgentFactory(agency=session.call.member.agency)
    assert (
        links.room_token_read(
            urlsplit(room_url_for(session=session, recipient=colleague)).path.split("/")[2]
        ).party
        == Party.MEMBER
    )  # anyone of the agency may be the member's side
    for stranger in (
        ClientFactory(),
        AgentFactory(),  # another agency
        InterpreterFactory(),  # not this session's interpreter
        OperatorFactory(),
    ):
        assert room_url_for(session=session, recipient=stranger) == "", stranger.role
    for party in (client, agent, interpreter):
        assert room_url_for(session=session, recipient=party).startswith(SITE + "/room/")


def test_without_rooms_the_agents_video_handle_is_the_place(settings):
    settings.JANUS_URL = ""
    reader = ClientFactory()
    with time_machine.travel(NOW, tick=False):
        call, _session, _agent, _interpreter = _scheduled_video_call(client=reader)
        appointment = selectors.appointment_for_call(call.pk, reader)
        _method, ics = invites.invite(appointment, reader=reader, stamp=NOW)
    event = the_event(parse(ics))
    handle = call.confirmation.video_handle
    assert handle and str(event["LOCATION"]) == handle
    assert f"Video: {handle}" in str(event["DESCRIPTION"])
    assert "/room/" not in ics and "CONFERENCE" not in event


def test_each_partys_reminder_carries_their_own_room_link(
    rooms_on, queued, agent_link_view, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _call, session, agent, interpreter = _scheduled_video_call(client=ClientFactory())
    at = session.starts_at - timedelta(minutes=59)
    with django_capture_on_commit_callbacks(execute=True):
        sweeps.sweep_reminders(now=at)
    parties = {"client": Party.CLIENT, "agent": Party.MEMBER, "interpreter": Party.INTERPRETER}
    seen = {}
    for row in Notification.objects.filter(session=session, kind="reminder60"):
        notification_services.notification_deliver(notification_id=row.pk, now=at)
        row.refresh_from_db()
        (link,) = [word for word in row.body.split() if word.startswith(SITE + "/room/")]
        read = links.room_token_read(urlsplit(link).path.split("/")[2])
        assert (read.session_id, read.party) == (session.pk, parties[row.recipient.role])
        seen[row.recipient.role] = link
    assert set(seen) == set(parties) and len(set(seen.values())) == 3
