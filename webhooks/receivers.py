"""Listeners: the workflow's and the duty desk's announcements become deliveries.

Like notifications/receivers.py: `calls` and `duty` don't import this app;
they announce inside the transaction of the change, and these listeners
record one delivery per endpoint that wants the event, in that same
transaction (a webhook exists exactly when its cause committed), queued for
sending after commit. A listener that fails, fails the change.

Which announcement is which event:
- call_requested                                  call.requested
- call → confirmed / declined                     call.confirmed / call.declined
- call → scheduled (from confirmed / scheduled)   session.scheduled / session.moved
- call → cancelled                                call.cancelled
- call → completed, missed, cancelled w/ outcome  call.outcome_recorded (after call.missed)
- call → missed                                   call.missed
- session → in progress / ended / cancelled       session.started / .ended / .cancelled
- dispute_opened / dispute_decided (duty desk)   dispute.opened / dispute.decided
(`statement.ready` is the sweep's: webhooks/sweeps.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.dispatch import receiver

from calls.models import Call, CallState, Session, SessionStatus
from calls.signals import (
    call_requested,
    call_state_changed,
    calls_state_changed,
    dispute_decided,
    dispute_opened,
    session_changed,
    sessions_state_changed,
)

from . import payloads
from .models import Endpoint, Event
from .services import events_record

S = CallState
SS = SessionStatus

# What a call entering a state says, in this order.
CALL_EVENTS: dict[str, tuple[str, ...]] = {
    S.CONFIRMED: (Event.CALL_CONFIRMED,),
    S.DECLINED: (Event.CALL_DECLINED,),
    S.COMPLETED: (Event.CALL_OUTCOME_RECORDED,),
    S.MISSED: (Event.CALL_MISSED, Event.CALL_OUTCOME_RECORDED),
    S.CANCELLED: (Event.CALL_CANCELLED, Event.CALL_OUTCOME_RECORDED),
}
SESSION_EVENTS = {
    SS.IN_PROGRESS: Event.SESSION_STARTED,
    SS.ENDED: Event.SESSION_ENDED,
    SS.CANCELLED: Event.SESSION_CANCELLED,
}


def _calls(call_ids) -> dict[int, Call]:
    calls = (
        Call.objects.select_related("member", "confirmation")
        .prefetch_related("confirmation__numbers", "sessions")
        .filter(pk__in=list(call_ids))
    )
    return {call.pk: call for call in calls}


def _record(
    event: str, call_ids, at: datetime, data: Callable[[Call, Endpoint, bool], dict | None]
) -> None:
    """Record `event` about each call for the endpoints that want it: the office's
    and the member's agency's. `data(call, endpoint, own_agency)` says what (None:
    nothing to say about this call)."""
    wanting = [e for e in Endpoint.objects.filter(is_active=True).order_by("pk") if e.wants(event)]
    if not wanting:
        return
    for call in _calls(call_ids).values():
        agency_id = call.member.agency_id
        endpoints = [e for e in wanting if e.agency_id in (None, agency_id)]
        if not endpoints:
            continue
        built = {e.pk: data(call, e, e.agency_id == agency_id) for e in endpoints}
        endpoints = [e for e in endpoints if built[e.pk] is not None]
        events_record(
            event=event,
            agency_id=agency_id,
            call_key=str(call.public_id),
            at=at,
            data_for=lambda endpoint, built=built: built[endpoint.pk],
            endpoints=endpoints,
        )


def _call_only(call: Call, endpoint: Endpoint, own: bool) -> dict:
    return {"call": payloads.call_data(call, own_agency=own)}


def _with_session(call: Call, endpoint: Endpoint, own: bool) -> dict:
    return {
        "call": payloads.call_data(call, own_agency=own),
        "session": payloads.session_data(call.active_session),
    }


def _confirmed(call: Call, endpoint: Endpoint, own: bool) -> dict:
    data = _call_only(call, endpoint, own)
    if own:  # the agency's own numbers, back to the agency only
        data["contacts"] = payloads.contacts_data(call)
    return data


def _outcome(call: Call, endpoint: Endpoint, own: bool) -> dict | None:
    if not call.outcome:  # cancelled in good time: nothing was recorded
        return None
    sessions = [s for s in call.sessions.all() if s.status != SS.SUPERSEDED]
    session = max(sessions, key=lambda s: (s.starts_at, s.pk)) if sessions else None
    return {
        "call": payloads.call_data(call, own_agency=own),
        "outcome": call.outcome,
        "session": payloads.session_data(session),
    }


def _moved(call: Call, endpoint: Endpoint, own: bool) -> dict:
    superseded = [s for s in call.sessions.all() if s.status == SS.SUPERSEDED]
    previous = max(superseded, key=lambda s: (s.created_at, s.pk)) if superseded else None
    return {**_with_session(call, endpoint, own), "previous": payloads.session_data(previous)}


def _call_entered(call_ids, *, from_state: str | None, to_state: str, at: datetime) -> None:
    if to_state == S.SCHEDULED:
        if from_state == S.SCHEDULED:
            _record(Event.SESSION_MOVED, call_ids, at, _moved)
        else:
            _record(Event.SESSION_SCHEDULED, call_ids, at, _with_session)
        return
    for event in CALL_EVENTS.get(to_state, ()):
        if event == Event.CALL_OUTCOME_RECORDED:
            builder = _outcome
        elif event == Event.CALL_CONFIRMED:
            builder = _confirmed
        elif event in (Event.CALL_MISSED,):
            builder = _with_session
        else:
            builder = _call_only
        _record(event, call_ids, at, builder)


@receiver(call_requested, dispatch_uid="webhooks.on_call_requested")
def on_call_requested(sender, call_id, at, **kwargs):
    _record(Event.CALL_REQUESTED, [call_id], at, _call_only)


@receiver(call_state_changed, dispatch_uid="webhooks.on_call_state_changed")
def on_call_state_changed(sender, call_id, from_state, to_state, at, **kwargs):
    _call_entered([call_id], from_state=from_state, to_state=to_state, at=at)


@receiver(calls_state_changed, dispatch_uid="webhooks.on_calls_state_changed")
def on_calls_state_changed(sender, changes, to_state, at, **kwargs):
    """A sweep's batch (missed): the same events, recorded per event for the batch."""
    by_from: dict[str, list[int]] = {}
    for call_id, from_state in changes:
        by_from.setdefault(from_state, []).append(call_id)
    for from_state, call_ids in by_from.items():
        _call_entered(call_ids, from_state=from_state, to_state=to_state, at=at)


def _session_changed(changes, to_status: str, at: datetime) -> None:
    event = SESSION_EVENTS.get(to_status)
    if event is None:
        return
    session_ids = {call_id: session_id for session_id, call_id in changes}
    sessions = Session.objects.in_bulk(list(session_ids.values()))

    def data(call: Call, endpoint: Endpoint, own: bool) -> dict:
        return {
            "call": payloads.call_data(call, own_agency=own),
            "session": payloads.session_data(sessions.get(session_ids[call.pk])),
        }

    _record(event, list(session_ids), at, data)


@receiver(session_changed, dispatch_uid="webhooks.on_session_changed")
def on_session_changed(sender, session_id, call_id, to_status, at, **kwargs):
    _session_changed([(session_id, call_id)], to_status, at)


@receiver(sessions_state_changed, dispatch_uid="webhooks.on_sessions_state_changed")
def on_sessions_state_changed(sender, changes, to_status, at, **kwargs):
    _session_changed([(pk, call_id) for pk, call_id, _from in changes], to_status, at)


def _dispute_data(dispute) -> Callable[[Call, Endpoint, bool], dict]:
    """`dispute`: the duty desk's Dispute, as announced (webhooks doesn't import a door)."""

    def data(call: Call, endpoint: Endpoint, own: bool) -> dict:
        decided = dispute.decided_at is not None
        body = {
            "status": dispute.status,
            "raised_by": dispute.raised_by.role,
            "raised_at": payloads.iso(dispute.raised_at),
            "decided_at": payloads.iso(dispute.decided_at),
            "agency_correction": (
                f"{dispute.agency_correction:.2f}"
                if decided and dispute.agency_correction is not None
                else None
            ),
        }
        if endpoint.agency_id is None:  # the client's money is the office's business only
            body["client_refund"] = (
                f"{dispute.client_refund:.2f}"
                if decided and dispute.client_refund is not None
                else None
            )
        return {"call": payloads.call_data(call, own_agency=own), "dispute": body}

    return data


@receiver(dispute_opened, dispatch_uid="webhooks.on_dispute_opened")
def on_dispute_opened(sender, dispute, call_id, at, **kwargs):
    _record(Event.DISPUTE_OPENED, [call_id], at, _dispute_data(dispute))


@receiver(dispute_decided, dispatch_uid="webhooks.on_dispute_decided")
def on_dispute_decided(sender, dispute, call_id, at, **kwargs):
    _record(Event.DISPUTE_DECIDED, [call_id], at, _dispute_data(dispute))
