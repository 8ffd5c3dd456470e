"""What each webhook says: versioned JSON, the same shape for every event.

    {"version": 1, "id": "msg_…", "type": "session.moved",
     "timestamp": "2026-12-02T09:00:00Z", "data": {...}}

`id` is the `webhook-id` header; `timestamp` is when the change happened
(not when this try left). `data` names calls by their public id and number,
never by our database keys, and carries no names. Phone numbers and the
member's video handle appear only in `call.confirmed` to the member's own
agency, which gave them; the member's reference (the agency's own) only to
that agency too. A change of shape that could break a reader raises
`version`; new fields may appear in the same version.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from calls.models import Call, Session

VERSION = 1


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def envelope(*, event: str, message_id: str, at: datetime, data: dict) -> dict:
    return {"version": VERSION, "id": message_id, "type": event, "timestamp": iso(at), "data": data}


def call_data(call: Call, *, own_agency: bool) -> dict:
    data = {
        "id": str(call.public_id),
        "number": call.number,
        "kind": call.kind,
        "state": call.state,
        "planned_minutes": call.planned_minutes,
        "languages": [code.strip() for code in call.languages.split(",") if code.strip()],
        "requested_at": iso(call.created_at),
        "outcome": call.outcome or None,
    }
    if own_agency:
        data["member_reference"] = call.member.reference
    return data


def session_data(session: Session | None) -> dict | None:
    if session is None:
        return None
    return {
        "status": session.status,
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.planned_end),
        "started_at": iso(session.started_at),
        "ended_at": iso(session.ended_at),
        "talk_seconds": session.talk_seconds,
    }


def contacts_data(call: Call) -> dict:
    """The numbers and handle the agency gave when it confirmed (its own data)."""
    confirmation = getattr(call, "confirmation", None)
    if confirmation is None:
        return {}
    return {
        "contact_numbers": [
            {"role": number.role, "number": str(number.number)}
            for number in confirmation.numbers.all()
        ],
        "dial_number": str(confirmation.dial_number) if confirmation.dial_number else None,
        "video_handle": confirmation.video_handle or None,
    }


def statement_url(year: int, month: int) -> str:
    try:
        path = reverse("api-agent-statement", args=[f"{year:04d}-{month:02d}"])
    except NoReverseMatch:  # a test URLconf without the API
        return ""
    return settings.SITE_URL.rstrip("/") + path
