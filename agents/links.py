"""Opaque, signed, expiring, single-purpose links that let an agent answer one request.

The token is a Fernet token (AES-128-CBC and HMAC-SHA256, from the
`cryptography` library) keyed from the secret key: nobody can read what it
names (the call's public id, the agent it was sent to, its purpose) nor forge
or alter it, and it carries its own time, so it expires after
AGENT_LINK_MAX_AGE_HOURS. It is single-use in effect: once the request is
answered the call leaves "awaiting agent" and the view refuses the link.

Links sent before the tokens were opaque (Django-signed, readable) still work
until they expire (72 hours by default): `_read_legacy` can go after that.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "agents.links.confirm-request"
PURPOSE = "confirm"
# The "we were not called" link in the overdue message: acts for that call only.
ALARM = "alarm"


@dataclass(frozen=True)
class AgentLink:
    call_public_id: str
    agent_id: int


def _fernet() -> Fernet:
    # A key of its own, derived from the secret key and this purpose's salt.
    digest = hashlib.sha256(f"{SALT}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def agent_link_token(*, call, agent, purpose: str = PURPOSE) -> str:
    payload = json.dumps({"c": str(call.public_id), "a": agent.pk, "p": purpose})
    return _fernet().encrypt(payload.encode()).decode().rstrip("=")


def agent_link_read(token: str, *, purpose: str = PURPOSE) -> AgentLink | None:
    """The link's content, or None if it is forged, expired or for another purpose."""
    data = _read_opaque(token) or _read_legacy(token)
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    try:
        return AgentLink(call_public_id=str(data["c"]), agent_id=int(data["a"]))
    except (KeyError, TypeError, ValueError):
        return None


def _read_opaque(token: str):
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = _fernet().decrypt(
            padded.encode("ascii"), ttl=settings.AGENT_LINK_MAX_AGE_HOURS * 3600
        )
        return json.loads(raw)
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return None


def _read_legacy(token: str):
    try:
        return signing.loads(token, salt=SALT, max_age=settings.AGENT_LINK_MAX_AGE_HOURS * 3600)
    except (signing.BadSignature, ValueError):  # BadSignature includes SignatureExpired
        return None


def agent_link_url(*, call, agent) -> str:
    """Absolute URL for emails; the view is named "agent-link" (agent_pages/urls.py)."""
    path = reverse("agent-link", kwargs={"token": agent_link_token(call=call, agent=agent)})
    return settings.SITE_URL.rstrip("/") + path


def agent_alarm_url(*, call, agent) -> str:
    """Absolute URL of the "we were not called" page for `agent` (no sign-in needed)."""
    token = agent_link_token(call=call, agent=agent, purpose=ALARM)
    return settings.SITE_URL.rstrip("/") + reverse("agent-alarm-link", kwargs={"token": token})
