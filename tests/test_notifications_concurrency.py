"""Exactly once under concurrency, on PostgreSQL with real transactions and row locks.

Two sweeps run at the same moment from two threads, each with its own
database connection; each delivers what it queued in its own thread, as two
workers would. Every message must be recorded once and sent once.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from calls.models import CallState, CallTransition, SessionStatus
from notifications import services, sweeps, tasks
from notifications.models import Notification, NotificationStatus, OperatorTask

from . import notifications_support as support
from .concurrency import run_concurrently
from .factories import DutyManagerFactory, InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

agent_link_view = support.agent_link_view  # fixture

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)


@pytest.fixture
def deliver_inline(monkeypatch):
    """Queued deliveries run at once in the thread that queued them."""
    monkeypatch.setattr(
        tasks.deliver,
        "delay",
        lambda pk: services.notification_deliver(notification_id=pk),
    )


@pytest.fixture
def sessions(deliver_inline, agent_link_view):
    operator = OperatorFactory()
    DutyManagerFactory()
    made = []
    for i in range(4):
        call = book(now=NOW)
        confirm(call, now=NOW)
        made.append(
            schedule(
                call,
                operator=operator,
                interpreter=InterpreterFactory(),
                starts_at=START + timedelta(minutes=i),
                now=NOW,
            )
        )
    mail.outbox.clear()
    return made


def sent_keys():
    return Counter(m.extra_headers["X-Notification-Key"] for m in mail.outbox)


def test_two_reminder_sweeps_at_once_record_and_send_each_reminder_once(sessions):
    at = START - timedelta(minutes=50)
    results = run_concurrently(
        lambda: sweeps.sweep_reminders(now=at), lambda: sweeps.sweep_reminders(now=at)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    reminders = Notification.objects.filter(kind="reminder60")
    assert reminders.count() == 4 * 3  # client, agent, interpreter per session
    assert set(reminders.values_list("status", flat=True)) == {NotificationStatus.SENT}
    counts = sent_keys()
    assert set(counts) == set(reminders.values_list("key", flat=True))
    assert set(counts.values()) == {1}, counts


def test_two_full_sweeps_at_once_mark_each_call_missed_once(sessions):
    at = START + timedelta(minutes=45)
    results = run_concurrently(lambda: sweeps.sweep_due(now=at), lambda: sweeps.sweep_due(now=at))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["missed"] for r in results) == 4
    for session in sessions:
        session.refresh_from_db()
        assert session.status == SessionStatus.MISSED
        assert session.call.state == CallState.MISSED
        assert (
            CallTransition.objects.filter(call=session.call, to_state=CallState.MISSED).count() == 1
        )
        assert OperatorTask.objects.filter(call=session.call).count() == 1
    missed = Notification.objects.filter(kind="missed")
    assert missed.filter(recipient__role="client").count() == 4
    counts = sent_keys()
    assert set(counts) == set(missed.values_list("key", flat=True))
    assert set(counts.values()) == {1}, counts


def test_two_overdue_sweeps_at_once_alert_each_person_once(sessions):
    at = START + timedelta(minutes=15)
    results = run_concurrently(
        lambda: sweeps.sweep_overdue(now=at), lambda: sweeps.sweep_overdue(now=at)
    )
    assert sum(results) == 4, results  # each session marked overdue by one of them
    overdue = Notification.objects.filter(kind="overdue")
    assert overdue.count() == 4 * 3
    counts = sent_keys()
    assert set(counts) == set(overdue.values_list("key", flat=True))
    assert set(counts.values()) == {1}, counts


class GateBackend:
    """Blocks inside the send until the test opens the gate."""

    entered = threading.Event()
    gate = threading.Event()

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        GateBackend.entered.set()
        assert GateBackend.gate.wait(20)
        mail.outbox.extend(messages)
        return len(messages)


def test_a_task_handed_out_twice_sends_once(settings, sessions):
    """The broker gives the same task to two workers (celery 5935/6229): the
    second finds the row locked and walks away; a third finds it sent."""
    settings.EMAIL_BACKEND = f"{__name__}.GateBackend"
    GateBackend.entered.clear()
    GateBackend.gate.clear()
    row = Notification.objects.first()
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.PENDING, attempts=0)
    outcomes = {}

    def first_worker():
        try:
            outcomes["first"] = services.notification_deliver(notification_id=row.pk).outcome
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert GateBackend.entered.wait(20)
    try:
        outcomes["second"] = run_concurrently(
            lambda: services.notification_deliver(notification_id=row.pk).outcome
        )[0]
    finally:
        GateBackend.gate.set()
        worker.join(20)
    outcomes["third"] = services.notification_deliver(notification_id=row.pk).outcome
    assert outcomes == {"first": "sent", "second": "busy", "third": "done"}
    assert len(mail.outbox) == 1
