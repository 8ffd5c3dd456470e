"""Issue 25 item 12: with the broker unreachable a booking neither waits for
it nor logs a traceback; the outbox rows stay pending and the re-queue sweep
queues them once it is back.

The publish is real (Celery's apply_async over kombu's Redis transport, with
the settings in force) to a port where nothing listens."""

import logging
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from notifications import services, sweeps, tasks
from notifications.models import Notification, NotificationStatus

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import CLIENT_WINDOWS, fund_client

pytestmark = pytest.mark.django_db
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def unreachable_broker(monkeypatch):
    """`deliver.delay` publishes for real, to a broker that is not there; each try counted."""
    monkeypatch.setattr(services, "broker_breaker", services._BrokerBreaker())
    tries = []
    real_apply_async = tasks.deliver.apply_async

    def publish(pk):
        tries.append(pk)
        options = {
            key: value
            for key, value in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items()
            if key in ("socket_connect_timeout", "socket_timeout")
        }
        with app.connection_for_write(NOWHERE, transport_options=options) as connection:
            return real_apply_async((pk,), connection=connection)

    monkeypatch.setattr(tasks.deliver, "delay", publish)
    return tries


def order(api, member):
    return api.post(
        "/api/v1/calls/",
        {
            "member": member.reference,
            "kind": "phone_interpreted",
            "planned_minutes": 30,
            "windows": CLIENT_WINDOWS,
        },
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_publishing_is_one_try_with_short_timeouts():
    assert app.conf.task_publish_retry is False
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 2


def test_bookings_with_the_broker_down_answer_and_log_no_traceback(
    unreachable_broker, caplog, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    AgentFactory(agency=member.agency)  # two agents: two messages per booking
    client = ClientFactory()
    fund_client(client, Decimal("500"))
    api = api_as(client)
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        first = order(api, member)
        second = order(api, member)
    assert first.status_code == second.status_code == 201
    # One failed try, then the breaker: the second booking did not try at all.
    assert len(unreachable_broker) == 1
    assert not [r for r in caplog.records if r.exc_info]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings if r.name.startswith("notifications")] == [
        "broker unreachable (OperationalError); 2 notification(s) left for the re-queue sweep"
    ]
    rows = Notification.objects.filter(kind="agent_request")
    assert rows.count() == 4
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.PENDING}


def test_the_re_queue_sweep_catches_up_once_the_broker_is_back(
    unreachable_broker, monkeypatch, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    client = ClientFactory()
    fund_client(client, Decimal("500"))
    with django_capture_on_commit_callbacks(execute=True):
        assert order(api_as(client), member).status_code == 201
    pending = list(Notification.objects.values_list("pk", flat=True))
    assert pending
    # The broker is back (and the pause over): the sweep queues what was left.
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)
    monkeypatch.setattr(services, "broker_breaker", services._BrokerBreaker())
    later = timezone.now() + timedelta(seconds=settings.NOTIFY_STUCK_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.requeue_stuck(now=later) == len(pending)
    assert sorted(queued) == sorted(pending)
