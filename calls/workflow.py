"""The states of a call and of its sessions, and the guarded functions that change them.

SPEC "States of a call": requested → awaiting agent → (declined | confirmed)
→ scheduled → in progress → completed; cancelled and missed from the states
where they make sense. Admin, pages, API and Celery tasks all change state
through `transition`; it locks the call row, checks the edge, the actor's role
and ownership and the guard of the target state, writes the audit row, and
announces the change inside the same transaction (calls/signals.py: the
listeners write the messages to the outbox there, so a message exists exactly
when its cause committed). An illegal request raises DomainError and writes
nothing.

The sweeps move a batch of calls (missed) or sessions (overdue) at once with
`transition_many` and `session_transition_many`: the same checks for each row,
one audit row each, the effects and the announcement (one signal for the
batch) written set-based in one transaction.

A session (the scheduled conversation) has its own states, `SESSION_EDGES`,
changed only by `session_transition`, which checks the edge and the role,
writes its own audit row (`SessionTransition`) and announces the change the
same way.

Lock order. Every write that locks more than one row locks them in this order:
the call, then its session, then the ledger accounts (by id, in billing). Two
requests on the same call (start and cancel, end and reschedule) therefore
queue on the call's row; the second one reads the state the first one left
and gets a readable refusal (409), never a deadlock (a 500).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import agency_agents
from billing import services as billing_services
from billing.models import Outcome
from common import dates
from common.errors import Conflict, DomainError, NotFound

from . import occupancy
from .dial_log import unreachable_proven
from .models import (
    STAGE_TIMES,
    Call,
    CallState,
    CallTransition,
    DialAttempt,
    Session,
    SessionStatus,
    SessionTransition,
)
from .signals import (
    call_state_changed,
    calls_state_changed,
    session_changed,
    sessions_state_changed,
)

SYSTEM = "system"
OPERATOR = Role.OPERATOR

# (from, to) -> who may take that edge. "system" is a scheduled sweep.
EDGES: dict[tuple[str, str], frozenset[str]] = {
    (CallState.REQUESTED, CallState.AWAITING_AGENT): frozenset({SYSTEM, OPERATOR}),
    (CallState.AWAITING_AGENT, CallState.CONFIRMED): frozenset({Role.AGENT, OPERATOR}),
    (CallState.AWAITING_AGENT, CallState.DECLINED): frozenset({Role.AGENT, OPERATOR}),
    # A client picks one of the proposed times (calls.services.slots.call_slot_book).
    (CallState.CONFIRMED, CallState.SCHEDULED): frozenset({Role.CLIENT, OPERATOR}),
    # A reschedule: the state stays, the session changes, the audit keeps it.
    # The client moves their own call (calls.services.moves) outside the
    # late-change window only (the session guard checks when).
    (CallState.SCHEDULED, CallState.SCHEDULED): frozenset({Role.CLIENT, OPERATOR}),
    (CallState.SCHEDULED, CallState.IN_PROGRESS): frozenset({Role.INTERPRETER, OPERATOR}),
    (CallState.IN_PROGRESS, CallState.COMPLETED): frozenset({Role.INTERPRETER, OPERATOR}),
    # The call did not happen: the interpreter or an operator says why (the
    # outcome), or the missed-call sweep does from what is known.
    (CallState.SCHEDULED, CallState.MISSED): frozenset({SYSTEM, OPERATOR, Role.INTERPRETER}),
    (CallState.IN_PROGRESS, CallState.MISSED): frozenset({OPERATOR, Role.INTERPRETER}),
    (CallState.REQUESTED, CallState.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
    (CallState.AWAITING_AGENT, CallState.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
    # The agency may withdraw the member after confirming ("member_cancelled").
    (CallState.CONFIRMED, CallState.CANCELLED): frozenset({Role.CLIENT, Role.AGENT, OPERATOR}),
    (CallState.SCHEDULED, CallState.CANCELLED): frozenset({Role.CLIENT, Role.AGENT, OPERATOR}),
}

TERMINAL_STATES = frozenset(
    {CallState.DECLINED, CallState.COMPLETED, CallState.CANCELLED, CallState.MISSED}
)

# A session's (from, to) -> who may take that edge. Apart from "overdue" (the
# sweep's alarm) a session changes with its call: started and ended with it,
# missed and cancelled with it, superseded when the call is rescheduled.
SESSION_EDGES: dict[tuple[str, str], frozenset[str]] = {
    (SessionStatus.PLANNED, SessionStatus.OVERDUE): frozenset({SYSTEM}),
    (SessionStatus.PLANNED, SessionStatus.IN_PROGRESS): frozenset({Role.INTERPRETER, OPERATOR}),
    (SessionStatus.OVERDUE, SessionStatus.IN_PROGRESS): frozenset({Role.INTERPRETER, OPERATOR}),
    (SessionStatus.IN_PROGRESS, SessionStatus.ENDED): frozenset({Role.INTERPRETER, OPERATOR}),
    (SessionStatus.PLANNED, SessionStatus.MISSED): frozenset({SYSTEM, OPERATOR, Role.INTERPRETER}),
    (SessionStatus.OVERDUE, SessionStatus.MISSED): frozenset({SYSTEM, OPERATOR, Role.INTERPRETER}),
    (SessionStatus.IN_PROGRESS, SessionStatus.MISSED): frozenset({OPERATOR, Role.INTERPRETER}),
    (SessionStatus.PLANNED, SessionStatus.SUPERSEDED): frozenset({Role.CLIENT, OPERATOR}),
    (SessionStatus.OVERDUE, SessionStatus.SUPERSEDED): frozenset({OPERATOR}),
    (SessionStatus.PLANNED, SessionStatus.CANCELLED): frozenset(
        {Role.CLIENT, Role.AGENT, OPERATOR}
    ),
    (SessionStatus.OVERDUE, SessionStatus.CANCELLED): frozenset(
        {Role.CLIENT, Role.AGENT, OPERATOR}
    ),
}

# The moment a session entered these states is kept on the session itself.
SESSION_STAMPS = {
    SessionStatus.OVERDUE: "overdue_at",
    SessionStatus.IN_PROGRESS: "started_at",
    SessionStatus.ENDED: "ended_at",
}

# SPEC "outcomes": which outcome may end a call in which state, and who may
# choose it. "" is "no outcome": a call cancelled in good time.
OUTCOMES: dict[str, dict[str, frozenset[str]]] = {
    CallState.COMPLETED: {Outcome.COMPLETED: frozenset({Role.INTERPRETER, OPERATOR})},
    CallState.MISSED: {
        Outcome.MEMBER_UNREACHABLE: frozenset({Role.INTERPRETER, OPERATOR, SYSTEM}),
        Outcome.CLIENT_NO_SHOW: frozenset({Role.INTERPRETER, OPERATOR}),
        Outcome.OFFICE_FAULT: frozenset({Role.INTERPRETER, OPERATOR, SYSTEM}),
    },
    CallState.CANCELLED: {
        "": frozenset({Role.CLIENT, OPERATOR}),
        Outcome.LATE_CANCEL: frozenset({Role.CLIENT, OPERATOR}),
        Outcome.MEMBER_CANCELLED: frozenset({Role.AGENT, OPERATOR}),
    },
}


def actor_role(actor) -> str:
    if actor is None:
        return SYSTEM
    if getattr(actor, "is_operator", False):
        return OPERATOR
    return actor.role


def allowed_targets(call: Call, actor) -> list[str]:
    """Target states this actor may move the call to now (for buttons and admin)."""
    role = actor_role(actor)
    return [
        to
        for (frm, to), roles in EDGES.items()
        if frm == call.state and role in roles and frm != to
    ]


def outcome_choices(call: Call, to_state: str, actor) -> list[str]:
    """Outcomes this actor may give when moving the call to `to_state` (for buttons)."""
    role = actor_role(actor)
    return [o for o, roles in OUTCOMES.get(to_state, {}).items() if o and role in roles]


def _live_session(call: Call) -> Session | None:
    return call.sessions.live().first()


def is_late_cancel(call: Call, *, now: datetime) -> bool:
    """The client cancels a scheduled session less than the cutoff before it starts."""
    return _is_late(call, _live_session(call), now)


def _is_late(call: Call, session: Session | None, now: datetime) -> bool:
    if call.state != CallState.SCHEDULED or session is None:
        return False
    return session.starts_at - now < timedelta(hours=settings.LATE_CANCEL_HOURS)


def missed_outcome(call: Call) -> str:
    """What the missed-call sweep records: the member unreachable when the
    attempt log proves it, and our fault only when nothing else is known."""
    return _missed_outcome(call, _live_session(call))


def _missed_outcome(call: Call, session: Session | None, attempts=None) -> str:
    if unreachable_proven(call, session, attempts=attempts):
        return Outcome.MEMBER_UNREACHABLE
    return Outcome.OFFICE_FAULT


def _default_outcome(
    call: Call, session, from_state: str, to_state: str, role: str, now, attempts
) -> str:
    if to_state == CallState.COMPLETED:
        return Outcome.COMPLETED
    if to_state == CallState.MISSED and role == SYSTEM:
        return _missed_outcome(call, session, attempts)
    if to_state == CallState.CANCELLED and role == Role.AGENT:
        return Outcome.MEMBER_CANCELLED
    if to_state == CallState.CANCELLED and role == Role.CLIENT and _is_late(call, session, now):
        return Outcome.LATE_CANCEL
    return ""


def _check_outcome(
    call: Call, session, from_state: str, to_state: str, outcome: str, role: str, now, attempts
):
    """The outcome fits the target state, the actor, and what is known (`session`:
    the call's live session; `attempts`: its dial attempts if loaded already)."""
    _check_outcome_time(session, to_state, now)
    allowed = OUTCOMES.get(to_state)
    if allowed is None:
        if outcome:
            raise DomainError("bad_outcome", _("This change has no outcome."), field="outcome")
        return
    if outcome not in allowed:
        raise DomainError("outcome_required", _("Say how the call ended."), field="outcome")
    if role not in allowed[outcome]:
        raise DomainError(
            "not_allowed",
            _("You may not record the outcome “%(outcome)s”.") % {"outcome": Outcome(outcome).label}
            if outcome
            else _("Say how the call ended."),
            field="outcome",
        )
    # The client does not choose: inside the cutoff it is a late cancellation.
    late = _is_late(call, session, now)
    if (
        role == Role.CLIENT
        and to_state == CallState.CANCELLED
        and (outcome == Outcome.LATE_CANCEL) != late
    ):
        raise DomainError(
            "bad_outcome",
            _("Cancelling now is a late cancellation.") if late else _("Say how the call ended."),
            field="outcome",
        )
    if outcome == Outcome.LATE_CANCEL and not late:
        raise DomainError(
            "not_late",
            _("Only a scheduled session cancelled less than %(hours)d hours ahead is late.")
            % {"hours": settings.LATE_CANCEL_HOURS},
            field="outcome",
        )
    if outcome == Outcome.MEMBER_CANCELLED and from_state not in (
        CallState.CONFIRMED,
        CallState.SCHEDULED,
    ):
        raise DomainError(
            "not_confirmed",
            _("Only a call the agency confirmed can be cancelled by the agency."),
            field="outcome",
        )
    if outcome == Outcome.MEMBER_UNREACHABLE and not unreachable_proven(
        call, session, attempts=attempts
    ):
        raise DomainError(
            "attempts_missing",
            _(
                "Log an attempt on every given number from the start time on first; "
                "“member unreachable” needs them all tried and none answered."
            ),
            field="outcome",
        )


def _check_outcome_time(session, to_state: str, now: datetime) -> None:
    """A call is "missed" (an outcome that blames a party, and may charge one)
    only once its session's time has come; before it, a call that will not
    happen can only be cancelled (and the cutoff decides whether that is late).
    Checked here, for every door and for the sweeps alike."""
    if to_state != CallState.MISSED:
        return
    if session is None or now < session.starts_at:
        raise Conflict(
            "before_start",
            _(
                "The call's time has not come yet: until it starts, a call that will "
                "not take place can only be cancelled."
            ),
            field="outcome",
        )


def _check_edge(from_state: str, to_state: str, role: str) -> None:
    edge = (from_state, to_state)
    if edge not in EDGES:
        raise Conflict(
            "illegal_transition",
            _("A call that is “%(from)s” cannot become “%(to)s”.")
            % {"from": CallState(from_state).label, "to": CallState(to_state).label},
        )
    if role not in EDGES[edge]:
        raise DomainError(
            "not_allowed",
            _("You may not move a “%(from)s” call to “%(to)s”.")
            % {"from": CallState(from_state).label, "to": CallState(to_state).label},
        )


def ensure_can_move(call: Call, to_state: str, *, actor) -> None:
    """Raise the refusal `transition` would give for this edge, without changing anything.

    For doors that must do other work before the transition (start a session,
    end it) and want the workflow's message when the edge itself is illegal.
    """
    role = actor_role(actor)
    _check_ownership(call, actor, role)
    _check_edge(call.state, to_state, role)


def _check_ownership(call: Call, actor, role: str) -> None:
    """Foreign objects do not exist for the actor: NotFound, never a hint."""
    if role in (SYSTEM, OPERATOR):
        return
    owned = False
    if role == Role.CLIENT:
        owned = call.client_id == actor.pk
    elif role == Role.AGENT:
        owned = call.member.agency_id == actor.agency_id
    elif role == Role.INTERPRETER:
        # A cancelled call stays the interpreter's (pressing Start on it is a
        # readable 409); a session handed to someone else by a reschedule does not.
        owned = (
            call.sessions.filter(interpreter=actor)
            .exclude(status=SessionStatus.SUPERSEDED)
            .exists()
        )
    if not owned:
        raise NotFound("not_found", _("No such call."))


def _check_guard(call: Call, to_state: str, reason: str) -> None:
    """Conditions the target state needs beyond the edge itself."""
    session = (
        call.sessions.live().select_related("recording").first()
        if to_state in (CallState.SCHEDULED, CallState.IN_PROGRESS, CallState.COMPLETED)
        else None
    )
    if to_state == CallState.AWAITING_AGENT and not agency_agents(call.member.agency_id).exists():
        raise DomainError(
            "no_agent", _("The member's agency has no active agent to ask. Add one first.")
        )
    if to_state == CallState.CONFIRMED and not hasattr(call, "confirmation"):
        raise DomainError("no_confirmation", _("The agent's confirmation is missing."))
    if to_state == CallState.DECLINED and not reason.strip():
        raise DomainError("reason_required", _("Say why the member declined."), field="reason")
    if to_state in (CallState.SCHEDULED, CallState.IN_PROGRESS) and session is None:
        raise DomainError("no_session", _("The call has no session scheduled."))
    if to_state == CallState.COMPLETED:
        if session is None or session.ended_at is None or session.talk_seconds is None:
            raise DomainError("session_not_ended", _("The session has not been ended."))
        has_recording = hasattr(session, "recording")
        if not has_recording and not session.no_recording_reason.strip():
            raise DomainError(
                "recording_required",
                _("Attach the recording, or write why there is none."),
                field="no_recording_reason",
            )


def transition(
    call: Call,
    to_state: str,
    *,
    actor,
    reason: str = "",
    outcome: str | None = None,
    now: datetime | None = None,
) -> Call:
    """Move `call` to `to_state` or raise DomainError, changing nothing.

    A call that ends (completed, missed, cancelled) gets its outcome here:
    given by the actor, or the one that follows from the facts (completed;
    the sweep's view of a missed call; a client's late or in-time cancel; the
    agency withdrawing), checked against the attempt log and the cutoff.

    Must be the only place that writes Call.state. Runs in the caller's
    transaction if there is one, so a service can change the session and the
    state together, atomically.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    role = actor_role(actor)
    with transaction.atomic():
        locked = lock_call(call.pk)
        from_state = locked.state
        # The live session of a call that ends: its outcome, its session and its money.
        session = _live_session(locked) if to_state in OUTCOMES else None
        outcome = _checked_outcome(
            locked,
            session,
            to_state,
            actor=actor,
            role=role,
            reason=reason,
            outcome=outcome,
            now=now,
        )
        locked.state = to_state
        locked.state_changed_at = now
        fields = ["state", "state_changed_at"]
        if to_state in OUTCOMES:
            locked.outcome = outcome
            fields.append("outcome")
        stage = STAGE_TIMES.get((from_state, to_state))
        if stage:
            setattr(locked, stage, now)
            fields.append(stage)
            if stage == "scheduled_at":
                locked.picked_by_client = getattr(actor, "pk", None) == locked.client_id
                fields.append("picked_by_client")
        locked.save(update_fields=fields)
        CallTransition.objects.create(
            call=locked,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            reason=reason,
            outcome=outcome or "",
            at=now,
        )
        _run_entry_effects(locked, session, to_state, actor=actor, now=now)
        call_state_changed.send(
            sender=Call,
            call_id=locked.pk,
            from_state=from_state,
            to_state=to_state,
            actor_id=getattr(actor, "pk", None),
            reason=reason,
            at=now,
        )
    call.state = locked.state
    call.state_changed_at = locked.state_changed_at
    call.outcome = locked.outcome
    for stage in [*STAGE_TIMES.values(), "picked_by_client"]:
        setattr(call, stage, getattr(locked, stage))
    return call


def _checked_outcome(
    call: Call, session, to_state: str, *, actor, role, reason, outcome, now, attempts=None
) -> str:
    """Everything a transition checks before it writes: the owner, the edge and
    the role, the guard, the outcome (given, or the one that follows from the
    facts). Returns that outcome; raises DomainError if the move is refused."""
    _check_ownership(call, actor, role)
    _check_edge(call.state, to_state, role)
    _check_guard(call, to_state, reason)
    if outcome is None:
        outcome = _default_outcome(call, session, call.state, to_state, role, now, attempts)
    _check_outcome(call, session, call.state, to_state, outcome, role, now, attempts)
    return outcome


# A call that is missed or cancelled takes its live session with it: a missed
# call's session is missed; a cancelled call frees its interpreter's time.
SESSION_FOLLOWS = {
    CallState.MISSED: SessionStatus.MISSED,
    CallState.CANCELLED: SessionStatus.CANCELLED,
}


def _settles(to_state: str, outcome: str) -> bool | None:
    """SPEC "Billing" and "Who pays": a call with an outcome is settled by the
    who-pays policy (completed: its talk time) (True); one without (declined,
    cancelled in good time) costs nothing and its hold is released (False);
    other states leave the money alone (None)."""
    if to_state in OUTCOMES and outcome:
        return True
    if to_state in (CallState.DECLINED, CallState.CANCELLED, CallState.MISSED):
        return False
    return None


def _run_entry_effects(call: Call, session, to_state: str, *, actor, now) -> None:
    """What entering a state does besides the state itself (in the same transaction).

    The session first, then billing: the lock order is call, session, accounts.
    Billing knows the call by its key.
    """
    if session is not None and to_state in SESSION_FOLLOWS:
        session = session_transition(
            session, SESSION_FOLLOWS[to_state], actor=actor, now=now, call_locked=True
        )
    settles = _settles(to_state, call.outcome)
    if settles:
        billing_services.call_settle(
            call_id=call.pk,
            outcome=call.outcome,
            talk_seconds=(session.talk_seconds or 0) if session is not None else 0,
            agency_id=call.member.agency_id,
            actor=actor,
            now=now,
        )
    elif settles is False:
        billing_services.call_release(call_id=call.pk, actor=actor, now=now)


# --- Many calls at once (the sweeps) --------------------------------------------


@dataclass(frozen=True)
class Moved:
    """What a batch transition did: the keys of the calls (or sessions) it moved,
    and the refusal of each one it left alone (it had moved on meanwhile)."""

    ids: list[int]
    refused: dict[int, DomainError]


def transition_many(call_ids, to_state: str, *, reason: str = "", now=None) -> Moved:
    """`transition` by the system (a sweep) for many calls, with a few statements.

    One transaction: locks the calls in id order, then their live sessions in
    id order (the lock order, call before session, holds for the whole batch,
    so it queues behind single transitions rather than deadlocking with them).
    Each call is checked exactly as `transition` checks it; a call refused (an
    operator or another sweep moved it first) is left as it is and its
    refusal returned. The moved calls are written, audited (one
    CallTransition each), their sessions moved (`session_transition_many`) and
    their money settled or released, then announced with one signal
    (`calls_state_changed`), whose listeners write the messages in this same
    transaction. Any other error rolls back the whole batch: the caller then
    moves its calls one by one.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        calls = list(
            Call.objects.select_for_update(of=("self",))
            .select_related("member", "confirmation")
            .prefetch_related("confirmation__numbers")
            .filter(pk__in=list(call_ids))
            .order_by("pk")
        )
        sessions: dict[int, Session] = {}
        attempts: dict[int, list] = {}
        if to_state in OUTCOMES:
            ids = [call.pk for call in calls]
            for session in (
                Session.objects.select_for_update().filter(call_id__in=ids).live().order_by("pk")
            ):
                # The live session of each call, as `_live_session` picks it.
                first = sessions.get(session.call_id)
                if first is None or (session.starts_at, session.pk) < (first.starts_at, first.pk):
                    sessions[session.call_id] = session
            for attempt in DialAttempt.objects.filter(call_id__in=ids):
                attempts.setdefault(attempt.call_id, []).append(attempt)
        moved, refused = [], {}
        for call in calls:
            session = sessions.get(call.pk)
            try:
                outcome = _checked_outcome(
                    call,
                    session,
                    to_state,
                    actor=None,
                    role=SYSTEM,
                    reason=reason,
                    outcome=None,
                    now=now,
                    attempts=attempts.get(call.pk, []),
                )
            except DomainError as exc:
                refused[call.pk] = exc
                continue
            moved.append((call, session, call.state, outcome))
        if moved:
            _write_many(moved, to_state, reason=reason, now=now)
    return Moved(ids=[call.pk for call, *_rest in moved], refused=refused)


def _write_many(moved, to_state: str, *, reason: str, now) -> None:
    """Write, audit, carry out and announce the batch's moves (`transition_many`).

    No stage time to write (Call.confirmed_at, ...): the system, which moves
    calls in batches, takes none of the stage edges (EDGES, STAGE_TIMES)."""
    by_outcome: dict[str, list[int]] = {}
    for call, _session, _from_state, outcome in moved:
        by_outcome.setdefault(outcome, []).append(call.pk)
        call.outcome = outcome if to_state in OUTCOMES else call.outcome
    for outcome, ids in by_outcome.items():
        fields = {"state": to_state, "state_changed_at": now}
        if to_state in OUTCOMES:
            fields["outcome"] = outcome
        Call.objects.filter(pk__in=ids).update(**fields)
    CallTransition.objects.bulk_create(
        [
            CallTransition(
                call=call,
                from_state=from_state,
                to_state=to_state,
                actor=None,
                reason=reason,
                outcome=outcome or "",
                at=now,
            )
            for call, _session, from_state, outcome in moved
        ]
    )
    # The entry effects, as `_run_entry_effects` does them: sessions, then money.
    follow = [session for _call, session, *_rest in moved if session is not None]
    if follow and to_state in SESSION_FOLLOWS:
        session_transition_many(follow, SESSION_FOLLOWS[to_state], now=now, call_locked=True)
    settle, release = [], []
    for call, session, _from_state, outcome in moved:
        settles = _settles(to_state, outcome)
        if settles:
            talk = (session.talk_seconds or 0) if session is not None else 0
            settle.append(
                billing_services.Settlement(
                    call_id=call.pk,
                    agency_id=call.member.agency_id,
                    outcome=outcome,
                    talk_seconds=talk,
                )
            )
        elif settles is False:
            release.append(call.pk)
    billing_services.calls_settle(settlements=settle, actor=None, now=now)
    for call_id in release:
        billing_services.call_release(call_id=call_id, actor=None, now=now)
    for call, *_rest in moved:
        call.state, call.state_changed_at = to_state, now
    calls_state_changed.send(
        sender=Call,
        changes=[(call.pk, from_state) for call, _session, from_state, _outcome in moved],
        to_state=to_state,
        actor_id=None,
        reason=reason,
        at=now,
    )


def lock_call(call_id: int) -> Call:
    """Lock the call's row (the first lock of every write on a call; see the module doc)."""
    return Call.objects.select_for_update(of=("self",)).select_related("member").get(pk=call_id)


def _check_session_edge(from_status: str, to_status: str, role: str) -> None:
    edge = (from_status, to_status)
    if edge not in SESSION_EDGES:
        raise Conflict(
            "illegal_session_transition",
            _("A session that is “%(from)s” cannot become “%(to)s”.")
            % {"from": SessionStatus(from_status).label, "to": SessionStatus(to_status).label},
        )
    if role not in SESSION_EDGES[edge]:
        raise DomainError(
            "not_allowed",
            _("You may not move a “%(from)s” session to “%(to)s”.")
            % {"from": SessionStatus(from_status).label, "to": SessionStatus(to_status).label},
        )


def is_late_change(session: Session, *, now: datetime) -> bool:
    """The session starts within the late-cancel hours: too late for the client to move it."""
    return session.starts_at - now < timedelta(hours=settings.LATE_CANCEL_HOURS)


def _check_session_guard(session: Session, to_status: str, now: datetime, role: str) -> None:
    """Conditions a session's target status needs beyond the edge itself."""
    superseded = to_status == SessionStatus.SUPERSEDED
    if superseded and role == Role.CLIENT and is_late_change(session, now=now):
        raise Conflict(
            "late_change",
            _(
                "Less than %(hours)d hours before the call it can only be moved by the office. "
                "Ask the office instead."
            )
            % {"hours": settings.LATE_CANCEL_HOURS},
        )
    if to_status == SessionStatus.IN_PROGRESS:
        # A session holds only its real time: started at most the lead before
        # its time (started the night before, it would bill the night).
        earliest = occupancy.earliest_start(session.starts_at)
        if now < earliest:
            raise Conflict(
                "too_early",
                _("This session can be started from %(time)s, %(lead)d minutes before its time.")
                % {
                    "time": dates.format_datetime(earliest, now=now),
                    "lead": int(occupancy.start_lead().total_seconds() // 60),
                },
            )


def session_transition(
    session: Session,
    to_status: str,
    *,
    actor,
    reason: str = "",
    now: datetime | None = None,
    call_locked: bool = False,
    **changes,
) -> Session:
    """Move `session` to `to_status` or raise DomainError, changing nothing.

    The only writer of Session.status. Locks the call, then the session (the
    lock order), checks the edge and the actor's role, stamps the time of the
    new state (`SESSION_STAMPS`), saves `changes` (other fields of the session
    that change with it, e.g. talk time), and writes the audit row. Runs in the
    caller's transaction if there is one. `call_locked`: the caller holds the
    call's lock already (the call's own transition).
    """
    now = now or timezone.now()
    role = actor_role(actor)
    with transaction.atomic():
        if not call_locked:
            lock_call(session.call_id)
        locked = Session.objects.select_for_update().get(pk=session.pk)
        from_status = locked.status
        _check_session_edge(from_status, to_status, role)
        _check_session_guard(locked, to_status, now, role)
        locked.status = to_status
        fields = {"status", *changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        stamp = SESSION_STAMPS.get(to_status)
        if stamp and stamp not in changes:
            setattr(locked, stamp, now)
            fields.add(stamp)
        locked.save(update_fields=sorted(fields))
        SessionTransition.objects.create(
            session=locked,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=(reason or "").strip(),
            at=now,
        )
        session_changed.send(
            sender=Session,
            session_id=locked.pk,
            call_id=locked.call_id,
            from_status=from_status,
            to_status=to_status,
            actor_id=getattr(actor, "pk", None),
            at=now,
        )
    session.status = locked.status
    return locked


def session_transition_many(
    sessions, to_status: str, *, now=None, call_locked: bool = False
) -> Moved:
    """`session_transition` by the system (a sweep) for many sessions, with a few statements.

    One transaction: locks their calls in id order (unless the caller holds
    them: `call_locked`), then the sessions in id order; checks each session's
    edge and guard as `session_transition` does, leaving a refused one as it is
    (its refusal returned); writes the moved ones with their time stamp and
    audit rows and announces them with one signal (`sessions_state_changed`).
    """
    now = now or timezone.now()
    ids = sorted({session.pk for session in sessions})
    with transaction.atomic():
        if not call_locked:
            call_ids = sorted({session.call_id for session in sessions})
            list(
                Call.objects.select_for_update(of=("self",))
                .filter(pk__in=call_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        locked = list(Session.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        moved, refused = [], {}
        for session in locked:
            try:
                _check_session_edge(session.status, to_status, SYSTEM)
                _check_session_guard(session, to_status, now, SYSTEM)
            except DomainError as exc:
                refused[session.pk] = exc
                continue
            moved.append((session, session.status))
        if moved:
            fields = {"status": to_status}
            stamp = SESSION_STAMPS.get(to_status)
            if stamp:
                fields[stamp] = now
            Session.objects.filter(pk__in=[session.pk for session, _from in moved]).update(**fields)
            SessionTransition.objects.bulk_create(
                [
                    SessionTransition(
                        session=session,
                        from_status=from_status,
                        to_status=to_status,
                        actor=None,
                        reason="",
                        at=now,
                    )
                    for session, from_status in moved
                ]
            )
            sessions_state_changed.send(
                sender=Session,
                changes=[(session.pk, session.call_id, frm) for session, frm in moved],
                to_status=to_status,
                actor_id=None,
                at=now,
            )
    return Moved(ids=[session.pk for session, _from in moved], refused=refused)
