"""Join links: bound to a session and a party, tamper-proof, windowed, revocable."""

import base64
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from calls.models import SessionStatus
from rooms import links, services
from rooms.models import Party, Room, RoomPass

from .factories import DutyManagerFactory, aware
from .rooms_support import video_session

pytestmark = pytest.mark.django_db

START = aware(2026, 12, 10, 15, 0)


@pytest.fixture
def session():
    with time_machine.travel(START - timedelta(days=2), tick=False):
        return video_session(starts_at=START)


def _token(session, party=Party.CLIENT, person=None):
    return services.room_link_token(session=session, party=party, person=person)


def _get(client, token, *, at, **headers):
    with time_machine.travel(at, tick=False):
        return client.get(reverse("room", args=[token]), **headers)


def test_a_token_names_its_session_and_party_and_nothing_readable(session):
    token = _token(session, Party.INTERPRETER)
    read = links.room_token_read(token)
    assert (read.session_id, read.party, read.version) == (session.pk, "interpreter", 1)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"interpreter" not in raw and b'"s"' not in raw  # encrypted, not only signed


@pytest.mark.parametrize("party", [Party.CLIENT, Party.MEMBER, Party.INTERPRETER])
def test_each_party_opens_the_room_as_itself(client, session, party):
    answer = _get(client, _token(session, party), at=START - timedelta(minutes=5))
    assert answer.status_code == 200
    assert answer.templates[0].name == "rooms/room.html"
    assert answer.context["party"] == party


def test_a_tampered_token_is_a_404(client, session):
    token = _token(session)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    assert _get(client, tampered, at=START).status_code == 404
    assert _get(client, "not-a-token", at=START).status_code == 404


def test_a_token_signed_with_another_key_is_a_404(client, session, settings):
    token = _token(session)
    settings.SECRET_KEY = "another-secret-key-0123456789abcdef-xyz"
    assert _get(client, token, at=START).status_code == 404


def test_the_room_opens_15_minutes_before_the_start(client, session):
    token = _token(session)
    early = _get(client, token, at=START - timedelta(minutes=15, seconds=1))
    assert early.templates[0].name == "rooms/closed.html"
    assert early.context["checked"].state == "not_yet"
    assert b"not open yet" in early.content
    assert _get(client, token, at=START - timedelta(minutes=15)).context["checked"].state == "open"


def test_the_room_closes_an_hour_after_the_planned_end(client, session):
    token = _token(session)
    end = session.planned_end + timedelta(hours=1)
    assert _get(client, token, at=end - timedelta(seconds=1)).context["checked"].state == "open"
    late = _get(client, token, at=end)
    assert late.context["checked"].state == "closed"
    assert b"The room is closed" in late.content


def test_the_closed_page_is_in_the_readers_language(client, session):
    late = _get(client, _token(session), at=START + timedelta(hours=3), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Комната закрыта".encode() in late.content


def test_revoking_the_links_of_a_session_makes_them_404(client, session):
    old = _token(session)
    services.room_links_revoke(session=session)
    assert _get(client, old, at=START).status_code == 404
    assert _get(client, _token(session), at=START).status_code == 200


def test_a_cancelled_session_has_no_room(client, session):
    token = _token(session)
    session.__class__.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
    assert _get(client, token, at=START).status_code == 404


def test_the_duty_managers_link_works_only_for_that_signed_in_duty_manager(client, session):
    duty, other = DutyManagerFactory(), DutyManagerFactory()
    token = _token(session, Party.DUTY, duty)
    with time_machine.travel(START, tick=False):
        assert client.get(reverse("room", args=[token])).status_code == 404  # not signed in
        client.force_login(other)
        assert client.get(reverse("room", args=[token])).status_code == 404
        client.force_login(duty)
        assert client.get(reverse("room", args=[token])).status_code == 200


def test_the_join_credential_comes_by_post_and_opens_the_room_on_the_server(
    client, session, settings
):
    # The media server is mocked; the page's libraries need not be installed here.
    settings.ROOMS_CLIENT_JS_READY = True
    token = _token(session, Party.INTERPRETER)
    sent = []

    def videoroom(request, tolerate=()):
        sent.append(request)
        return {"error_code": 426} if request["request"] == "allowed" and len(sent) == 1 else {}

    with (
        mock.patch("rooms.janus.videoroom", side_effect=videoroom),
        time_machine.travel(START - timedelta(minutes=1), tick=False),
    ):
        answer = client.post(reverse("room-join", args=[token]))
    assert answer.status_code == 200, answer.content
    data = answer.json()
    room = Room.objects.get(session=session)
    issued = RoomPass.objects.get(room=room)
    assert (data["room"], data["pin"], data["feed"], data["token"]) == (
        room.janus_id,
        room.pin,
        issued.feed_id,
        issued.token,
    )
    assert data["party"] == "interpreter" and data["display"] == str(session.interpreter)
    # No room on the server yet: created recorded, with the pass's token in its ACL.
    create = next(r for r in sent if r["request"] == "create")
    assert create["record"] is True and create["allowed"] == [issued.token]
    assert create["rec_dir"].endswith(f"/{session.pk}")


def test_no_join_credential_outside_the_window(client, session):
    token = _token(session)
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        answer = client.post(reverse("room-join", args=[token]))
    assert answer.status_code == 409
    assert not RoomPass.objects.exists()


def test_the_join_credential_needs_the_csrf_token(session):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with time_machine.travel(START, tick=False):
        answer = strict.post(reverse("room-join", args=[_token(session)]))
    assert answer.status_code == 403


def test_turn_credentials_are_short_lived_hmacs_of_the_shared_secret(settings):
    import base64
    import hashlib
    import hmac

    from rooms.turn import turn_credentials

    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = "shared"
    settings.TURN_CREDENTIAL_SECONDS = 600
    (server,) = turn_credentials(label="42", now=START)
    expires, label = server["username"].split(":")
    assert int(expires) == int(START.timestamp()) + 600 and label == "42"
    digest = hmac.new(b"shared", server["username"].encode(), hashlib.sha1).digest()
    assert server["credential"] == base64.b64encode(digest).decode()
