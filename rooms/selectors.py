"""Reads about rooms: is a link good now, who is in a room, what the server saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from accounts.models import Role
from calls.models import Session, SessionStatus

from . import links
from .models import TALKING_PARTIES, Party, Room, RoomEventKind

# The room is over for these sessions (the page says "closed").
OVER_STATUSES = (SessionStatus.ENDED, SessionStatus.MISSED)


@dataclass(frozen=True)
class LinkState:
    session: Session
    link: links.RoomLink
    # "open", "not_yet" or "closed"
    state: str
    opens_at: datetime
    closes_at: datetime


def link_check(token: str, *, now: datetime, user=None) -> LinkState:
    """The session and party a join link names, and whether its room is open now.

    Anything that is not a live link of ours is a 404: a forged or altered
    token, a revoked one (an old link version), a session superseded by a
    reschedule or cancelled, a call that is not a video call, a duty
    manager's link opened by anyone but that signed-in duty manager.
    """
    link = links.room_token_read(token)
    if link is None:
        raise Http404
    session = (
        Session.objects.select_related("call__client", "call__member__agency", "interpreter")
        .filter(pk=link.session_id)
        .live()
        .first()
    )
    if session is None or not session.call.is_video:
        raise Http404
    room = Room.objects.filter(session=session).only("link_version").first()
    if (room.link_version if room else 1) != link.version:
        raise Http404
    if link.party == Party.DUTY and not (
        user is not None
        and user.is_authenticated
        and user.pk == link.person_id
        and (user.role == Role.DUTY_MANAGER or user.is_operator)
    ):
        raise Http404
    opens, closes = links.window(session)
    if session.status in OVER_STATUSES or now >= closes:
        state = "closed"
    elif now < opens:
        state = "not_yet"
    else:
        state = "open"
    return LinkState(session=session, link=link, state=state, opens_at=opens, closes_at=closes)


@dataclass(frozen=True)
class Presence:
    parties: frozenset[str]
    # Since when fewer than two parties have been in (None: two or more now,
    # or nobody has been in yet).
    fewer_than_two_since: datetime | None


def presence(room: Room, events=None) -> Presence:
    """Who is in the room by the server's log (a feed is in from its join to its leave)."""
    events = events if events is not None else room.events.order_by("at", "id")
    in_room: dict[int, str] = {}
    since, had_two = None, False
    for event in events:
        if event.kind == RoomEventKind.JOINED:
            in_room[event.feed_id] = event.party
        else:
            in_room.pop(event.feed_id, None)
        if len({p for p in in_room.values() if p in TALKING_PARTIES}) >= 2:
            since, had_two = None, True
        elif since is None and had_two:
            # The room counts as emptied only after a conversation was possible in it.
            since = event.at
    return Presence(parties=frozenset(in_room.values()), fewer_than_two_since=since)


def can_talk(parties) -> bool:
    """SPEC: the interpreter and one other party are both in the room."""
    return Party.INTERPRETER in parties and bool({Party.CLIENT, Party.MEMBER} & set(parties))


@dataclass(frozen=True)
class PartyLog:
    party: str
    label: str
    events: list


def room_log(session: Session) -> list[PartyLog]:
    """Each party's joins and leaves in time order (the dispute view's evidence);
    a party that never joined has an empty list."""
    room = Room.objects.filter(session=session).first()
    events = list(room.events.order_by("at", "id")) if room else []
    return [
        PartyLog(
            party=party.value,
            label=str(party.label),
            events=[e for e in events if e.party == party],
        )
        for party in Party
        if party != Party.DUTY or any(e.party == party for e in events)
    ]
