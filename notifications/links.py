"""Where the reader of a message acts: the link every email carries.

A client reads the call on their page, an agent the request in their inbox,
an interpreter the session, operators the call in the admin, the duty manager
the call on the duty desk. Absolute links, from SITE_URL.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from accounts.models import Role


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def page_url_for(*, call, recipient) -> str:
    """The page where `recipient` sees and acts on `call` ("" if there is none)."""
    if call is None or recipient is None:
        return ""
    if recipient.role == Role.DUTY_MANAGER:
        name, args = "duty-call", [call.public_id]
    elif recipient.is_operator:
        name, args = "admin:calls_call_change", [call.pk]
    elif recipient.role == Role.CLIENT:
        name, args = "client-call", [call.public_id]
    elif recipient.role == Role.AGENT:
        name, args = "agent-call", [call.public_id]
    elif recipient.role == Role.INTERPRETER:
        name, args = "interpreter-session", [call.public_id]
    else:
        return ""
    try:
        return _absolute(reverse(name, args=args))
    except NoReverseMatch:  # a test URLconf without the pages
        return ""
