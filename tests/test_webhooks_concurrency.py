"""Two senders at the same moment never both send one delivery (PostgreSQL, real locks).

Two threads, each with its own database connection, run `delivery_send` for
the same delivery at once, as two workers would when the broker hands a task
out twice. The receiver is slow, so the second sender certainly arrives while
the first is sending; the row's claim (taken under a row lock, SKIP LOCKED,
and committed before sending) turns it away.
"""

import pytest

from webhooks import delivery, services, tasks
from webhooks.models import Attempt, DeliveryStatus

from .concurrency import run_concurrently
from .webhook_receiver import Receiver, serve

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_senders_at_once_send_each_delivery_once(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: None)
    receiver = Receiver(delay=0.3)
    server = serve(receiver)
    try:
        endpoint, receiver.secret = services.endpoint_create(
            agency=None, url=receiver.url, events=["call.missed"], actor=None
        )
        rows = [services.endpoint_test_send(endpoint=endpoint) for _ in range(4)]
        for row in rows:

            def send(pk=row.pk):
                return delivery.delivery_send(delivery_id=pk).outcome

            outcomes = run_concurrently(send, send)
            assert sorted(outcomes) in (["busy", "sent"], ["done", "sent"]), outcomes
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(hit.message_id for hit in receiver.hits) == sorted(r.message_id for r in rows)
    assert all(hit.verified for hit in receiver.hits)
    assert Attempt.objects.count() == 4
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
