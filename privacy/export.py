"""A person's data as one ZIP: data.json (everything held about them, schema in
docs/privacy/person-export.schema.json) and README.txt in their language."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from billing.models import Entry
from calls.models import Call, ContactNumber, DialAttempt
from duty.models import Dispute
from notifications.models import Notification
from recordings.models import RecordingAccess

from .models import PrivacyRequest, RequestKind
from .subjects import Subject, calls_of

SCHEMA_ID = "person-export/1"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _profile(subject: Subject) -> dict:
    if subject.kind == "member":
        m = subject.obj
        return {
            "kind": "member",
            "reference": m.reference,
            "full_name": m.full_name,
            "city": m.city,
            "time_zone": m.time_zone,
            "languages": m.languages,
            "agency": m.agency.name,
            "active": m.is_active,
        }
    u: User = subject.obj
    return {
        "kind": "user",
        "role": u.role,
        "username": u.username,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "phone": str(u.phone) if u.phone else "",
        "time_zone": u.time_zone,
        "language": u.language,
        "languages": u.languages,
        "agency": u.agency.name if u.agency_id else None,
        "active": u.is_active,
        "joined_at": _iso(u.date_joined),
        "last_sign_in_at": _iso(u.last_login),
    }


def _call(call: Call, subject: Subject) -> dict:
    confirmation = getattr(call, "confirmation", None)
    return {
        "number": call.number,
        "id": str(call.public_id),
        "kind": call.kind,
        "state": call.state,
        "outcome": call.outcome,
        "planned_minutes": call.planned_minutes,
        "booked_at": _iso(call.created_at),
        "languages": call.languages,
        "note": call.note,
        "preferred_times": call.preferred_times,
        "client_windows": call.client_windows,
        "client_time_zone": call.client_time_zone,
        "member_windows": confirmation.member_windows if confirmation else [],
        "member_availability": confirmation.availability if confirmation else "",
        "video_handle": confirmation.video_handle if confirmation else "",
        "sessions": [
            {
                "starts_at": _iso(s.starts_at),
                "planned_end": _iso(s.planned_end),
                "status": s.status,
                "started_at": _iso(s.started_at),
                "ended_at": _iso(s.ended_at),
                "talk_seconds": s.talk_seconds,
                "recording": _recording(s),
            }
            for s in call.sessions.all()
        ],
    }


def _recording(session) -> dict | None:
    recording = getattr(session, "recording", None)
    if recording is None:
        return None
    # The audio itself is not in the export (it holds the other party's voice too);
    # it is described, and can be heard at the office on request.
    return {
        "id": str(recording.public_id),
        "format": recording.container,
        "seconds": float(recording.duration_seconds) if recording.duration_seconds else None,
        "sha256": recording.sha256,
        "uploaded_at": _iso(recording.uploaded_at),
        "shredded_at": _iso(recording.shredded_at),
    }


def person_data(subject: Subject, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    calls = list(
        calls_of(subject)
        .select_related("confirmation")
        .prefetch_related("sessions__recording")
        .order_by("created_at", "pk")
    )
    call_ids = [c.pk for c in calls]
    numbers = ContactNumber.objects.filter(confirmation__call_id__in=call_ids)
    if subject.kind == "member":
        numbers = numbers.filter(role="member")
    attempts = DialAttempt.objects.filter(call_id__in=call_ids, number__in=numbers.values("number"))
    data = {
        "schema": SCHEMA_ID,
        "generated_at": now.isoformat(),
        "subject": _profile(subject),
        "calls": [_call(c, subject) for c in calls],
        "numbers": [
            {
                "call": Call(pk=n.confirmation.call_id).number,
                "role": n.role,
                "number": str(n.number),
            }
            for n in numbers.select_related("confirmation")
        ],
        "dial_attempts": [
            {
                "call": Call(pk=a.call_id).number,
                "at": _iso(a.at),
                "number": str(a.number),
                "result": a.result,
            }
            for a in attempts
        ],  # fmt: skip
        "messages": [],
        "ledger": [],
        "disputes": [],
        "recording_accesses": [],
    }
    disputes = Q(call_id__in=call_ids)
    if subject.kind == "user":
        user = subject.obj
        data["messages"] = [
            {
                "at": _iso(n.created_at),
                "channel": n.channel,
                "address": n.address,
                "subject": n.subject,
                "text": n.body,
                "status": n.status,
                "sent_at": _iso(n.sent_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
        ]
        data["ledger"] = [
            {
                "at": _iso(e.created_at),
                "account": e.account.kind,
                "kind": e.kind,
                "amount": f"{e.amount:.2f}",
                "call": Call(pk=e.call_id).number if e.call_id else None,
                "reason": e.reason,
            }
            for e in Entry.objects.filter(account__user=user)
            .select_related("account")
            .order_by("created_at", "pk")
        ]
        data["recording_accesses"] = [
            {
                "at": _iso(a.at),
                "call": a.recording.session.call.number,
                "recording": str(a.recording.public_id),
                "bytes": a.bytes_sent,
                "ip": a.ip,
            }
            for a in RecordingAccess.objects.filter(user=user)
            .select_related("recording__session__call")
            .order_by("at", "pk")
        ]
        disputes |= Q(raised_by=user)
    data["disputes"] = [
        {
            "call": d.call.number,
            "raised_at": _iso(d.raised_at),
            "reason": d.reason,
            "status": d.status,
            "decision": d.decision,
            "decided_at": _iso(d.decided_at),
        }
        for d in Dispute.objects.filter(disputes).select_related("call").order_by("raised_at")
    ]
    return data


def readme_text(subject: Subject, data: dict) -> str:
    with translation.override(subject.language):
        return "\n".join(
            [
                _("Your data held by the interpreted calls office"),
                "",
                _(
                    "data.json holds everything we keep about you: your profile, your calls "
                    "and their times, the numbers given for you, the messages we sent you, "
                    "your ledger lines, disputes, and when you listened to a recording."
                ),
                _(
                    "Recordings are not included as audio: they also hold the other people "
                    "on the call. Each is described (format, length, SHA-256 checksum); ask "
                    "the office to hear one."
                ),
                _("Its format is described in person-export.schema.json (JSON Schema)."),
                "",
                _("Made on %(date)s.") % {"date": data["generated_at"]},
            ]
        )


def person_export(*, subject: Subject, out, actor: User | None, now=None) -> dict:
    """Write the ZIP to `out` (a path or a binary file) and audit the export."""
    now = now or timezone.now()
    data = person_data(subject, now=now)
    schema = Path(__file__).resolve().parent.parent / "docs/privacy/person-export.schema.json"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", readme_text(subject, data))
        archive.write(schema, "person-export.schema.json")
    summary = {key: len(data[key]) for key in ("calls", "messages", "ledger", "disputes")}
    with transaction.atomic():
        PrivacyRequest.objects.create(
            kind=RequestKind.EXPORT,
            subject_kind=subject.kind,
            subject_id=subject.pk,
            subject_pseudonym=subject.pseudonym,
            actor=actor,
            at=now,
            summary=summary,
        )
    return data
