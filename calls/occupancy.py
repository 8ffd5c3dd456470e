"""The interpreter's time a session holds, and when it may start.

SPEC step 4: an interpreter keeps a gap (the buffer) between two sessions.
The buffer is that gap, counted once: a session holds its interpreter from its
start to its end plus the buffer, so with 15 minutes a 17:00–17:25 session
lets the next one start at 17:40 (and a session ending at 16:45 lets the next
start at 17:00). Before the call the end is the planned end; once the session
has ended it is the actual end, which frees the rest of the slot.

`Session.blocked_from` / `blocked_until` store this range so the database can
refuse overlaps (the exclusion constraint of migration calls.0002); every
writer of those columns goes through `held_range`.

All arithmetic here is on UTC instants (`common.localtime.add`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from common.localtime import add, to_utc


def buffer(minutes: int | None = None) -> timedelta:
    return timedelta(minutes=settings.SESSION_BUFFER_MINUTES if minutes is None else minutes)


def start_lead() -> timedelta:
    """How long before its time a session may be started (SESSION_START_LEAD_MINUTES)."""
    return timedelta(minutes=settings.SESSION_START_LEAD_MINUTES)


def held_range(
    *, starts_at: datetime, ends_at: datetime, buffer_minutes: int | None = None
) -> tuple[datetime, datetime]:
    """[from, until) the interpreter is held: start to end, plus the buffer once."""
    start = to_utc(starts_at)
    end = max(to_utc(ends_at), start)
    return start, add(end, buffer(buffer_minutes))


def earliest_start(starts_at: datetime) -> datetime:
    """The first instant the interpreter may start a session due at `starts_at`."""
    return to_utc(starts_at) - start_lead()
