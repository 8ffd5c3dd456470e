"""Signed, expiring, single-purpose links that let an agent answer one request.

The token names the call (by its public id), the agent it was sent to and its
purpose; it is signed with the secret key and expires after
AGENT_LINK_MAX_AGE_HOURS. It carries no personal data. It is single-use in
effect: once the request is answered the call leaves "awaiting agent" and the
view refuses the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "agents.links.confirm-request"
PURPOSE = "confirm"


@dataclass(frozen=True)
class AgentLink:
    call_public_id: str
    agent_id: int


def agent_link_token(*, call, agent) -> str:
    return signing.dumps(
        {"c": str(call.public_id), "a": agent.pk, "p": PURPOSE}, salt=SALT, compress=True
    )


def agent_link_read(token: str) -> AgentLink | None:
    """The link's content, or None if it is forged, expired or for another purpose."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.AGENT_LINK_MAX_AGE_HOURS * 3600)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("p") != PURPOSE:
        return None
    return AgentLink(call_public_id=str(data.get("c")), agent_id=int(data.get("a", 0)))


def agent_link_url(*, call, agent) -> str:
    """Absolute URL for emails; the view is named "agent-link" (calls/agent_urls.py)."""
    path = reverse("agent-link", kwargs={"token": agent_link_token(call=call, agent=agent)})
    return settings.SITE_URL.rstrip("/") + path
