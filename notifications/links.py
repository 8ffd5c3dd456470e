"""Where the reader of a message acts: the link every email carries.

The rule itself is accounts.pages.call_page_url, shared with the calendar
invites and feeds (calendars/), which notifications builds on.
"""

from __future__ import annotations

from accounts.pages import call_page_url


def page_url_for(*, call, recipient) -> str:
    """The page where `recipient` sees and acts on `call` ("" if there is none)."""
    return call_page_url(call=call, reader=recipient)
