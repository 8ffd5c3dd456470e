"""The states of a call and the one guarded function that changes them.

SPEC "States of a call": requested → awaiting agent → (declined | confirmed)
→ scheduled → in progress → completed; cancelled and missed from the states
where they make sense. Admin, pages, API and Celery tasks all change state
through `transition`; it locks the call row, checks the edge, the actor's role
and ownership and the guard of the target state, writes the audit row, and
announces the change after commit. An illegal request raises DomainError and
writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from billing import services as billing_services
from common.errors import Conflict, DomainError, NotFound

from .models import DEAD_SESSION_STATUSES, Call, CallState, CallTransition, SessionStatus
from .signals import call_state_changed

S = CallState
SYSTEM = "system"
OPERATOR = Role.OPERATOR

# (from, to) -> who may take that edge. "system" is a scheduled sweep.
EDGES: dict[tuple[str, str], frozenset[str]] = {
    (S.REQUESTED, S.AWAITING_AGENT): frozenset({SYSTEM, OPERATOR}),
    (S.AWAITING_AGENT, S.CONFIRMED): frozenset({Role.AGENT, OPERATOR}),
    (S.AWAITING_AGENT, S.DECLINED): frozenset({Role.AGENT, OPERATOR}),
    # A client picks one of the proposed times (calls.slots.call_slot_book).
    (S.CONFIRMED, S.SCHEDULED): frozenset({Role.CLIENT, OPERATOR}),
    # A reschedule: the state stays, the session changes, the audit keeps it.
    (S.SCHEDULED, S.SCHEDULED): frozenset({OPERATOR}),
    (S.SCHEDULED, S.IN_PROGRESS): frozenset({Role.INTERPRETER, OPERATOR}),
    (S.IN_PROGRESS, S.COMPLETED): frozenset({Role.INTERPRETER, OPERATOR}),
    (S.SCHEDULED, S.MISSED): frozenset({SYSTEM, OPERATOR}),
    (S.REQUESTED, S.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
    (S.AWAITING_AGENT, S.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
    (S.CONFIRMED, S.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
    (S.SCHEDULED, S.CANCELLED): frozenset({Role.CLIENT, OPERATOR}),
}

TERMINAL_STATES = frozenset({S.DECLINED, S.COMPLETED, S.CANCELLED, S.MISSED})


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


def _check_edge(from_state: str, to_state: str, role: str) -> None:
    edge = (from_state, to_state)
    if edge not in EDGES:
        raise Conflict(
            "illegal_transition",
            _("A call that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_state).label, "to": S(to_state).label},
        )
    if role not in EDGES[edge]:
        raise DomainError(
            "not_allowed",
            _("You may not move a “%(from)s” call to “%(to)s”.")
            % {"from": S(from_state).label, "to": S(to_state).label},
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
        owned = (
            call.sessions.filter(interpreter=actor)
            .exclude(status__in=DEAD_SESSION_STATUSES)
            .exists()
        )
    if not owned:
        raise NotFound("not_found", _("No such call."))


def _check_guard(call: Call, to_state: str, reason: str) -> None:
    """Conditions the target state needs beyond the edge itself."""
    session = (
        call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).select_related("recording").first()
        if to_state in (S.SCHEDULED, S.IN_PROGRESS, S.COMPLETED)
        else None
    )
    if (
        to_state == S.AWAITING_AGENT
        and not call.member.agency.staff.filter(is_active=True).exists()
    ):
        raise DomainError(
            "no_agent", _("The member's agency has no active agent to ask. Add one first.")
        )
    if to_state == S.CONFIRMED and not hasattr(call, "confirmation"):
        raise DomainError("no_confirmation", _("The agent's confirmation is missing."))
    if to_state == S.DECLINED and not reason.strip():
        raise DomainError("reason_required", _("Say why the member declined."), field="reason")
    if to_state in (S.SCHEDULED, S.IN_PROGRESS) and session is None:
        raise DomainError("no_session", _("The call has no session scheduled."))
    if to_state == S.COMPLETED:
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
    now: datetime | None = None,
) -> Call:
    """Move `call` to `to_state` or raise DomainError, changing nothing.

    Must be the only place that writes Call.state. Runs in the caller's
    transaction if there is one, so a service can change the session and the
    state together, atomically.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    role = actor_role(actor)
    with transaction.atomic():
        locked = Call.objects.select_for_update().select_related("member").get(pk=call.pk)
        _check_ownership(locked, actor, role)
        from_state = locked.state
        _check_edge(from_state, to_state, role)
        _check_guard(locked, to_state, reason)
        locked.state = to_state
        locked.state_changed_at = now
        locked.save(update_fields=["state", "state_changed_at"])
        CallTransition.objects.create(
            call=locked,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            reason=reason,
            at=now,
        )
        _run_entry_effects(locked, from_state, to_state, actor=actor, now=now)
        transaction.on_commit(
            lambda: call_state_changed.send(
                sender=Call,
                call_id=locked.pk,
                from_state=from_state,
                to_state=to_state,
                actor_id=getattr(actor, "pk", None),
                reason=reason,
            )
        )
    call.state = locked.state
    call.state_changed_at = locked.state_changed_at
    return call


def _run_entry_effects(call: Call, from_state: str, to_state: str, *, actor, now) -> None:
    """What entering a state does besides the state itself (in the same transaction)."""
    # SPEC "Billing": a call that took place is charged; one that did not
    # costs nothing and its hold is released. Billing knows the call by its key.
    if to_state in (S.DECLINED, S.CANCELLED, S.MISSED):
        billing_services.call_release(call_id=call.pk, actor=actor, now=now)
    if to_state == S.COMPLETED:
        session = call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).get()
        billing_services.call_settle(
            call_id=call.pk,
            talk_seconds=session.talk_seconds,
            agency_id=call.member.agency_id,
            actor=actor,
            now=now,
        )
    if to_state == S.MISSED:
        session = call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).first()
        if session is not None:
            session.status = SessionStatus.MISSED
            session.save(update_fields=["status"])
    if to_state == S.CANCELLED:
        # A cancelled call frees its interpreter's time.
        call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).update(
            status=SessionStatus.CANCELLED
        )
