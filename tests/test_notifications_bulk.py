"""The sweeps record their messages in bulk: a constant number of statements
per batch whatever the number of messages, exactly once, the text written
when each message leaves; one bad batch never stops the sweep."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import bulk, messages, services, sweeps
from notifications.models import Notification, NotificationStatus

from . import notifications_support as support
from .factories import InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db

queued = support.queued  # fixture
agent_link_view = support.agent_link_view  # fixture

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)


def scheduled_sessions(count, capture):
    operator = OperatorFactory()
    sessions = []
    with capture(execute=True):
        for n in range(count):
            call = book(now=NOW)
            confirm(call, now=NOW)
            sessions.append(
                schedule(
                    call,
                    operator=operator,
                    interpreter=InterpreterFactory(),
                    starts_at=START + timedelta(minutes=n),
                    now=NOW,
                )
            )
    return sessions


def reminders_recorded(now, capture):
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        handled = sweeps.sweep_reminders(now=now)
    return handled, len(queries)


@pytest.mark.parametrize("count", [2, 9])
def test_reminders_take_the_same_statements_for_2_or_9_sessions(
    count, queued, django_capture_on_commit_callbacks
):
    sessions = scheduled_sessions(count, django_capture_on_commit_callbacks)
    queued.clear()
    handled, statements = reminders_recorded(
        START - timedelta(hours=24) + timedelta(minutes=30), django_capture_on_commit_callbacks
    )
    assert handled == count
    # Per offset: find the due sessions, then one statement per audience (and
    # the savepoint around the batch); one more search finds nothing left.
    assert statements <= 2 * 3 + 8
    rows = Notification.objects.filter(kind="reminder1440")
    assert rows.count() == 3 * count  # client, agent, interpreter of each session
    assert sorted(queued) == sorted(rows.values_list("pk", flat=True))  # queued after commit
    assert {s.pk for s in sessions} == set(rows.values_list("session_id", flat=True))


def test_recorded_twice_is_recorded_once(queued, django_capture_on_commit_callbacks):
    [session] = scheduled_sessions(1, django_capture_on_commit_callbacks)
    queued.clear()
    first = messages.session_reminders_send(minutes=60, session_ids=[session.pk], now=NOW)
    again = messages.session_reminders_send(minutes=60, session_ids=[session.pk], now=NOW)
    assert len(first) == 3 and again == []
    assert Notification.objects.filter(kind="reminder60").count() == 3


def test_the_text_is_written_when_the_message_leaves_and_kept(
    queued, django_capture_on_commit_callbacks
):
    [session] = scheduled_sessions(1, django_capture_on_commit_callbacks)
    queued.clear()
    mail.outbox.clear()
    reminders_recorded(START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    row = Notification.objects.get(kind="reminder60", recipient=session.interpreter)
    assert (row.template, row.subject, row.body) == ("reminder_interpreter", "", "")
    queued.run(now=START - timedelta(minutes=30))
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert row.subject and row.body
    [sent] = [m for m in mail.outbox if m.to == [session.interpreter.email]]
    assert (sent.subject, sent.body) == (row.subject, row.body)


def test_a_text_that_cannot_be_written_is_a_failed_try(
    queued, monkeypatch, django_capture_on_commit_callbacks
):
    [session] = scheduled_sessions(1, django_capture_on_commit_callbacks)
    queued.clear()
    reminders_recorded(START - timedelta(minutes=30), django_capture_on_commit_callbacks)

    def broken(row, *, now):
        raise ValueError("template broke")

    monkeypatch.setattr(messages, "text_write", broken)
    row = Notification.objects.filter(kind="reminder60").first()
    outcome = services.notification_deliver(notification_id=row.pk, now=START)
    assert outcome.outcome == "retry"
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING and "template broke" in row.last_error


def test_one_bad_batch_does_not_stop_the_sweep(
    queued, monkeypatch, django_capture_on_commit_callbacks
):
    scheduled_sessions(3, django_capture_on_commit_callbacks)
    real = bulk.record_for_sessions
    calls = []

    def first_batch_fails(**kwargs):
        calls.append(kwargs["session_ids"])
        if len(calls) == 1:
            raise RuntimeError("the database said no")
        return real(**kwargs)

    monkeypatch.setattr(bulk, "record_for_sessions", first_batch_fails)
    with django_capture_on_commit_callbacks(execute=True):
        handled = sweeps.sweep_reminders(
            now=START - timedelta(hours=24) + timedelta(minutes=30), batch=1
        )
    assert handled == 2
    assert Notification.objects.filter(kind="reminder1440").count() == 2 * 3
    # The next sweep records the batch that failed.
    monkeypatch.setattr(bulk, "record_for_sessions", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sweep_reminders(now=START - timedelta(hours=24) + timedelta(minutes=30)) == 1
    assert Notification.objects.filter(kind="reminder1440").count() == 3 * 3
