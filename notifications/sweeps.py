"""The periodic sweeps: find due work with indexed queries, in bounded batches.

Every sweep takes `now` (tests pass it; beat does not) and is safe to run
twice or twice at once: messages have unique keys, and the workflow refuses
a second "overdue" or "missed". Messages are recorded with one insert per
batch and audience, and state changes (overdue, missed) go through the
workflow's batch transitions: one transaction per batch that locks its rows
in id order, checks and audits each, and writes the state, the audit rows
and the messages set-based. A batch that fails is redone one row per
transaction, so one bad row never stops the sweep; a long sweep holds no lock
for long and a crash loses at most one batch's work, which the next run redoes.

Queries and the indexes they use:
- reminders:  Session(status, starts_at) range + Notification(session, kind) anti-join
- overdue / missed: Session(status, starts_at) range
- agents:     Call(state, state_changed_at) range + Notification(call, kind) anti-join
- stuck rows: the partial index on pending Notification(next_attempt_at)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from calls.models import Call, CallState, Session, SessionStatus
from calls.services import (
    call_mark_missed,
    calls_mark_missed,
    session_mark_overdue,
    sessions_mark_overdue,
)
from common.errors import DomainError

from . import messages
from .models import Notification, NotificationStatus, OperatorTask, OperatorTaskKind
from .services import notification_enqueue

logger = logging.getLogger(__name__)


def _batches(qs: QuerySet, order: str, batch: int) -> Iterator[list]:
    """Walk `qs` by (order, id) in pages of `batch` rows (keyset: never OFFSET,
    never everything at once; rows that change meanwhile are not revisited)."""
    last = None
    while True:
        page = qs
        if last is not None:
            value, pk = last
            page = page.filter(Q(**{f"{order}__gt": value}) | Q(**{order: value, "pk__gt": pk}))
        rows = list(page.order_by(order, "pk")[:batch])
        if not rows:
            return
        yield rows
        last = (getattr(rows[-1], order), rows[-1].pk)
        if len(rows) < batch:
            return


def _record_batch(rows, record: Callable) -> int:
    """Record the messages of a batch of rows with set-based statements
    (`record` takes the rows). A batch that fails is logged and left for the
    next sweep; it never stops this one."""
    try:
        record(rows)
    except Exception:  # noqa: BLE001 - one bad batch must not stop the sweep
        _log_failed_batch("could not record messages for", rows)
        return 0
    return len(rows)


def _log_failed_batch(what: str, rows) -> None:
    """Log the exception being handled, naming the batch by its first and last rows."""
    logger.exception("sweep %s %s %s..%s", what, type(rows[0]).__name__, rows[0].pk, rows[-1].pk)


def _in_bulk(rows, move: Callable, handle: Callable) -> int:
    """Change a batch of rows with set-based statements in one transaction
    (`move` takes the rows, returns how many changed). If the batch fails, it
    is rolled back and its rows are handled one by one, each in its own
    transaction: one bad row never stops the others."""
    try:
        with transaction.atomic():
            return move(rows)
    except Exception:  # noqa: BLE001 - one bad row must not stop the sweep
        _log_failed_batch("will change one by one (could not change at once)", rows)
    return _each_in_transaction(rows, handle)


def _each_in_transaction(rows, handle: Callable) -> int:
    done = 0
    for row in rows:
        try:
            with transaction.atomic():
                if handle(row) is not False:
                    done += 1
        except Exception:  # noqa: BLE001 - one bad row must not stop the sweep
            logger.exception("sweep could not handle %s %s", type(row).__name__, row.pk)
    return done


# --- Sessions ---------------------------------------------------------------------


def sweep_reminders(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Reminders N minutes before planned sessions, each offset once per session.

    Windows don't overlap: with 24 h and 1 h, a session in 30 minutes gets
    only the 1 h reminder (the 24 h one would say the same thing). A reminder
    whose time had passed when the session was scheduled is not sent at all:
    the "scheduled" message said it already. A
    rescheduled session is a new session, so it gets fresh reminders; the old
    one is superseded and a cancelled one is not planned, so neither gets any.
    Each batch of sessions is recorded with one statement per audience (the
    text is written when each message leaves).
    """
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_SWEEP_BATCH
    done = 0
    for minutes, due in reminders_due(now=now):
        for rows in _batches(due.only("pk", "starts_at"), "starts_at", batch):
            done += _record_batch(
                rows,
                lambda rows, minutes=minutes: messages.session_reminders_send(
                    minutes=minutes, session_ids=[s.pk for s in rows], now=now
                ),
            )
    return done


def reminders_due(*, now: datetime) -> list[tuple[int, QuerySet[Session]]]:
    """For each reminder offset, the planned sessions whose reminder is due and
    not yet recorded (index range on Session(status, starts_at), anti-join on
    Notification(session, kind))."""
    due = []
    lower = timedelta(0)
    for minutes in sorted(set(settings.NOTIFY_REMINDER_MINUTES)):
        sessions = Session.objects.filter(
            status=SessionStatus.PLANNED,
            starts_at__gt=now + lower,
            starts_at__lte=now + timedelta(minutes=minutes),
            # Only a reminder that was still ahead when the session was
            # scheduled: one booked 10 hours ahead has had its "scheduled"
            # message, and gets the 1 h reminder, not a 24 h one at once.
            created_at__lt=F("starts_at") - timedelta(minutes=minutes),
        ).exclude(
            Exists(Notification.objects.filter(session=OuterRef("pk"), kind=f"reminder{minutes}"))
        )
        due.append((minutes, sessions))
        lower = timedelta(minutes=minutes)
    return due


def sweep_missed(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Not started N (30) minutes after its time: the call is missed through the
    workflow (which settles or releases the hold; its listener tells the client
    and opens an operator task). The sweep only changes the state."""
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_SWEEP_BATCH
    due = Session.objects.filter(
        status__in=[SessionStatus.PLANNED, SessionStatus.OVERDUE],
        starts_at__lte=now - timedelta(minutes=settings.NOTIFY_MISSED_AFTER_MINUTES),
    )

    def move(sessions):
        moved = calls_mark_missed(call_ids=[session.call_id for session in sessions], now=now)
        for call_id, exc in moved.refused.items():
            # Someone else got there first (another sweep, an operator): nothing to do.
            logger.info("call %s not marked missed: %s", call_id, exc.code)
        return len(moved.ids)

    def handle(session):
        try:
            call_mark_missed(call=session.call, actor=None, reason="not started in time", now=now)
        except DomainError as exc:
            logger.info("call %s not marked missed: %s", session.call_id, exc.code)
            return False

    # The workflow's listener writes the messages and the task, as for an operator.
    done = 0
    for rows in _batches(due.select_related("call"), "starts_at", batch):
        done += _in_bulk(rows, move, handle)
    return done


def sweep_overdue(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Not started N (10) minutes after its time: overdue (the workflow's
    listener tells the agent, the interpreter and the duty manager)."""
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_SWEEP_BATCH
    due = Session.objects.filter(
        status=SessionStatus.PLANNED,
        starts_at__lte=now - timedelta(minutes=settings.NOTIFY_OVERDUE_AFTER_MINUTES),
    )

    def move(sessions):
        # Those that changed meanwhile (started, or another sweep) are left alone.
        return len(sessions_mark_overdue(sessions=sessions, now=now))

    def handle(session):
        if not session_mark_overdue(session=session, now=now):
            return False

    done = 0
    for rows in _batches(due.only("pk", "call_id", "starts_at"), "starts_at", batch):
        done += _in_bulk(rows, move, handle)
    return done


# --- Requests awaiting their agent -------------------------------------------


def sweep_agents(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Requests waiting for the agent: chase after N hours, escalate after the
    deadline. (The first request is written with the change to "awaiting agent",
    by the workflow's listener: it can't be lost, so there is nothing to redo.)
    Each step handles a batch of calls with a few set-based statements."""
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_SWEEP_BATCH
    awaiting = Call.objects.filter(state=CallState.AWAITING_AGENT)
    chase_at = now - timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS)
    deadline = now - timedelta(hours=settings.NOTIFY_AGENT_DEADLINE_HOURS)

    def without(kind):
        return ~Exists(Notification.objects.filter(call=OuterRef("pk"), kind=kind))

    def no_task(kind):
        # Each escalation step looks only for its own task: the "nobody to ask"
        # task of an unasked request never hides a later "never answered".
        return ~Exists(OperatorTask.objects.filter(call=OuterRef("pk"), kind=kind))

    def ask(kind):
        return lambda calls: messages.agents_ask(
            kind=kind, call_ids=[call.pk for call in calls], now=now
        )

    unasked = Call.objects.filter(
        no_task(OperatorTaskKind.AGENCY_WITHOUT_AGENT),
        state=CallState.REQUESTED,
        state_changed_at__lte=now - timedelta(minutes=settings.NOTIFY_UNASKED_AFTER_MINUTES),
    )
    # The escalations name the agency (str(): its name and city) and the call
    # in the operators' task.
    with_agency = ["pk", "state_changed_at", "member__agency__name", "member__agency__city"]
    steps = [
        # Nobody at the agency to ask: an operator must step in.
        (
            unasked.select_related("member__agency").only(*with_agency),
            lambda calls: messages.agencies_without_agent_escalate(calls=calls, now=now),
        ),
        (
            awaiting.filter(without("agent_chase"), state_changed_at__lte=chase_at).only(
                "pk", "state_changed_at"
            ),
            ask("agent_chase"),
        ),
        (
            awaiting.filter(
                no_task(OperatorTaskKind.AGENT_NO_ANSWER), state_changed_at__lte=deadline
            )
            .select_related("member__agency")
            .only(*with_agency),
            lambda calls: messages.agents_no_answer_escalate(calls=calls, now=now),
        ),
    ]
    done = 0
    for qs, record in steps:
        for rows in _batches(qs, "state_changed_at", batch):
            done += _record_batch(rows, record)
    return done


# --- The outbox ------------------------------------------------------------------


def requeue_stuck(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Queue again the rows recorded but not sent long after they were due.

    Covers a task lost by the broker, a broker that was down, and a worker
    killed mid-delivery (Redis would hand its task out again only after the
    visibility timeout). Rows being delivered right now are locked and skipped.
    """
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_SWEEP_BATCH
    cutoff = now - timedelta(seconds=settings.NOTIFY_STUCK_AFTER_SECONDS)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(status=NotificationStatus.PENDING, next_attempt_at__lte=cutoff)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:batch]
            )
            if ids:
                # Due again now: if this task is lost too, the next window re-queues it.
                Notification.objects.filter(pk__in=ids).update(next_attempt_at=now)
                notification_enqueue(ids)
        total += len(ids)
        if len(ids) < batch:
            return total


# What beat runs each minute, in this order: missed before overdue, so a
# session found long after its time goes straight to missed without an
# overdue alarm.
DUE_SWEEPS = (
    ("missed", sweep_missed),
    ("overdue", sweep_overdue),
    ("reminders", sweep_reminders),
    ("agents", sweep_agents),
)


def sweep_due(*, now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Everything the beat runs each minute (DUE_SWEEPS), at one `now`."""
    now = now or timezone.now()
    return {name: sweep(now=now, batch=batch) for name, sweep in DUE_SWEEPS}
