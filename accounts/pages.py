"""Where each person reads a call: the one rule for links in emails, invites and feeds.

A client reads the call on their page, an agent the request in their inbox,
an interpreter the session, operators the call in the admin, the duty manager
the call on the duty desk. Absolute links, from SITE_URL. The call is taken
as it comes (anything with `pk` and `public_id`): accounts does not import calls.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .models import Role


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def call_page_url(*, call, reader) -> str:
    """The page where `reader` sees and acts on `call` ("" if there is none)."""
    if call is None or reader is None:
        return ""
    if reader.role == Role.DUTY_MANAGER:
        name, args = "duty-call", [call.public_id]
    elif reader.is_operator:
        name, args = "admin:calls_call_change", [call.pk]
    elif reader.role == Role.CLIENT:
        name, args = "client-call", [call.public_id]
    elif reader.role == Role.AGENT:
        name, args = "agent-call", [call.public_id]
    elif reader.role == Role.INTERPRETER:
        name, args = "interpreter-session", [call.public_id]
    else:
        return ""
    try:
        return absolute_url(reverse(name, args=args))
    except NoReverseMatch:  # a test URLconf without the pages
        return ""
