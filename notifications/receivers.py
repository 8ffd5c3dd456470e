"""Listeners for what the call workflow and billing announce.

`calls` and `billing` do not import this app; they send their signals inside
the transaction of the change, and these listeners turn them into rows (outbox
messages, operator tasks) in that same transaction: a message exists exactly
when its cause committed, and is queued for delivery after commit. Whoever
made the change (a person at any door, or a sweep), the same listener writes
the same message. A listener that fails, fails the change: nothing is
announced that was not recorded.
"""

from __future__ import annotations

from django.dispatch import receiver

from accounts.lockouts import account_sign_in_paused
from billing.signals import client_overdrawn
from calls.models import Call, CallState, NotCalledAlarm, Session, SessionStatus
from calls.signals import (
    call_booked_again,
    call_move_requested,
    call_state_changed,
    calls_state_changed,
    not_called_alarm_raised,
    session_changed,
    sessions_state_changed,
)
from common.call_numbers import call_number

from . import messages, selectors
from .models import OperatorTaskKind
from .services import operator_task_open, operator_tasks_settle
from .task_texts import task_summary


@receiver(call_state_changed, dispatch_uid="notifications.on_call_state_changed")
def on_call_state_changed(sender, call_id, from_state, to_state, at, **kwargs):
    if from_state in (CallState.REQUESTED, CallState.AWAITING_AGENT):
        # Asked, answered or closed after all: nobody needs to phone the agency now.
        # Both escalation steps ("nobody to ask", "never answered"): one update.
        operator_tasks_settle(
            call=call_id,
            kind=messages.AGENCY_TASK_KINDS,
            note=f"closed automatically: the call became {to_state}",
            now=at,
        )
    if to_state not in (
        CallState.AWAITING_AGENT,
        CallState.CONFIRMED,
        CallState.DECLINED,
        CallState.SCHEDULED,
        CallState.MISSED,
        CallState.CANCELLED,
    ):
        return
    if to_state == CallState.AWAITING_AGENT:
        # Recorded in bulk by the call's key; the text is written as it leaves.
        messages.agents_ask(kind="agent_request", call_ids=[call_id], now=at)
        return
    if to_state == CallState.MISSED:
        messages.calls_missed_notify(call_ids=[call_id], now=at)
        return
    call = selectors.calls_with_facts(Call.objects.filter(pk=call_id)).get()
    if to_state == CallState.CONFIRMED:
        # The client is the one who must now pick a time.
        messages.call_confirmed_notify(call=call, now=at)
    elif to_state == CallState.DECLINED:
        messages.call_declined_notify(call=call, now=at)
    elif to_state == CallState.SCHEDULED:
        _scheduled(
            call,
            rescheduled=from_state == CallState.SCHEDULED,
            by_client=kwargs.get("actor_id") == call.client_id,
            now=at,
        )
    elif to_state == CallState.CANCELLED and from_state != CallState.REQUESTED:
        messages.call_cancelled_notify(call=call, now=at)


def _scheduled(call: Call, *, rescheduled: bool, by_client: bool = False, now) -> None:
    """Everyone learns the (new) time ("moved from … to …" after a reschedule;
    the agent and the interpreter read that the client chose or moved it); an
    interpreter taken off the call stops waiting; nobody needs to reschedule it now."""
    sessions = selectors.sessions_with_facts(Session.objects.filter(call=call))
    session = sessions.exclude(status__in=[SessionStatus.SUPERSEDED, SessionStatus.CANCELLED]).get()
    previous = (
        sessions.filter(status=SessionStatus.SUPERSEDED).order_by("-created_at", "-id").first()
        if rescheduled
        else None
    )
    operator_tasks_settle(
        call=call.pk,
        kind=OperatorTaskKind.RESCHEDULE_MISSED,
        note="closed automatically: the call was rescheduled",
        now=now,
    )
    messages.session_scheduled_notify(
        session=session, previous=previous, by_client=by_client, now=now
    )
    if previous is not None and previous.interpreter_id != session.interpreter_id:
        messages.session_unassigned_notify(previous=previous, now=now)


@receiver(calls_state_changed, dispatch_uid="notifications.on_calls_state_changed")
def on_calls_state_changed(sender, changes, to_state, at, **kwargs):
    """A sweep's batch of calls moved at once: the same rows as for each call,
    written set-based where the sweeps move many (missed)."""
    if to_state == CallState.MISSED:
        # A missed call was scheduled or in progress (workflow.EDGES): no agency task to settle.
        messages.calls_missed_notify(call_ids=[call_id for call_id, _from in changes], now=at)
        return
    for call_id, from_state in changes:
        on_call_state_changed(
            sender, call_id=call_id, from_state=from_state, to_state=to_state, at=at
        )


@receiver(session_changed, dispatch_uid="notifications.on_session_changed")
def on_session_changed(sender, session_id, to_status, at, **kwargs):
    if to_status == SessionStatus.OVERDUE:
        messages.sessions_overdue_notify(session_ids=[session_id], now=at)


@receiver(sessions_state_changed, dispatch_uid="notifications.on_sessions_state_changed")
def on_sessions_state_changed(sender, changes, to_status, at, **kwargs):
    """A sweep's batch of sessions moved at once (overdue): recorded set-based."""
    if to_status == SessionStatus.OVERDUE:
        messages.sessions_overdue_notify(session_ids=[pk for pk, _call, _from in changes], now=at)


@receiver(client_overdrawn, dispatch_uid="notifications.on_client_overdrawn")
def on_client_overdrawn(sender, call_id, client_id, balance, **kwargs):
    messages.client_overdrawn_escalate(call_id=call_id, client_id=client_id, balance=balance)


@receiver(not_called_alarm_raised, dispatch_uid="notifications.on_not_called_alarm")
def on_not_called_alarm(sender, alarm_id, **kwargs):
    alarm = NotCalledAlarm.objects.select_related("raised_by").get(pk=alarm_id)
    messages.not_called_alarm_notify(alarm=alarm)


@receiver(call_booked_again, dispatch_uid="notifications.on_call_booked_again")
def on_call_booked_again(sender, call_id, earlier_id, **kwargs):
    """A missed call was booked again: its reschedule task is done."""
    operator_tasks_settle(
        call=earlier_id,
        kind=OperatorTaskKind.RESCHEDULE_MISSED,
        note=f"closed automatically: booked again as call {call_number(call_id)}",
    )


@receiver(account_sign_in_paused, dispatch_uid="notifications.on_account_sign_in_paused")
def on_account_sign_in_paused(sender, username, at, **kwargs):
    messages.account_sign_in_paused_notify(username=username, at=at)


@receiver(call_move_requested, dispatch_uid="notifications.on_call_move_requested")
def on_call_move_requested(
    sender, call_id, session_id, request_id, summary_msgid, summary_params, at, **kwargs
):
    """Someone asked to move a call the office must move: a task per request."""
    operator_task_open(
        kind=OperatorTaskKind.MOVE_REQUESTED,
        key=f"{OperatorTaskKind.MOVE_REQUESTED}:c{call_id}:r{request_id}",
        **task_summary(summary_msgid, **summary_params),
        call=Call.objects.get(pk=call_id),
        session=Session.objects.filter(pk=session_id).first(),
        now=at,
    )
