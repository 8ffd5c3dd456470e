"""Reads for the duty desk: what needs the duty manager now, and one call's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import CallCharge, Entry
from calls.dial_log import attempt_log
from calls.models import (
    Call,
    CallState,
    DialAttempt,
    NotCalledAlarm,
    Session,
    SessionStatus,
)
from notifications.models import OperatorTask, OperatorTaskStatus

from .models import Dispute, DisputeStatus

RECENT_ALARMS = timedelta(hours=24)


def overdue_sessions(*, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions whose time has come and that have not started (nor been marked missed)."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            status__in=[SessionStatus.PLANNED, SessionStatus.OVERDUE],
            starts_at__lte=now,
            call__state=CallState.SCHEDULED,
        )
        .select_related("call__member__agency", "call__client", "interpreter")
        .order_by("starts_at")
    )


def alarms_recent(*, now: datetime | None = None) -> QuerySet[NotCalledAlarm]:
    now = now or timezone.now()
    return (
        NotCalledAlarm.objects.filter(raised_at__gte=now - RECENT_ALARMS)
        .select_related("call__member__agency", "raised_by", "session__interpreter")
        .order_by("-raised_at")
    )


def tasks_open() -> QuerySet[OperatorTask]:
    return (
        OperatorTask.objects.filter(status=OperatorTaskStatus.OPEN)
        .select_related("call")
        .order_by("-created_at")
    )


def disputes_open() -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(status=DisputeStatus.OPEN)
        .select_related("call__member__agency", "raised_by")
        .order_by("raised_at")
    )


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    what: str
    who: object = None
    detail: str = ""


def call_timeline(call: Call) -> list[TimelineEvent]:
    """Everything that happened to the call, in time order: state changes, session
    changes, dial attempts, the alarm, disputes, ledger movements."""
    events = [TimelineEvent(call.created_at, _("Booked"), call.created_by)]
    for t in call.transitions.select_related("actor"):
        outcome = t.get_outcome_display() if t.outcome else ""
        detail = " · ".join(filter(None, [outcome, t.reason_shown]))
        events.append(TimelineEvent(t.at, t.get_to_state_display(), t.actor, detail))
    for a in DialAttempt.objects.filter(call=call).select_related("logged_by"):
        dialled = _("Dialled: %(result)s") % {"result": a.get_result_display()}
        events.append(TimelineEvent(a.at, dialled, a.logged_by, str(a.number)))
    for alarm in NotCalledAlarm.objects.filter(call=call).select_related("raised_by"):
        events.append(TimelineEvent(alarm.raised_at, _("“We were not called”"), alarm.raised_by))
    for d in Dispute.objects.filter(call=call).select_related("raised_by", "decided_by"):
        events.append(TimelineEvent(d.raised_at, _("Disputed"), d.raised_by, d.reason))
        if d.decided_at:
            events.append(
                TimelineEvent(d.decided_at, d.get_status_display(), d.decided_by, d.decision)
            )
    events.sort(key=lambda e: e.at)
    return events


def call_story(call: Call) -> dict:
    """What the duty manager needs on one page to settle a complaint."""
    session = (
        call.sessions.select_related("interpreter", "recording").order_by("-created_at").first()
    )
    return {
        "session": session,
        "recording": getattr(session, "recording", None) if session else None,
        "attempt_log": attempt_log(call, None),
        "timeline": call_timeline(call),
        "charge": CallCharge.objects.select_related("tariff", "rule", "policy")
        .filter(call_id=call.pk)
        .first(),
        "entries": Entry.objects.filter(call_id=call.pk)
        .select_related("account__user", "account__agency", "actor")
        .order_by("created_at", "id"),
        "disputes": Dispute.objects.filter(call=call).select_related("raised_by", "decided_by"),
    }
