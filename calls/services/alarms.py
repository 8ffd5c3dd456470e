"""The agent's "we were not called" alarm (SPEC "If no call comes at the agreed time").

From the session's start time until it is marked missed, the agent (signed in
or through the emailed link) can press one button; it is recorded on the call
once per session, and announced in the same transaction (its listener writes
the messages to the outbox there), so the interpreter and the duty manager
are told at once. Pressing it again changes nothing and alerts nobody.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from calls import workflow
from calls.models import (
    Call,
    CallState,
    NotCalledAlarm,
    Session,
    SessionStatus,
)
from calls.signals import not_called_alarm_raised
from common.errors import Conflict, NotFound


def alarm_window_open(call: Call, session: Session | None, *, now: datetime) -> bool:
    """True from the session's start until the call is marked missed (or starts)."""
    return (
        session is not None
        and call.state == CallState.SCHEDULED
        and session.status in (SessionStatus.PLANNED, SessionStatus.OVERDUE)
        and now >= session.starts_at
    )


def not_called_alarm_raise(
    *, call: Call, actor: User, via_link: bool = False, now: datetime | None = None
) -> tuple[NotCalledAlarm, bool]:
    """Record the alarm once per session; (alarm, True) only the first time."""
    now = now or timezone.now()
    if actor.role != Role.AGENT or call.member.agency_id != actor.agency_id:
        raise NotFound("not_found", _("No such call."))
    with transaction.atomic():
        locked = workflow.lock_call(call.pk)
        session = locked.sessions.live().first()
        earlier = NotCalledAlarm.objects.filter(session=session).first() if session else None
        if earlier is not None:
            return earlier, False
        if not alarm_window_open(locked, session, now=now):
            raise Conflict(
                "alarm_not_now",
                _("The alarm can be raised from the agreed time until the call is marked missed."),
            )
        try:
            with transaction.atomic():
                alarm = NotCalledAlarm.objects.create(
                    call=locked, session=session, raised_by=actor, via_link=via_link, raised_at=now
                )
        except IntegrityError:  # pressed twice at once: the other press recorded it
            return NotCalledAlarm.objects.get(session=session), False
        # Inside the transaction: the alarm's messages exist exactly when the alarm does.
        not_called_alarm_raised.send(
            sender=NotCalledAlarm, alarm_id=alarm.pk, call_id=locked.pk, session_id=session.pk
        )
    return alarm, True
