"""The call's number: one short, human name for a call (`C-10427`).

It is the same on every page, email, task, statement row, API answer and CSV,
and it is what people read to each other on the phone. It is derived from the
database key (offset, so every number has five digits or more and never reads
like a count), so existing calls have one without a migration and it can
never collide. It lives in common because billing's statements label calls
with it too, and billing does not import calls.
"""

from __future__ import annotations

import re

PREFIX = "C-"
OFFSET = 10000

# "C-10427", "c 10427", "10427" (what an operator types into a search box).
_NUMBER = re.compile(r"^\s*(?:c\s*-?\s*)?(\d{5,9})\s*$", re.IGNORECASE)


def call_number(pk: int) -> str:
    return f"{PREFIX}{pk + OFFSET}"


def pk_from_call_number(text: str) -> int | None:
    """The key of the call a typed number names, or None if it names none."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    pk = int(match[1]) - OFFSET
    return pk if pk > 0 else None
