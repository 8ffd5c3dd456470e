"""The outbox: recorded once, delivered once, retried with back-off, failures shown."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from notifications import services, sweeps
from notifications.models import Notification, NotificationStatus, OperatorTask

from . import notifications_support as support
from .factories import ClientFactory, OperatorFactory, aware
from .flows import book

pytestmark = pytest.mark.django_db

queued = support.queued  # fixture

NOW = aware(2030, 3, 1, 9, 0)


def record(recipients, *, now=NOW, kind="test", capture=None):
    call = book(now=now)
    # The booking wrote its own message (the agent's request) with the call;
    # these tests count only the rows they record themselves.
    Notification.objects.filter(call=call).delete()
    with capture(execute=True):
        services.notify(
            kind=kind,
            template="declined_client",
            recipients=recipients,
            context={"call": call, "member": call.member, "agency": call.member.agency},
            call=call,
            now=now,
        )
    return call


class FlakyBackend:
    """An email backend that fails while `failures` > 0."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("smtp down")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = 0
    return FlakyBackend


def test_a_message_is_recorded_once_per_recipient_and_queued_after_commit(
    queued, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    call = record([client, client], capture=django_capture_on_commit_callbacks)
    record_again = services.notify(
        kind="test",
        template="declined_client",
        recipients=[client],
        context={"call": call, "member": call.member, "agency": call.member.agency},
        call=call,
        now=NOW,
    )
    rows = Notification.objects.filter(call=call, kind="test")
    assert rows.count() == 1
    row = rows.get()
    assert row.key == f"test:c{call.pk}:email:{client.pk}"
    assert row.address == client.email and row.status == NotificationStatus.PENDING
    assert queued == [row.pk]
    assert record_again == []  # nothing new recorded, nothing queued again


def test_delivery_sends_once_and_marks_sent(queued, django_capture_on_commit_callbacks):
    client = ClientFactory()
    record([client], capture=django_capture_on_commit_callbacks)
    row_id = queued[0]
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "sent"
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "done"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [client.email]
    assert sent.extra_headers["X-Notification-Key"].startswith("test:")
    row = Notification.objects.get(pk=row_id)
    assert (row.status, row.attempts, row.sent_at) == (NotificationStatus.SENT, 1, NOW)


def test_a_failed_delivery_is_retried_with_back_off_then_marked_failed(
    queued, flaky, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    flaky.failures = 99
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    row_id = queued[0]

    first = services.notification_deliver(notification_id=row_id, now=NOW)
    assert (first.outcome, first.retry_in) == ("retry", 60)
    row = Notification.objects.get(pk=row_id)
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    assert "smtp down" in row.last_error
    second = services.notification_deliver(notification_id=row_id, now=NOW)
    assert (second.outcome, second.retry_in) == ("retry", 240)
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "failed"

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED and row.attempts == 3
    task = OperatorTask.objects.get(notification=row)
    assert task.kind == "delivery_failed"
    assert mail.outbox == []


def test_a_delivery_that_fails_once_succeeds_on_retry(
    queued, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 1
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    row_id = queued[0]
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "retry"
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "sent"
    assert len(mail.outbox) == 1


def test_the_task_schedules_its_retry(
    queued, flaky, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    flaky.failures = 1
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    scheduled = []
    monkeypatch.setattr(
        tasks.deliver, "apply_async", lambda args, countdown: scheduled.append((args, countdown))
    )
    assert tasks.deliver.run(queued[0]) == "retry"
    assert scheduled == [([queued[0]], 60)]


def test_operators_can_send_a_failed_message_again(
    queued, flaky, settings, admin_client, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    flaky.failures = 1
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    row_id = queued.pop()
    assert services.notification_deliver(notification_id=row_id, now=NOW).outcome == "failed"

    listing = admin_client.get(reverse("admin:notifications_notification_changelist"))
    assert listing.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry_failed", "_selected_action": [row_id]},
        )
    assert response.status_code == 302
    assert queued == [row_id]
    assert queued.run() == ["sent"]
    assert len(mail.outbox) == 1


def test_operator_tasks_are_listed_and_closed_in_the_admin(
    queued, flaky, settings, admin_client, admin_user, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    flaky.failures = 1
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    services.notification_deliver(notification_id=queued[0], now=NOW)
    task = OperatorTask.objects.get()
    url = reverse("admin:notifications_operatortask_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:notifications_operatortask_change", args=[task.pk]))
    admin_client.post(url, {"action": "close_tasks", "_selected_action": [task.pk]})
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == admin_user


def test_stuck_rows_are_queued_again_and_fresh_or_sent_ones_are_not(
    queued, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_STUCK_AFTER_SECONDS = 300
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)
    stuck, sent = queued[:]
    queued.clear()
    services.notification_deliver(notification_id=sent, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.requeue_stuck(now=NOW + timedelta(seconds=299)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.requeue_stuck(now=NOW + timedelta(seconds=301)) == 1
    assert queued == [stuck]
    # Re-queued rows wait a full window before being queued once more.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.requeue_stuck(now=NOW + timedelta(seconds=302)) == 0


def test_a_broker_that_is_down_loses_nothing(monkeypatch, django_capture_on_commit_callbacks):
    from notifications import tasks

    monkeypatch.setattr(services, "broker_breaker", services._BrokerBreaker())

    def refuse(_pk):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver, "delay", refuse)
    record([ClientFactory()], capture=django_capture_on_commit_callbacks)  # does not raise
    assert Notification.objects.get().status == NotificationStatus.PENDING


def test_sms_goes_through_the_same_outbox_and_only_logs_the_key(
    queued, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = ["email", "sms"]
    client = ClientFactory(phone="+380671112233")
    no_phone = ClientFactory(phone="")
    record([client, no_phone], capture=django_capture_on_commit_callbacks)
    rows = Notification.objects.order_by("channel", "recipient_id")
    assert [(r.channel, r.recipient_id) for r in rows] == [
        ("email", client.pk),
        ("email", no_phone.pk),
        ("sms", client.pk),
    ]
    with caplog.at_level(logging.INFO):
        assert queued.run() == ["sent"] * 3
    assert "+380671112233" not in caplog.text and "671112233" not in caplog.text
    sms = rows.get(channel="sms")
    assert sms.key in caplog.text


def test_inactive_people_and_people_without_an_address_get_nothing(
    queued, django_capture_on_commit_callbacks
):
    record(
        [ClientFactory(is_active=False), ClientFactory(email=""), OperatorFactory()],
        capture=django_capture_on_commit_callbacks,
    )
    assert list(Notification.objects.values_list("recipient__role", flat=True)) == ["operator"]


def test_beat_runs_the_sweeps_every_minute(settings):
    from config.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"] for entry in schedule.values()}
    assert tasks == {
        "notifications.sweep_due",
        "notifications.requeue_stuck",
        "idempotency.purge",  # hourly, not about notifications
        "webhooks.sweep",  # webhook deliveries due, monthly statements
        "rooms.sweep_empty",  # video rooms left with fewer than two parties
        "recordings.purge",  # daily: recordings past their retention
    }
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
    assert "notifications.deliver" in app.tasks
