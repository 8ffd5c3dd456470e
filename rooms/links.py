"""Join links: `/room/<token>/`, one per session and party, opaque, signed and revocable.

The token is a Fernet token (the `cryptography` library, as the agents'
links) keyed from the secret key with a salt of its own: nobody can read what
it names (the session, the party, the link version) nor forge or alter it.
It does not expire by itself: a link is valid while its session is live, in
the room's window (`window`: from ROOM_OPENS_BEFORE_MINUTES before the start
to ROOM_CLOSES_AFTER_MINUTES after the planned end) and while the room's
`link_version` is the one it carries (raising it revokes every link of the
session). A duty manager's link also names the person, who must be signed in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.urls import reverse

from .models import Party

SALT = "rooms.links.join"


@dataclass(frozen=True)
class RoomLink:
    session_id: int
    party: str
    version: int
    person_id: int | None


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"{SALT}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def room_token(*, session_id: int, party: str, version: int, person_id: int | None = None) -> str:
    if party not in Party.values:
        raise ValueError(f"unknown party {party!r}")
    payload = {"s": session_id, "r": party, "v": version}
    if person_id is not None:
        payload["u"] = person_id
    return _fernet().encrypt(json.dumps(payload).encode()).decode().rstrip("=")


def room_token_read(token: str) -> RoomLink | None:
    """What the token names, or None if it was forged, altered or is not ours."""
    try:
        raw = _fernet().decrypt((token + "=" * (-len(token) % 4)).encode())
        data = json.loads(raw)
        link = RoomLink(
            session_id=int(data["s"]),
            party=str(data["r"]),
            version=int(data["v"]),
            person_id=int(data["u"]) if "u" in data else None,
        )
    except (InvalidToken, ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if link.party not in Party.values:
        return None
    return link


def window(session) -> tuple[datetime, datetime]:
    """[opens, closes) of the session's room (SPEC "video rooms")."""
    return (
        session.starts_at - timedelta(minutes=settings.ROOM_OPENS_BEFORE_MINUTES),
        session.planned_end + timedelta(minutes=settings.ROOM_CLOSES_AFTER_MINUTES),
    )


def room_path(token: str) -> str:
    return reverse("room", args=[token])


def room_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + room_path(token)
