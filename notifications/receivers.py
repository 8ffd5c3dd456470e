"""Listeners for what the call workflow announces (after commit).

`calls` does not import this app; it sends calls.signals and these turn them
into messages. A listener never breaks the request that caused the change:
it logs, and the sweeps catch up where they can (agent requests, reminders,
overdue and missed sessions).
"""

from __future__ import annotations

import functools
import logging

from django.dispatch import receiver

from calls.models import Call, CallState, NotCalledAlarm, Session, SessionStatus
from calls.signals import (
    call_booked_again,
    call_state_changed,
    not_called_alarm_raised,
    session_changed,
)
from common.call_numbers import call_number

from . import messages, selectors
from .models import OperatorTaskKind
from .services import operator_tasks_settle

logger = logging.getLogger(__name__)


def _never_raise(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            function(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the caller's change has committed already
            logger.exception("notifications: %s failed", function.__name__)

    return wrapper


@receiver(call_state_changed, dispatch_uid="notifications.on_call_state_changed")
@_never_raise
def on_call_state_changed(sender, call_id, from_state, to_state, **kwargs):
    if from_state in (CallState.REQUESTED, CallState.AWAITING_AGENT):
        # Asked, answered or closed after all: nobody needs to phone the agency now.
        operator_tasks_settle(
            call=call_id,
            kind=messages.AGENCY_TASK_KINDS,
            note=f"closed automatically: the call became {to_state}",
        )
    if to_state not in (
        CallState.AWAITING_AGENT,
        CallState.DECLINED,
        CallState.MISSED,
        CallState.CANCELLED,
    ):
        return
    if to_state == CallState.AWAITING_AGENT:
        # Recorded in bulk by the call's key; the text is written as it leaves.
        messages.agents_ask(kind="agent_request", call_ids=[call_id])
        return
    call = selectors.calls_with_facts(Call.objects.filter(pk=call_id)).first()
    if call is None:
        return
    if to_state == CallState.DECLINED:
        messages.call_declined_notify(call=call)
    elif to_state == CallState.MISSED:
        session = (
            selectors.sessions_with_facts(Session.objects.filter(call=call, status="missed"))
            .order_by("-id")
            .first()
        )
        messages.call_missed_notify(call=call, session=session)
    elif to_state == CallState.CANCELLED and from_state != CallState.REQUESTED:
        messages.call_cancelled_notify(call=call)


@receiver(session_changed, dispatch_uid="notifications.on_session_changed")
@_never_raise
def on_session_changed(sender, session_id, change, **kwargs):
    session = selectors.sessions_with_facts(Session.objects.filter(pk=session_id)).first()
    if session is None:
        return
    previous = None
    if change == "rescheduled":
        previous = (
            selectors.sessions_with_facts(
                Session.objects.filter(call_id=session.call_id, status=SessionStatus.SUPERSEDED)
            )
            .order_by("-created_at", "-id")
            .first()
        )
    if change in ("scheduled", "rescheduled"):
        # A new time: nobody needs to reschedule this call any more.
        operator_tasks_settle(
            call=session.call_id,
            kind=OperatorTaskKind.RESCHEDULE_MISSED,
            note="closed automatically: the call was rescheduled",
        )
        messages.session_scheduled_notify(session=session, previous=previous)
    if change == "rescheduled":
        if previous is not None and previous.interpreter_id != session.interpreter_id:
            messages.session_unassigned_notify(previous=previous)
    elif change == "overdue":
        messages.session_overdue_notify(session=session)


@receiver(not_called_alarm_raised, dispatch_uid="notifications.on_not_called_alarm")
@_never_raise
def on_not_called_alarm(sender, alarm_id, **kwargs):
    alarm = NotCalledAlarm.objects.select_related("raised_by").filter(pk=alarm_id).first()
    if alarm is not None:
        messages.not_called_alarm_notify(alarm=alarm)


@receiver(call_booked_again, dispatch_uid="notifications.on_call_booked_again")
@_never_raise
def on_call_booked_again(sender, call_id, earlier_id, **kwargs):
    """A missed call was booked again: its reschedule task is done."""
    operator_tasks_settle(
        call=earlier_id,
        kind=OperatorTaskKind.RESCHEDULE_MISSED,
        note=f"closed automatically: booked again as call {call_number(call_id)}",
    )
