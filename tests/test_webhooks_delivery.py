"""Webhooks leave signed, once, in order per call, with back-off, to a real receiver.

The receiver (tests/webhook_receiver.py) is a local HTTP server thread that
verifies each signature with `standardwebhooks`. The clock is pinned
(time-machine) at every step, so the back-off is checked to the second and
the receiver's own timestamp check agrees with what we signed.
"""

from datetime import timedelta

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from common.errors import DomainError
from notifications.models import Notification
from webhooks import delivery, guard, services, sweeps, tasks
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event

from .factories import AgentFactory, aware
from .flows import book, confirm
from .webhook_receiver import Receiver, serve

pytestmark = pytest.mark.django_db

NOW = aware(2030, 3, 1, 9, 0)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 4 * 3600
    settings.WEBHOOKS_RETRY_HOURS = 72
    settings.WEBHOOKS_DISABLE_AFTER_HOURS = 72
    receiver = Receiver()
    server = serve(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def queue(monkeypatch):
    """What would go to the broker: delivery ids, in the order queued."""
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)
    return queued


class Worker:
    """Runs queued deliveries at a pinned instant, as a Celery worker would."""

    def __init__(self, queue, capture, clock):
        self.queue, self.capture, self.clock = queue, capture, clock

    def run(self, at):
        self.clock.move_to(at)
        with self.capture(execute=True):
            delivery.deliveries_due(now=at)  # the beat's sweep: what is due now
        outcomes = []
        while self.queue:
            pk = self.queue.pop(0)
            # Queued twice meanwhile (after commit and by the sweep): one run is enough.
            self.queue[:] = [other for other in self.queue if other != pk]
            with self.capture(execute=True):
                outcomes.append((pk, delivery.delivery_send(delivery_id=pk, now=at).outcome))
        return outcomes


@pytest.fixture
def worker(queue, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False) as clock:
        yield Worker(queue, django_capture_on_commit_callbacks, clock)


def endpoint_for(receiver, *, agency=None, events=None):
    endpoint, secret = services.endpoint_create(
        agency=agency,
        url=receiver.url,
        events=events or Event.values,
        actor=None,
        now=NOW,
    )
    receiver.secret = secret
    return endpoint


def test_an_event_answered_500_twice_arrives_once_in_order_with_every_try_logged(
    receiver, worker, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver)
    receiver.script = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        call = book(now=NOW)
        confirm(call, now=NOW)
    requested, confirmed = Delivery.objects.filter(endpoint=endpoint).order_by("pk")
    assert (requested.event, confirmed.event) == (Event.CALL_REQUESTED, Event.CALL_CONFIRMED)

    # First try: 500; the later event of the same call waits for it.
    assert worker.run(NOW) == [(requested.pk, "retry"), (confirmed.pk, "waiting")]
    requested.refresh_from_db()
    assert requested.next_attempt_at == NOW + timedelta(seconds=30)
    # Not due yet: nothing leaves a second early.
    assert worker.run(NOW + timedelta(seconds=29)) == []
    assert worker.run(NOW + timedelta(seconds=30))[0] == (requested.pk, "retry")
    requested.refresh_from_db()
    assert requested.next_attempt_at == NOW + timedelta(seconds=30 + 60)  # doubled
    # Third try: 200; then the waiting one goes, in order.
    third = worker.run(NOW + timedelta(seconds=90))
    assert third[:2] == [(requested.pk, "sent"), (confirmed.pk, "sent")]

    # A task handed out twice finds the row sent: nothing leaves again.
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.delivery_send(delivery_id=requested.pk).outcome == "done"
    # A replay sends the same webhook-id again: the receiver's dedupe drops it.
    services.delivery_replay(delivery=requested, now=NOW + timedelta(seconds=120))
    worker.run(NOW + timedelta(seconds=120))

    assert [hit.status for hit in receiver.hits] == [500, 500, 200, 200, 200]
    assert all(hit.verified for hit in receiver.hits)
    assert [hit.message_id for hit in receiver.hits] == [requested.message_id] * 3 + [
        confirmed.message_id,
        requested.message_id,
    ]
    assert [event["type"] for event in receiver.events] == [
        Event.CALL_REQUESTED,
        Event.CALL_CONFIRMED,
    ]
    assert receiver.events[0]["data"]["call"]["number"] == call.number
    tries = list(Attempt.objects.filter(delivery=requested).order_by("at", "pk"))
    assert [(t.status_code, t.at) for t in tries] == [
        (500, NOW),
        (500, NOW + timedelta(seconds=30)),
        (200, NOW + timedelta(seconds=90)),
        (200, NOW + timedelta(seconds=120)),
    ]
    # The receiver's answer is kept short and without its number or address.
    assert "[number]" in tries[0].response_excerpt and "[email]" in tries[0].response_excerpt
    assert "4567" not in tries[0].response_excerpt
    requested.refresh_from_db()
    assert (requested.status, requested.attempts) == (DeliveryStatus.SENT, 4)


def test_the_headers_are_standard_webhooks_and_the_timestamp_is_the_try(receiver, worker):
    endpoint = endpoint_for(receiver)
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    worker.run(NOW + timedelta(seconds=7))
    (hit,) = receiver.hits
    assert hit.headers["webhook-timestamp"] == str(int((NOW + timedelta(seconds=7)).timestamp()))
    assert hit.headers["webhook-signature"].startswith("v1,")
    assert hit.headers["content-type"] == "application/json"
    assert receiver.events[0]["type"] == "webhook.test"
    assert receiver.events[0]["id"] == hit.message_id


def test_a_changed_secret_signs_from_the_next_delivery(receiver, worker):
    endpoint = endpoint_for(receiver)
    old = receiver.secret
    receiver.script = [500]
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    worker.run(NOW)
    new = services.endpoint_secret_rotate(endpoint=endpoint, now=NOW)
    assert new != old and new.startswith("whsec_")
    receiver.secret = new
    worker.run(NOW + timedelta(seconds=30))  # the retry of the same delivery
    first, second = receiver.hits
    Webhook(old).verify(first.body, first.headers)
    Webhook(new).verify(second.body, second.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(second.body, second.headers)
    assert second.verified and receiver.events[0]["type"] == "webhook.test"


def test_a_loopback_url_is_refused_when_the_guard_is_on(receiver, worker, settings):
    endpoint = endpoint_for(receiver)  # registered while private addresses were allowed
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url in (receiver.url, "http://localhost/hooks", "http://[::1]/x", "http://10.1.2.3/x"):
        with pytest.raises(DomainError) as refused:
            services.endpoint_create(agency=None, url=url, events=[Event.CALL_MISSED], actor=None)
        assert refused.value.code == "private_address"
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    assert worker.run(NOW)[0][1] == "retry"
    assert receiver.hits == []
    (attempt,) = Attempt.objects.all()
    assert attempt.status_code is None and "private address" in attempt.error


def test_the_guard_checks_every_address_a_name_resolves_to(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(guard.AddressRefused):
        guard.public_addresses("localhost", 443)
    import ipaddress

    for private in ("127.0.0.1", "10.0.0.8", "169.254.169.254", "100.64.0.1", "::1",
                    "::ffff:127.0.0.1", "fe80::1", "fc00::1", "0.0.0.0", "224.0.0.1"):  # fmt: skip
        assert not guard.is_public(ipaddress.ip_address(private)), private
    assert guard.is_public(ipaddress.ip_address("93.184.216.34"))


def test_production_takes_https_only(settings):
    settings.WEBHOOKS_HTTPS_ONLY = True
    with pytest.raises(DomainError) as refused:
        guard.url_check("http://hooks.example.org/x")
    assert refused.value.code == "bad_url"
    assert guard.url_check("https://hooks.example.org/x") == "https://hooks.example.org/x"
    with pytest.raises(DomainError):
        guard.url_check("https://user:pw@hooks.example.org/x")


def test_back_off_doubles_up_to_its_cap(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 4 * 3600
    delays = [delivery.retry_delay(n) for n in (1, 2, 3, 4, 9, 10, 30)]
    assert delays == [30, 60, 120, 240, 7680, 14400, 14400]


def test_a_receiver_slower_than_the_timeout_is_a_failed_try(receiver, worker, settings):
    """The wait is bounded (5 s in production; a fraction of it here): a receiver
    that does not answer in time costs one try, logged as a timeout, not a worker."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    endpoint = endpoint_for(receiver)
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    assert worker.run(NOW)[0][1] == "retry"
    (attempt,) = Attempt.objects.all()
    assert (attempt.status_code, attempt.error) == (None, "timeout")
    assert attempt.duration_ms < 1200  # gave up, did not wait for the answer


def test_a_redirect_is_not_followed(receiver, worker):
    endpoint = endpoint_for(receiver)
    receiver.script = [302]
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    assert worker.run(NOW)[0][1] == "retry"
    assert len(receiver.hits) == 1
    assert Attempt.objects.get().status_code == 302


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_agency_told(receiver, worker):
    agent = AgentFactory()
    endpoint = endpoint_for(receiver, agency=agent.agency)
    receiver.script = [503] * 1000
    with worker.capture(execute=True):
        services.endpoint_test_send(endpoint=endpoint, now=NOW)
    at, outcomes = NOW, []
    while at <= NOW + timedelta(hours=80):
        outcomes += [outcome for _pk, outcome in worker.run(at)]
        at += timedelta(minutes=30)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "72 hours" in endpoint.disabled_reason
    # At the first try once it had failed for 72 hours (tries are at most 4 hours apart).
    assert (
        NOW + timedelta(hours=72) <= endpoint.disabled_at <= NOW + timedelta(hours=76, minutes=30)
    )
    assert outcomes[-1] == "failed" and outcomes.count("failed") == 1
    # Tries spread over the three days by the back-off: not hundreds of them.
    assert 10 <= len(receiver.hits) <= 30
    (told,) = Notification.objects.filter(kind="webhook_disabled")
    assert told.recipient == agent and told.address == agent.email
    assert endpoint.url in told.body
    # Nothing more is sent to it; a replay is refused until it is enabled.
    with worker.capture(execute=True), pytest.raises(DomainError):
        services.endpoint_test_send(endpoint=endpoint, now=at)
    services.endpoint_enable(endpoint=endpoint)
    receiver.script = []
    with worker.capture(execute=True):
        assert services.deliveries_replay_since(since=NOW, endpoint=endpoint, now=at) == 1
    assert worker.run(at) == [(Delivery.objects.get().pk, "sent")]


def test_replay_since_sends_what_was_recorded_since_then_in_order(receiver, worker):
    endpoint = endpoint_for(receiver)
    with worker.capture(execute=True):
        first = services.endpoint_test_send(endpoint=endpoint, now=NOW - timedelta(hours=2))
        later = [
            services.endpoint_test_send(endpoint=endpoint, now=NOW - timedelta(minutes=m))
            for m in (30, 20)
        ]
    worker.run(NOW)
    assert len(receiver.hits) == 3
    with worker.capture(execute=True):
        count = services.deliveries_replay_since(since=NOW - timedelta(hours=1), now=NOW)
    assert count == 2
    worker.run(NOW + timedelta(minutes=1))
    assert [hit.message_id for hit in receiver.hits[3:]] == [d.message_id for d in later]
    assert first.message_id not in [hit.message_id for hit in receiver.hits[3:]]


def test_statement_ready_is_recorded_once_a_month_for_the_agency(settings, queue):
    agent = AgentFactory()
    endpoint, _secret = services.endpoint_create(
        agency=agent.agency,
        url="https://hooks.example.org/in",
        events=[Event.STATEMENT_READY],
        actor=agent,
        now=aware(2030, 2, 10, 12, 0),
    )
    late, _secret = services.endpoint_create(
        agency=agent.agency,
        url="https://hooks.example.org/late",
        events=[Event.STATEMENT_READY],
        actor=agent,
        now=aware(2030, 3, 1, 0, 30),
    )
    assert sweeps.statements_ready(now=aware(2030, 2, 28, 23, 59)) == 0  # January: before it
    assert sweeps.statements_ready(now=aware(2030, 3, 1, 0, 5)) == 1
    assert sweeps.statements_ready(now=aware(2030, 3, 1, 1, 5)) == 0  # once
    (row,) = Delivery.objects.filter(event=Event.STATEMENT_READY)
    assert row.endpoint == endpoint
    assert row.payload["data"]["month"] == "2030-02"
    assert row.payload["data"]["total"] == "0.00"
    assert row.payload["timestamp"] == "2030-03-01T00:00:00Z"
    assert not Delivery.objects.filter(endpoint=late).exists()


def test_an_endpoint_of_another_agency_hears_nothing_of_the_call(
    receiver, worker, django_capture_on_commit_callbacks
):
    other = AgentFactory()
    endpoint_for(receiver, agency=other.agency)
    with django_capture_on_commit_callbacks(execute=True):
        book(now=NOW)
    assert not Delivery.objects.exists()
    assert Endpoint.objects.count() == 1


def test_an_endpoint_deleted_while_its_delivery_is_in_flight_logs_nothing(monkeypatch, queue):
    from webhooks import sender

    endpoint, _secret = services.endpoint_create(
        agency=None, url="https://hooks.example.org/in", events=[Event.CALL_MISSED], actor=None
    )
    row = services.endpoint_test_send(endpoint=endpoint, now=NOW)

    def post(**kwargs):
        services.endpoint_delete(endpoint=endpoint)  # someone deletes it meanwhile
        return sender.Answer(status_code=200, error="", excerpt="", duration_ms=5)

    monkeypatch.setattr(sender, "post", post)
    assert delivery.delivery_send(delivery_id=row.pk, now=NOW).outcome == "gone"
    assert not Attempt.objects.exists() and not Delivery.objects.exists()
