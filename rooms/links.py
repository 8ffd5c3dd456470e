"""Join links: `/room/<token>/`, one per session and party, opaque, signed and revocable.

The token is AES-SIV (RFC 5297, the `cryptography` library) over what it
names (the session, the party, the link version), keyed from the secret key
with a salt of its own: nobody can read it, forge it or alter it. AES-SIV is
deterministic on purpose: a party's link is the same string every time it is
written (the email, the invite, the call page, a calendar feed read every
hour whose ETag must not change), and all it reveals is that two links are
equal. It does not expire by itself: a link is valid while its session is live, in
the room's window (`window`: from ROOM_OPENS_BEFORE_MINUTES before the start
to ROOM_CLOSES_AFTER_MINUTES after the planned end) and while the room's
`link_version` is the one it carries (raising it revokes every link of the
session). A duty manager's link also names the person, who must be signed in.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


def _cipher() -> AESSIV:
    """AES-256-SIV under a key derived (HKDF) from the secret key and this module's salt."""
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=SALT.encode()).derive(
        settings.SECRET_KEY.encode()
    )
    return AESSIV(key)


def room_token(*, session_id: int, party: str, version: int, person_id: int | None = None) -> str:
    """The same token for the same (session, party, version, person): see the module docstring."""
    if party not in Party.values:
        raise ValueError(f"unknown party {party!r}")
    payload = {"s": session_id, "r": party, "v": version}
    if person_id is not None:
        payload["u"] = person_id
    raw = _cipher().encrypt(json.dumps(payload, separators=(",", ":")).encode(), None)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def room_token_read(token: str) -> RoomLink | None:
    """What the token names, or None if it was forged, altered or is not ours."""
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode())
        data = json.loads(_cipher().decrypt(raw, None))
        link = RoomLink(
            session_id=int(data["s"]),
            party=str(data["r"]),
            version=int(data["v"]),
            person_id=int(data["u"]) if "u" in data else None,
        )
    except (InvalidTag, binascii.Error, ValueError, TypeError, KeyError, UnicodeError):
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
