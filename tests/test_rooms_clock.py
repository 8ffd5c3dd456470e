"""The media server is the clock: Janus's join/leave events start and end the session."""

import base64
import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from billing.models import CallCharge, Entry, EntryKind
from calls import services as call_services
from calls.models import CallState, SessionStatus, SessionTransition
from rooms import selectors, services
from rooms.models import Party, RoomEvent

from .factories import aware
from .rooms_support import janus_event, room_pass, video_session

pytestmark = pytest.mark.django_db

START = aware(2026, 12, 10, 15, 0)
CLIENT, MEMBER, INTERPRETER, INTERPRETER_AGAIN = 11, 22, 33, 44


@pytest.fixture
def session():
    with time_machine.travel(START - timedelta(days=2), tick=False):
        session = video_session(starts_at=START)
    for party, feed in (
        (Party.CLIENT, CLIENT),
        (Party.MEMBER, MEMBER),
        (Party.INTERPRETER, INTERPRETER),
        (Party.INTERPRETER, INTERPRETER_AGAIN),
    ):
        room_pass(session, party, feed_id=feed, at=START - timedelta(minutes=5))
    return session


def _auth(user="janus", password="dev-janus-events"):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _post(client, events, *, at, auth=None):
    with time_machine.travel(at, tick=False), mock.patch("rooms.tasks.room_clock.apply_async"):
        return client.post(
            reverse("room-janus-events"),
            data=json.dumps(events),
            content_type="application/json",
            HTTP_AUTHORIZATION=auth or _auth(),
        )


def _tell(client, session, *happenings):
    """Post each (kind, feed, at) as Janus would, at that instant."""
    for kind, feed, at in happenings:
        answer = _post(client, [janus_event(session, kind, feed_id=feed, at=at)], at=at)
        assert answer.status_code == 204


def _clock(session, at):
    with time_machine.travel(at, tick=False), mock.patch("rooms.tasks.room_clock.apply_async"):
        return services.room_clock_run(session_id=session.pk, now=at)


def _reload(session):
    session.refresh_from_db()
    session.call.refresh_from_db()
    return session


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        ("", 401),
        ("Bearer x", 401),
        (_auth(password="wrong"), 401),
        (_auth(user="someone"), 401),
    ],
)
def test_the_event_endpoint_refuses_without_janus_credentials(client, session, auth, status):
    event = janus_event(session, "joined", feed_id=CLIENT, at=START)
    answer = client.post(
        reverse("room-janus-events"),
        data=json.dumps([event]),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert answer.status_code == status
    assert not RoomEvent.objects.exists()


def test_the_event_endpoint_refuses_a_body_that_is_not_json(client, session):
    answer = client.post(
        reverse("room-janus-events"),
        data=b"{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=_auth(),
    )
    assert answer.status_code == 400


def test_the_session_starts_when_the_interpreter_and_another_party_are_in(client, session):
    client_in = START - timedelta(minutes=2)
    interpreter_in = START + timedelta(seconds=14)
    _tell(client, session, ("joined", CLIENT, client_in))
    assert _reload(session).status == SessionStatus.PLANNED  # the client alone: no call yet
    _tell(client, session, ("joined", INTERPRETER, interpreter_in))
    session = _reload(session)
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.started_at == interpreter_in
    assert session.call.state == CallState.IN_PROGRESS
    audit = SessionTransition.objects.get(session=session, to_status=SessionStatus.IN_PROGRESS)
    assert audit.reason == services.STARTED_BY_ROOM and audit.actor == session.interpreter


def test_the_client_and_the_member_alone_do_not_start_it(client, session):
    _tell(
        client,
        session,
        ("joined", CLIENT, START),
        ("joined", MEMBER, START + timedelta(seconds=5)),
    )
    assert _reload(session).status == SessionStatus.PLANNED


def test_it_ends_when_fewer_than_two_remain_for_60_seconds(client, session):
    started = START + timedelta(seconds=3)
    left = started + timedelta(minutes=12, seconds=30)
    _tell(
        client,
        session,
        ("joined", INTERPRETER, START),
        ("joined", CLIENT, started),
        ("left", CLIENT, left),
    )
    assert _clock(session, left + timedelta(seconds=59)) == "waiting"
    assert _reload(session).status == SessionStatus.IN_PROGRESS
    assert _clock(session, left + timedelta(seconds=60)) == "ended"
    session = _reload(session)
    assert session.status == SessionStatus.ENDED
    assert (session.started_at, session.ended_at) == (started, left)
    assert session.talk_seconds == session.measured_seconds == 750
    # The call completes (and is billed) when the room's recording is in.
    assert session.call.state == CallState.IN_PROGRESS
    assert _clock(session, left + timedelta(minutes=5)) == ""  # running it again: nothing


def test_a_reload_under_60_seconds_does_not_end_it(client, session):
    started = START
    reload_out = START + timedelta(minutes=4)
    _tell(
        client,
        session,
        ("joined", CLIENT, START - timedelta(minutes=1)),
        ("joined", INTERPRETER, started),
        ("left", INTERPRETER, reload_out),
        # The reloaded page is a new feed, which may join before the old one's leave is seen.
        ("joined", INTERPRETER_AGAIN, reload_out + timedelta(seconds=20)),
    )
    assert _clock(session, reload_out + timedelta(seconds=61)) == ""
    assert _reload(session).status == SessionStatus.IN_PROGRESS
    assert selectors.presence(session.room).parties == {Party.CLIENT, Party.INTERPRETER}


def test_the_interpreter_leaving_for_good_ends_it_from_when_they_left(client, session):
    left = START + timedelta(minutes=20)
    _tell(
        client,
        session,
        ("joined", CLIENT, START),
        ("joined", INTERPRETER, START),
        ("joined", MEMBER, START),
        ("left", INTERPRETER, left),
        ("left", MEMBER, left + timedelta(seconds=30)),
    )
    # Client and member still talked for 30 s: fewer than two from the member's leave.
    assert _clock(session, left + timedelta(seconds=89)) == "waiting"
    assert _clock(session, left + timedelta(seconds=90)) == "ended"
    assert _reload(session).ended_at == left + timedelta(seconds=30)


def test_a_repeated_post_is_kept_once(client, session):
    event = janus_event(session, "joined", feed_id=CLIENT, at=START)
    _post(client, [event], at=START)
    _post(client, [event, event], at=START)
    assert RoomEvent.objects.count() == 1


def test_events_of_other_plugins_and_rooms_are_ignored(client, session):
    other = janus_event(session, "joined", feed_id=CLIENT, at=START)
    other["event"]["plugin"] = "janus.plugin.echotest"
    unknown_room = janus_event(session, "joined", feed_id=CLIENT, at=START)
    unknown_room["event"]["data"]["room"] = 1234
    core = {"type": 1, "timestamp": 1, "event": {"name": "created"}}
    assert _post(client, [other, unknown_room, core, "junk"], at=START).status_code == 204
    assert not RoomEvent.objects.exists()


def test_janus_stopping_mid_call_leaves_the_session_to_people_and_charges_once(client, session):
    """No leave ever arrives: nothing ends by itself; the interpreter's manual End
    (or the duty desk) ends it, and nothing the room does later charges again."""
    _tell(
        client,
        session,
        ("joined", CLIENT, START),
        ("joined", INTERPRETER, START + timedelta(seconds=10)),
    )
    later = START + timedelta(hours=2)
    with mock.patch("rooms.tasks.room_clock.apply_async"):
        assert services.rooms_sweep_empty(now=later) == []
    assert _reload(session).status == SessionStatus.IN_PROGRESS
    with time_machine.travel(later, tick=False):
        call_services.session_end(
            session=session,
            actor=session.interpreter,
            no_recording_reason="the video server stopped",
            now=START + timedelta(minutes=25),
        )
    session = _reload(session)
    assert session.call.state == CallState.COMPLETED
    # Janus comes back and posts late events; the sweep runs again: no second charge.
    _tell(client, session, ("left", CLIENT, later), ("left", INTERPRETER, later))
    with mock.patch("rooms.tasks.room_clock.apply_async"):
        services.rooms_sweep_empty(now=later + timedelta(minutes=5))
    assert _clock(session, later + timedelta(minutes=5)) == ""
    charges = Entry.objects.filter(call_id=session.call_id, kind=EntryKind.CHARGE)
    # One charge: the client's debit and its counter-entry, nothing more.
    assert sorted(charges.values_list("amount", flat=True)) == [Decimal("-75.00"), Decimal("75.00")]
    assert CallCharge.objects.get(call_id=session.call_id).client_charge == Decimal("75.00")


def test_janus_stopping_before_the_start_leaves_the_session_to_the_overdue_sweep(client, session):
    _tell(client, session, ("joined", CLIENT, START - timedelta(minutes=3)))
    # The server stops: the interpreter never gets in, no more events.
    overdue_at = START + timedelta(minutes=10)
    assert call_services.session_mark_overdue(session=session, now=overdue_at)
    assert _reload(session).status == SessionStatus.OVERDUE


def test_the_interpreter_ends_it_for_everyone(client, session):
    from rooms.selectors import link_check

    _tell(client, session, ("joined", CLIENT, START), ("joined", INTERPRETER, START))
    token = services.room_link_token(session=session, party=Party.INTERPRETER)
    ended_at = START + timedelta(minutes=31)
    with time_machine.travel(ended_at, tick=False), mock.patch("rooms.services._after_end"):
        answer = client.post(reverse("room-end", args=[token]))
    assert answer.status_code == 200
    session = _reload(session)
    assert session.status == SessionStatus.ENDED and session.ended_at == ended_at
    audit = SessionTransition.objects.get(session=session, to_status=SessionStatus.ENDED)
    assert audit.reason == services.ENDED_BY_INTERPRETER
    # The client's link cannot end it.
    client_token = services.room_link_token(session=session, party=Party.CLIENT)
    checked = link_check(client_token, now=START, user=None)
    with pytest.raises(Exception, match="Only the interpreter"):
        services.room_end_by_interpreter(checked=checked, now=START)


def test_the_duty_desk_shows_each_partys_joins_and_leaves(client, session):
    from .factories import DutyManagerFactory

    _tell(
        client,
        session,
        ("joined", CLIENT, START + timedelta(seconds=14)),
        ("joined", INTERPRETER, START + timedelta(seconds=20)),
        ("left", CLIENT, START + timedelta(minutes=3)),
    )
    log = {entry.party: entry.events for entry in selectors.room_log(session)}
    assert [e.kind for e in log["client"]] == ["joined", "left"]
    assert log["member"] == []
    duty = DutyManagerFactory(time_zone="UTC")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        client.force_login(duty)
        page = client.get(reverse("duty-call", args=[session.call.public_id]))
    text = page.content.decode()
    assert "joined 15:00:14" in text and "left 15:03:00" in text
    assert "never joined" in text
