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
# The "we were not called" link in the overdue message: acts for that call only.
ALARM = "alarm"


@dataclass(frozen=True)
class AgentLink:
    call_public_id: str
    agent_id: int


def agent_link_token(*, call, agent, purpose: str = PURPOSE) -> str:
    return signing.dumps(
        {"c": str(call.public_id), "a": agent.pk, "p": purpose}, salt=SALT, compress=True
    )


def agent_link_read(token: str, *, purpose: str = PURPOSE) -> AgentLink | None:
    """The link's content, or None if it is forged, expired or for another purpose."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.AGENT_LINK_MAX_AGE_HOURS * 3600)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    return AgentLink(call_public_id=str(data.get("c")), agent_id=int(data.get("a", 0)))


def agent_link_url(*, call, agent) -> str:
    """Absolute URL for emails; the view is named "agent-link" (calls/agent_urls.py)."""
    path = reverse("agent-link", kwargs={"token": agent_link_token(call=call, agent=agent)})
    return settings.SITE_URL.rstrip("/") + path


def agent_alarm_url(*, call, agent) -> str:
    """Absolute URL of the "we were not called" page for `agent` (no sign-in needed)."""
    token = agent_link_token(call=call, agent=agent, purpose=ALARM)
    return settings.SITE_URL.rstrip("/") + reverse("agent-alarm-link", kwargs={"token": token})
