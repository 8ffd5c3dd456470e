"""Moving a scheduled call to another time, asked by the people it concerns.

The client moves their call at once to one of its free proposals when the
session is further away than the late-change window (the late-cancel hours,
SPEC "outcomes"): the one scheduling service does it (`session_schedule`: the
audit, the announcement whose listeners write the "moved from … to …"
messages, the old time freed). The same interpreter keeps the call when free
at the new time; otherwise the finder's interpreter who speaks its languages.
A move is not a cancellation: no outcome, no money.

Inside the window, without a time, or asked by the agency, the request goes
to the office as an operator task with the reason (announced with
`call_move_requested`; calls does not import notifications); the session is
untouched and nothing is charged.

The agency's request may carry the member's new windows (as when
confirming, in the member's zone): they replace the member's times on the
confirmation, so every later search (the office's Find a time, the client's
move) proposes times inside them; the task says what they were and are.

Limits as data: `CALL_MOVES_MAX` moves per call, the window `LATE_CANCEL_HOURS`.
Lock order: the call first (here), then the session (the workflow), then the
ledger (never touched).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.models import Role, User
from calls import selectors, services, workflow
from calls.models import AgentConfirmation, Call, CallState, Session, SessionStatus
from calls.services.slots import call_search_input
from calls.signals import call_move_requested
from common.call_numbers import call_number
from common.errors import Conflict, DomainError, NotFound
from common.localtime import to_utc
from scheduling.finder import find_slots
from scheduling.windows_text import as_text

# Every start of the horizon, so any time the finder offers can be chosen.
SEARCH_LIMIT = 5000
MOVABLE_SESSION_STATUSES = (SessionStatus.PLANNED, SessionStatus.OVERDUE)
REASON_MAX_LENGTH = 1000


@dataclass(frozen=True)
class MoveResult:
    """What became of the request: the call's live session (the new one when
    moved), and whether it went to the office instead."""

    session: Session
    moved: bool
    asked_office: bool


def moves_done(call: Call) -> int:
    """How many times the call was moved: each move leaves its old session superseded."""
    return call.sessions.filter(status=SessionStatus.SUPERSEDED).count()


def call_move_request(
    *,
    call: Call,
    actor: User,
    starts_at: datetime | None = None,
    reason: str = "",
    member_windows: list | None = None,
    now: datetime | None = None,
) -> MoveResult:
    """Move the scheduled `call` to `starts_at` now, or ask the office to (see the module doc)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    role = workflow.actor_role(actor)
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            "reason_too_long",
            _("Please keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            field="reason",
        )
    if not selectors.calls_visible_to(actor).filter(pk=call.pk).exists():
        raise NotFound("not_found", _("No such call."))
    if role not in (Role.CLIENT, Role.AGENT, workflow.OPERATOR):
        raise DomainError("not_allowed", _("You may not move this call."))
    if member_windows and role not in (Role.AGENT, workflow.OPERATOR):
        raise DomainError(
            "not_allowed",
            _("Only the member's agency gives the member's times."),
            field="member_windows",
        )
    if member_windows:
        member_windows = services.checked_windows(
            member_windows, field="member_windows", zone=_member_zone(call), now=now
        )
    if starts_at is not None:
        if timezone.is_naive(starts_at):
            raise DomainError(
                "naive_time", _("The start time needs a time zone."), field="starts_at"
            )
        starts_at = to_utc(starts_at)
    with transaction.atomic():
        locked = workflow.lock_call(call.pk)
        session = locked.sessions.exclude(
            status__in=[SessionStatus.SUPERSEDED, SessionStatus.CANCELLED, SessionStatus.MISSED]
        ).first()
        if locked.state != CallState.SCHEDULED or session is None:
            raise Conflict("not_scheduled", _("Only a scheduled call can be moved."))
        if session.status not in MOVABLE_SESSION_STATUSES:
            raise Conflict("session_running", _("A session that has started cannot be moved."))
        done = moves_done(locked)
        if role != workflow.OPERATOR and done >= settings.CALL_MOVES_MAX:
            raise DomainError(
                "move_limit",
                ngettext(
                    "This call has already been moved %(n)d time, the most allowed. "
                    "Cancel it and book again, or call the office.",
                    "This call has already been moved %(n)d times, the most allowed. "
                    "Cancel it and book again, or call the office.",
                    done,
                )
                % {"n": done},
            )
        late = workflow.is_late_change(session, now=now)
        windows_note = _member_windows_replace(locked, member_windows) if member_windows else ""
        by_themselves = role == workflow.OPERATOR or (
            role == Role.CLIENT and settings.CLIENT_SELF_SCHEDULING and not late
        )
        if starts_at is None or not by_themselves:
            _ask_office(
                locked,
                session,
                actor=actor,
                role=role,
                starts_at=starts_at,
                reason=reason,
                late=late,
                windows_note=windows_note,
                now=now,
            )
            return MoveResult(session=session, moved=False, asked_office=True)
        new = _move_now(locked, session, starts_at=starts_at, actor=actor, reason=reason, now=now)
    call.refresh_from_db()
    return MoveResult(session=new, moved=True, asked_office=False)


def _move_now(
    call: Call, session: Session, *, starts_at: datetime, actor, reason: str, now: datetime
) -> Session:
    given = call_search_input(call, now=now, limit=SEARCH_LIMIT)
    offered = [slot for slot in find_slots(**given).slots if slot.starts_at == starts_at]
    if not offered:
        raise Conflict(
            "slot_gone",
            _("This time is no longer free. Please choose one of the times shown now."),
            field="starts_at",
        )
    interpreter_id = offered[0].interpreter
    # The same interpreter keeps the call when free then (they know it already).
    same = [i for i in given["interpreters"] if i.id == session.interpreter_id]
    if same and interpreter_id != session.interpreter_id:
        alone = find_slots(**{**given, "interpreters": same})
        if any(slot.starts_at == starts_at for slot in alone.slots):
            interpreter_id = session.interpreter_id
    try:
        return services.session_schedule(
            call=call,
            starts_at=starts_at,
            interpreter=User.objects.get(pk=interpreter_id),
            actor=actor,
            reason=f"moved: {reason}" if reason else "moved",
            now=now,
        )
    except Conflict as exc:
        if exc.code != "interpreter_busy":
            raise
        raise Conflict(
            "slot_gone",
            _("Someone has just taken this time. Please choose one of the times shown now."),
            field="starts_at",
        ) from exc


def _member_zone(call: Call) -> str:
    confirmation = AgentConfirmation.objects.filter(call=call).first()
    return (confirmation and confirmation.member_time_zone) or call.member.time_zone


def _member_windows_replace(call: Call, windows: list[dict]) -> dict:
    """The member's new times replace those on the confirmation (under the
    call's lock); what they were and are, for the office's task."""
    confirmation = AgentConfirmation.objects.filter(call=call).first()
    if confirmation is None:
        raise Conflict("not_confirmed", _("This call has no confirmation to update."))
    before = _one_line(confirmation.member_windows) or "—"
    confirmation.member_windows = windows
    confirmation.save(update_fields=["member_windows"])
    zone = confirmation.member_time_zone or call.member.time_zone
    # A part of the office's task, read in each operator's language.
    return {
        "t": gettext_noop(" The member's times are now %(windows)s (%(zone)s); were: %(before)s."),
        "p": {"windows": _one_line(windows), "zone": zone, "before": before},
    }


def _one_line(windows) -> str:
    return "; ".join(as_text(windows).splitlines())


def _ask_office(
    call, session, *, actor, role, starts_at, reason, late, now, windows_note=""
) -> None:
    if not reason and starts_at is None and not windows_note:
        raise DomainError(
            "reason_required", _("Say why the call needs another time."), field="reason"
        )
    # The operator's task is read in each operator's language and zone, so it
    # goes as a message and its values (notifications/task_texts.py), not text.
    who = {
        Role.CLIENT: gettext_noop("the client"),
        Role.AGENT: gettext_noop("the agency"),
    }.get(role, gettext_noop("an operator"))
    call_move_requested.send(
        sender=Call,
        call_id=call.pk,
        session_id=session.pk,
        request_id=uuid.uuid4().hex,
        summary_msgid=gettext_noop(
            "Call %(call)s: %(who)s asks to move the session of %(start)s%(target)s.%(late)s"
            "%(reason)s%(windows)s"
        ),
        summary_params={
            "call": call_number(call.pk),
            "who": {"t": who},
            "start": {"moment": to_utc(session.starts_at).isoformat()},
            "target": {
                "t": gettext_noop(" to %(at)s"),
                "p": {"at": {"moment": to_utc(starts_at).isoformat()}},
            }
            if starts_at is not None
            else "",
            "late": {
                "t": gettext_noop(" Less than %(hours)s hours ahead."),
                "p": {"hours": settings.LATE_CANCEL_HOURS},
            }
            if late
            else "",
            "reason": {"t": gettext_noop(" Reason: %(reason)s"), "p": {"reason": reason}}
            if reason
            else "",
            "windows": windows_note,
        },
        actor_id=getattr(actor, "pk", None),
        at=now,
    )
