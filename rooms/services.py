"""Writes about rooms: links, join credentials, the media server's events, the media clock.

SPEC "The call itself: video rooms and the media clock". The session starts
when the interpreter and one other party are both in the room, at the
instant the media server saw the second of them join; it ends when fewer
than two have been in for ROOM_EMPTY_END_SECONDS, at the instant the room
fell below two (or when the interpreter ends it). Both go through the same
services as the manual Start and End (calls.services.session_start /
session_end, hence the workflow's guarded, audited transitions), acting for
the session's interpreter with a reason that says the room did it. The call
is completed, and billed, when the room's recording is attached
(rooms.recording) or when it is known there is none.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from calls import services as call_services
from calls.models import DEAD_SESSION_STATUSES, Session, SessionStatus
from common.errors import Conflict, DomainError

from . import janus, links, selectors
from .models import (
    ROOM_ID_OFFSET,
    Party,
    Room,
    RoomEvent,
    RoomEventKind,
    RoomPass,
    RoomRecording,
    RoomRecordingState,
)
from .turn import turn_credentials

log = logging.getLogger(__name__)

# Reasons the room writes on the session's audit rows.
STARTED_BY_ROOM = "video room: the interpreter and another party joined"
ENDED_BY_ROOM = "video room: fewer than two parties remained"
ENDED_BY_INTERPRETER = "video room: the interpreter ended the call"
# How long a join credential may be used to enter (the page asks for a new one on reload).
PASS_SECONDS = 120
# Janus may stamp an event a little ahead of our clock; never further than this.
CLOCK_SKEW = timedelta(seconds=5)


def room_for(session: Session) -> Room:
    """The session's room row (made on first use; its ids derived from the session)."""
    room = Room.objects.filter(session=session).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(
                session=session,
                janus_id=ROOM_ID_OFFSET + session.pk,
                pin=secrets.token_urlsafe(18),
                secret=secrets.token_urlsafe(18),
            )
    except IntegrityError:  # made meanwhile by another request
        return Room.objects.get(session=session)


def room_link_token(*, session: Session, party: str, person=None) -> str:
    """The join link token of `party` for this session (`person`: the duty manager)."""
    # A list of sessions (a calendar feed) reads the version with its rows
    # (`room_link_version`, None without a room); one session reads it here.
    if hasattr(session, "room_link_version"):
        version = session.room_link_version or 1
    else:
        room = Room.objects.filter(session=session).only("link_version").first()
        version = room.link_version if room else 1
    return links.room_token(
        session_id=session.pk,
        party=party,
        version=version,
        person_id=person.pk if party == Party.DUTY else None,
    )


def room_links_revoke(*, session: Session) -> int:
    """Revoke every join link of the session given out so far; the new version."""
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room_for(session).pk)
        room.link_version += 1
        room.save(update_fields=["link_version"])
    return room.link_version


def rec_dir(room: Room) -> Path:
    return Path(settings.ROOMS_RECORDINGS_DIR) / str(room.session_id)


def display_name(session: Session, party: str, person=None) -> str:
    """The name on a party's tile: the person's name, or the agency's responsible person."""
    call = session.call
    if party == Party.CLIENT:
        return str(call.client)
    if party == Party.INTERPRETER:
        return str(session.interpreter)
    if party == Party.MEMBER:
        confirmation = getattr(call, "confirmation", None)
        name = confirmation.responsible_name if confirmation else ""
        return name or call.member.agency.name
    return str(person) if person is not None else str(Party.DUTY.label)


def room_pass_issue(*, checked: selectors.LinkState, person=None, now: datetime) -> dict:
    """A join credential for the page that opened a valid, open link.

    Opens the room on the media server if it is not there yet (first join,
    or the server restarted), adds this pass's token to the room's ACL and
    returns what the page needs to join: the server, the room, its PIN, the
    token, the feed id to publish as, the name on the tile and TURN servers.
    """
    if checked.state != "open":
        raise Conflict("room_closed", _("This room is not open now."))
    if not janus.enabled():
        raise janus.RoomServerDown(
            "rooms_off", _("Video rooms are not set up on this server. Use the phone.")
        )
    session, party = checked.session, checked.link.party
    room = room_for(session)
    name = display_name(session, party, person)
    room_pass = RoomPass.objects.create(
        room=room,
        party=party,
        person=person if party == Party.DUTY else None,
        display_name=name,
        feed_id=secrets.randbelow(2**52) + 1,
        token=secrets.token_urlsafe(24),
        issued_at=now,
        expires_at=now + timedelta(seconds=PASS_SECONDS),
    )
    _room_open(room, room_pass.token)
    return {
        "server": settings.JANUS_PUBLIC_URL,
        "room": room.janus_id,
        "pin": room.pin,
        "token": room_pass.token,
        "feed": room_pass.feed_id,
        "display": name,
        "party": party,
        "listen_only": party == Party.DUTY,
        "ice_servers": turn_credentials(label=str(room_pass.feed_id), now=now),
    }


def _room_open(room: Room, token: str) -> None:
    """Let `token` in, creating the room on the server if the server does not have it."""
    data = janus.videoroom(
        {
            "request": "allowed",
            "room": room.janus_id,
            "secret": room.secret,
            "action": "add",
            "allowed": [token],
        },
        tolerate=(janus.NO_SUCH_ROOM,),
    )
    if data.get("error_code") != janus.NO_SUCH_ROOM:
        return
    folder = rec_dir(room)
    folder.mkdir(parents=True, exist_ok=True)
    janus.room_create(
        janus_id=room.janus_id,
        pin=room.pin,
        secret=room.secret,
        rec_dir=str(folder),
        tokens=[token],
    )
    janus.room_allow(janus_id=room.janus_id, secret=room.secret, tokens=[token])
    if room.created_on_server_at is None:
        Room.objects.filter(pk=room.pk).update(created_on_server_at=timezone.now())


# --- The media server's events --------------------------------------------------


def _event_time(stamp, now: datetime) -> datetime:
    """Janus stamps events in microseconds since the epoch; never later than now."""
    try:
        at = datetime.fromtimestamp(int(stamp) / 1_000_000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(at, now + CLOCK_SKEW)


def _joins_and_leaves(events: list) -> list[tuple[int, int, str, object]]:
    """(room id, feed id, kind, timestamp) of the VideoRoom joins and leaves among
    Janus's events (type 64: a plugin's event); everything else is ignored."""
    found = []
    for event in events:
        if not isinstance(event, dict) or event.get("type") != 64:
            continue
        body = event.get("event") or {}
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or body.get("plugin") != janus.PLUGIN:
            continue
        kind = {"joined": RoomEventKind.JOINED, "leaving": RoomEventKind.LEFT}.get(
            data.get("event")
        )
        if kind is None:
            continue
        try:
            found.append((int(data["room"]), int(data["id"]), kind, event.get("timestamp")))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def room_events_record(*, events: list, now: datetime | None = None) -> list[int]:
    """Keep the joins and leaves Janus reported, then run each touched room's clock.

    A repeated post changes nothing (one row per room, feed, kind and instant).
    A feed the product did not issue is kept with no party (evidence only).
    Returns the keys of the sessions whose room changed.
    """
    now = now or timezone.now()
    touched: set[int] = set()
    for janus_id, feed_id, kind, stamp in _joins_and_leaves(events):
        room = Room.objects.filter(janus_id=janus_id).first()
        if room is None:
            continue
        room_pass = RoomPass.objects.filter(room=room, feed_id=feed_id).first()
        at = _event_time(stamp, now)
        _, made = RoomEvent.objects.get_or_create(
            room=room,
            feed_id=feed_id,
            kind=kind,
            at=at,
            defaults={
                "room_pass": room_pass,
                "party": room_pass.party if room_pass else "",
                "received_at": now,
            },
        )
        if made:
            touched.add(room.session_id)
    for session_id in sorted(touched):
        try:
            room_clock_run(session_id=session_id, now=now)
        except DomainError as exc:  # moved on meanwhile (ended by hand, cancelled)
            log.info("session %s: room clock refused (%s)", session_id, exc.code)
    return sorted(touched)


def room_clock_run(*, session_id: int, now: datetime | None = None) -> str:
    """The media clock for one session, by its room's log: start it, end it, or
    ask to be run again when the room may end. Idempotent: running it twice,
    or after a person pressed Start or End, changes nothing more.
    Returns what it did ("started", "ended", "waiting" or "").
    """
    now = now or timezone.now()
    session = Session.objects.select_related("call", "interpreter").get(pk=session_id)
    room = Room.objects.get(session=session)
    seen = selectors.presence(room)
    if session.status in (SessionStatus.PLANNED, SessionStatus.OVERDUE):
        if not selectors.can_talk(seen.parties):
            return ""
        started = _when_two_met(room)
        try:
            call_services.session_start(
                session=session, actor=session.interpreter, now=started, reason=STARTED_BY_ROOM
            )
        except DomainError as exc:
            log.info("room %s: not started (%s)", room.janus_id, exc.code)
            return ""
        return "started"
    if session.status != SessionStatus.IN_PROGRESS or seen.fewer_than_two_since is None:
        return ""
    emptied = max(seen.fewer_than_two_since, session.started_at)
    due = emptied + timedelta(seconds=settings.ROOM_EMPTY_END_SECONDS)
    if now < due:
        _check_again_at(session.pk, due)
        return "waiting"
    room_session_end(session=session, actor=session.interpreter, at=emptied, reason=ENDED_BY_ROOM)
    return "ended"


def _when_two_met(room: Room) -> datetime:
    """The instant the interpreter and another party were first both in the room."""
    in_room: dict[int, str] = {}
    for event in room.events.order_by("at", "id"):
        if event.kind == RoomEventKind.JOINED:
            in_room[event.feed_id] = event.party
        else:
            in_room.pop(event.feed_id, None)
        if selectors.can_talk(set(in_room.values())):
            return event.at
    raise Conflict("not_two", "the room never held two parties")


def _check_again_at(session_id: int, due: datetime) -> None:
    from . import tasks  # the tasks call this module: import at use

    delay = max(1, int((due - timezone.now()).total_seconds()) + 1)
    transaction.on_commit(lambda: tasks.room_clock.apply_async((session_id,), countdown=delay))


def room_session_end(*, session: Session, actor, at: datetime, reason: str) -> Session:
    """End the session at `at` (the call completes when the recording is in), close
    the room on the media server and queue the recording's mixing."""
    room = Room.objects.get(session=session)
    with transaction.atomic():
        ended = call_services.session_end(
            session=session, actor=actor, now=at, complete=False, reason=reason
        )
        Room.objects.filter(pk=room.pk).update(closed_at=timezone.now())
        RoomRecording.objects.get_or_create(room=room)
        transaction.on_commit(lambda: _after_end(room.pk))
    return ended


def _after_end(room_id: int) -> None:
    from . import tasks

    tasks.room_close.delay(room_id)
    tasks.room_recording_mix.delay(room_id)


def room_end_by_interpreter(*, checked: selectors.LinkState, now: datetime) -> Session:
    """The interpreter's "End the call for everyone" in the room."""
    if checked.link.party != Party.INTERPRETER:
        raise Conflict("not_allowed", _("Only the interpreter can end the call."))
    session = checked.session
    if session.status != SessionStatus.IN_PROGRESS:
        raise Conflict("session_not_running", _("The session is not running."))
    return room_session_end(
        session=session, actor=session.interpreter, at=now, reason=ENDED_BY_INTERPRETER
    )


def room_close_on_server(*, room_id: int) -> None:
    """Destroy the room on the media server (everyone is told; recordings closed)."""
    room = Room.objects.get(pk=room_id)
    if janus.enabled():
        janus.room_destroy(janus_id=room.janus_id, secret=room.secret)


def rooms_sweep_empty(*, now: datetime | None = None) -> list[int]:
    """Run the clock of every running session that has a room (a lost countdown)."""
    now = now or timezone.now()
    ended = []
    ids = Session.objects.filter(status=SessionStatus.IN_PROGRESS, room__isnull=False).values_list(
        "pk", flat=True
    )
    for session_id in ids:
        try:
            if room_clock_run(session_id=session_id, now=now) == "ended":
                ended.append(session_id)
        except DomainError:
            continue  # moved on meanwhile
    return ended


# --- The room's recording ------------------------------------------------------

# The mixed recording may fall short of the talk time by this much (the first
# packets, the last ones) and still cover the conversation.
RECORDING_TOLERANCE_SECONDS = 3
NOTHING_RECORDED = "The video room recorded nothing."
RECORDING_ATTACHED = "video room: recording attached"


def room_recording_process(*, room_id: int, now: datetime | None = None) -> str:
    """Mix the ended room's raw recording (the conversation: from the session's
    start for its talk time), check its length against the talk time, attach
    it (the one upload service), complete the call, then remove the raw files.

    Each step looks at what is already done first, so a run killed anywhere
    is simply run again: the raw files go only after the attachment is
    verified. Raises recording.MixError (kept for a retry) when the files
    can't be mixed or the mix is shorter than the talk time.
    """
    from recordings.models import Recording
    from recordings.services import recording_attach, recordings_storage

    from . import recording

    room = Room.objects.select_related("session__call", "session__interpreter").get(pk=room_id)
    session = room.session
    job, _ = RoomRecording.objects.get_or_create(room=room)
    if session.status != SessionStatus.ENDED:
        return "not ended"
    folder = rec_dir(room)
    RoomRecording.objects.filter(pk=job.pk).update(
        state=RoomRecordingState.MIXING, attempts=job.attempts + 1
    )
    attached = Recording.objects.filter(session=session).first()
    if attached is None:
        try:
            # The conversation as billed: from the start, as long as the talk time.
            result = recording.mixed_from_raw(
                folder,
                folder / "mixed",
                start_us=int(session.started_at.timestamp() * 1_000_000),
                length=float(session.measured_seconds or 0) or None,
            )
        except recording.MixError as exc:
            RoomRecording.objects.filter(pk=job.pk).update(
                state=RoomRecordingState.FAILED, error=str(exc)[:2000]
            )
            raise
        if result is None:
            call_services.session_complete(
                session=session,
                actor=session.interpreter,
                no_recording_reason=NOTHING_RECORDED,
                now=now,
            )
            RoomRecording.objects.filter(pk=job.pk).update(state=RoomRecordingState.NONE)
            return "nothing recorded"
        path, seconds = result
        if abs(seconds - (session.measured_seconds or 0)) > RECORDING_TOLERANCE_SECONDS:
            message = f"mixed {seconds:.1f} s, talk time {session.measured_seconds} s"
            RoomRecording.objects.filter(pk=job.pk).update(
                state=RoomRecordingState.FAILED, error=message, duration_seconds=seconds
            )
            raise recording.MixError(message)
        with path.open("rb") as handle:
            # The system attaches it (actor None): sealed at rest like any upload.
            attached = recording_attach(
                session=session,
                file=File(handle, name="room.webm"),
                actor=None,
                reason=RECORDING_ATTACHED,
            )
        RoomRecording.objects.filter(pk=job.pk).update(duration_seconds=seconds)
    if not attached.blob_name or not recordings_storage().exists(attached.blob_name):
        raise recording.MixError("the attached recording is not in storage")
    call_services.session_complete(
        session=session, actor=session.interpreter, reason=RECORDING_ATTACHED, now=now
    )
    RoomRecording.objects.filter(pk=job.pk).update(state=RoomRecordingState.ATTACHED, error="")
    shutil.rmtree(folder, ignore_errors=True)
    return "attached"


def party_of(session: Session, person) -> str | None:
    """The party `person` joins `session`'s room as: the call's client, the
    session's interpreter, or staff of the member's agency (the member's side);
    None for anyone else (an interpreter taken off the call, another agency,
    the office: the duty manager has the desk's own "Listen in" link)."""
    call = session.call
    role = getattr(person, "role", "")
    if role == Role.CLIENT and person.pk == call.client_id:
        return Party.CLIENT
    if role == Role.INTERPRETER and person.pk == session.interpreter_id:
        return Party.INTERPRETER
    if role == Role.AGENT and person.agency_id and person.agency_id == call.member.agency_id:
        return Party.MEMBER
    return None


def room_url_for(*, session: Session | None, recipient) -> str:
    """The recipient's own join link for a video session's messages and calendar
    invites ("" for anything else: not a video call, a dead session, rooms off
    here, or not one of the session's parties)."""
    if session is None or not session.call.is_video or not janus.enabled():
        return ""
    if session.status in DEAD_SESSION_STATUSES:
        return ""
    party = party_of(session, recipient)
    if party is None:
        return ""
    return links.room_url(room_link_token(session=session, party=party))
