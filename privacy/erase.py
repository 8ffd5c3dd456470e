"""Erasure (GDPR art. 17): identifying data replaced by a stable pseudonym, the
recordings of their calls shredded, sign-in disabled; money kept.

What money needs stays: amounts, call numbers, dates, the ledger (entries are
immutable and carry no names), so `ledger_check` stays clean and an agency's
statement adds up as before. Refused while a call of theirs is unfinished or a
dispute open: the office still needs to reach them and to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts.models import User
from agents.contact_rules import NumberRole
from calls.models import (
    AgentConfirmation,
    Call,
    CallTransition,
    ContactNumber,
    DialAttempt,
    SessionTransition,
    TalkTimeCorrection,
)
from calls.workflow import TERMINAL_STATES
from common.errors import Conflict
from duty.models import Dispute, DisputeStatus
from notifications.models import Notification, OperatorTask
from recordings import services as recording_services
from recordings.models import EventKind, Recording

from .models import PrivacyRequest, RequestKind
from .subjects import Subject, calls_of, identifiers, member_numbers, scrub

ERASED_TEXT = "[erased]"


@dataclass
class ErasureResult:
    pseudonym: str
    counts: dict = field(default_factory=dict)


def erase_refusal(subject: Subject) -> str | None:
    """Why the subject can't be erased now, or None."""
    calls = calls_of(subject)
    if calls.exclude(state__in=TERMINAL_STATES).exists():
        return _("They have a call that is not finished yet; erase them once it is.")
    if Dispute.objects.filter(call__in=calls, status=DisputeStatus.OPEN).exists():
        return _("A dispute on one of their calls is open; erase them once it is decided.")
    return None


def person_erase(*, subject: Subject, actor: User | None, now: datetime | None = None):
    now = now or timezone.now()
    refusal = erase_refusal(subject)
    if refusal:
        raise Conflict("erase_refused", refusal)
    words = identifiers(subject)
    alias = subject.pseudonym
    call_ids = list(calls_of(subject).values_list("pk", flat=True))
    counts: dict[str, int] = {}
    with transaction.atomic():
        # One transaction: the data keys are destroyed exactly when the rest commits
        # (the files are deleted after the commit).
        shredded = 0
        for recording in Recording.objects.filter(
            session__call_id__in=call_ids, shredded_at__isnull=True
        ):
            shredded += recording_services.recording_shred(
                recording=recording,
                kind=EventKind.ERASED,
                actor=actor,
                reason=f"erasure of {alias}",
                now=now,
            )
        counts["recordings_shredded"] = shredded
        if subject.kind == "user":
            counts |= _erase_user(subject.obj, alias, call_ids)
        else:
            counts |= _erase_member(subject.obj, alias, call_ids)
        counts["texts_scrubbed"] = _scrub_texts(call_ids, words, alias, subject)
        PrivacyRequest.objects.create(
            kind=RequestKind.ERASE,
            subject_kind=subject.kind,
            subject_id=subject.pk,
            subject_pseudonym=alias,
            actor=actor,
            at=now,
            summary=counts,
        )
    return ErasureResult(alias, counts)


def _erase_user(user: User, alias: str, call_ids: list[int]) -> dict:
    old_username = user.username
    # Sign-in attempts (django-axes) and the admin's log name the person too.
    AccessAttempt.objects.filter(username=old_username).delete()
    AccessLog.objects.filter(username=old_username).delete()
    AccessFailureLog.objects.filter(username=old_username).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=alias)
    user.username = alias
    user.first_name = user.last_name = user.email = ""
    user.phone = ""
    user.is_active = False
    user.on_duty = False
    user.set_unusable_password()
    user.save()
    tokens = AuthToken.objects.filter(user=user).delete()[0]
    # Their own words and times on the calls they booked.
    windows = Call.objects.filter(pk__in=call_ids, client=user).update(
        note="", preferred_times="", client_windows=[]
    )
    messages = Notification.objects.filter(recipient=user).update(
        address=alias, subject=ERASED_TEXT, body=ERASED_TEXT, html="", calendar=""
    )
    disputes = Dispute.objects.filter(raised_by=user).update(reason=ERASED_TEXT)
    return {"tokens": tokens, "calls_cleared": windows, "messages": messages, "disputes": disputes}


def _erase_member(member, alias: str, call_ids: list[int]) -> dict:
    numbers = member_numbers(member)
    member.full_name = alias
    member.reference = alias
    member.city = ""
    member.is_active = False
    member.save()
    confirmations = AgentConfirmation.objects.filter(call_id__in=call_ids)
    cleared = confirmations.update(
        dial_number="", video_handle="", availability="", member_windows=[]
    )
    removed = ContactNumber.objects.filter(
        confirmation__call_id__in=call_ids, role=NumberRole.MEMBER
    ).delete()[0]
    # The attempts stay as evidence of who was unreachable, without the number.
    attempts = DialAttempt.objects.filter(call_id__in=call_ids, number__in=numbers).update(
        number=""
    )
    return {"confirmations": cleared, "numbers_removed": removed, "dial_attempts": attempts}


def _scrub_texts(call_ids: list[int], words: list[str], alias: str, subject: Subject) -> int:
    """Free texts that may name them (notes, reasons, messages about their calls)."""
    if not words:
        return 0
    changed = 0
    people = Q(recipient=subject.obj) if subject.kind == "user" else Q(pk__in=[])
    targets = [
        (Call.objects.filter(pk__in=call_ids), ["note", "preferred_times", "decline_reason"]),
        (
            AgentConfirmation.objects.filter(call_id__in=call_ids),
            ["responsible_name", "availability"],
        ),
        (
            Notification.objects.filter(Q(call_id__in=call_ids) | people),
            ["address", "subject", "body", "html"],
        ),
        (OperatorTask.objects.filter(call_id__in=call_ids), ["summary", "note"]),
        (Dispute.objects.filter(call_id__in=call_ids), ["reason", "decision"]),
        (CallTransition.objects.filter(call_id__in=call_ids), ["reason"]),
        (SessionTransition.objects.filter(session__call_id__in=call_ids), ["reason"]),
        (TalkTimeCorrection.objects.filter(session__call_id__in=call_ids), ["reason"]),
    ]  # fmt: skip
    # Stored copies of delivered invites: iCalendar folds long lines, so a name can be
    # split where no search finds it; the copy is dropped (the invite was sent).
    Notification.objects.filter(call_id__in=call_ids).exclude(calendar="").update(calendar="")
    for rows, fields in targets:
        for row in rows.only("pk", *fields).iterator(chunk_size=500):
            new = {f: scrub(getattr(row, f) or "", words, alias) for f in fields}
            if any(new[f] != (getattr(row, f) or "") for f in fields):
                type(row).objects.filter(pk=row.pk).update(**new)
                changed += 1
    return changed
