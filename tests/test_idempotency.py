"""Idempotency-Key on API POSTs: a retried request acts once and gets the
first answer; the key is the person's own, refused for another request, and
purged after the keeping time. The concurrency promise on PostgreSQL."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.selectors import client_held
from calls.models import Call
from common.idempotency import keyed_requests_purge
from common.models import KeyedRequest

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .concurrency import run_concurrently
from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import CLIENT_WINDOWS, fund_client

ORDER = {
    "member": "M-9001",
    "kind": "phone_interpreted",
    "planned_minutes": 30,
    "windows": CLIENT_WINDOWS,
}


@pytest.fixture
def client_with_credit():
    member = MemberFactory(reference="M-9001")
    AgentFactory(agency=member.agency)
    client = ClientFactory()
    fund_client(client, Decimal("500.00"))
    return client


def _book(api, key, body=ORDER):
    return api.post("/api/v1/calls/", body, HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retry_with_the_same_key_gets_the_first_answer_and_books_once(client_with_credit):
    api = api_as(client_with_credit)
    key = str(uuid.uuid4())
    first, again = _book(api, key), _book(api, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Call.objects.filter(client=client_with_credit).count() == 1
    assert client_held(client_with_credit) == Decimal("54.00")


@pytest.mark.django_db
def test_without_a_key_each_post_acts(client_with_credit):
    api = api_as(client_with_credit)
    assert api.post("/api/v1/calls/", ORDER).status_code == 201
    assert api.post("/api/v1/calls/", ORDER).status_code == 201
    assert Call.objects.filter(client=client_with_credit).count() == 2


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422(client_with_credit):
    api = api_as(client_with_credit)
    key = str(uuid.uuid4())
    assert _book(api, key).status_code == 201
    other = _book(api, key, {**ORDER, "planned_minutes": 45})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Call.objects.filter(client=client_with_credit).count() == 1


@pytest.mark.django_db
def test_a_key_is_the_persons_own(client_with_credit):
    other = ClientFactory()
    fund_client(other, Decimal("500.00"))
    key = str(uuid.uuid4())
    assert _book(api_as(client_with_credit), key).status_code == 201
    theirs = _book(api_as(other), key)
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert Call.objects.filter(client=other).count() == 1


@pytest.mark.django_db
def test_a_refusal_is_replayed_and_a_running_key_of_another_request_is_a_422(
    client_with_credit,
):
    api = api_as(client_with_credit)
    key = str(uuid.uuid4())
    refused = _book(api, key, {**ORDER, "member": "NOPE"})
    assert refused.status_code == 400
    assert _book(api, key, {**ORDER, "member": "NOPE"}).json() == refused.json()
    running = str(uuid.uuid4())
    KeyedRequest.objects.create(
        user=client_with_credit, key=running, fingerprint="x" * 64, started_at=timezone.now()
    )
    # The fingerprint differs: 422 wins over "running" (the key is not this request's).
    assert _book(api, running).status_code == 422


@pytest.mark.django_db
def test_a_repeat_while_the_first_still_runs_is_a_409_then_a_dead_claim_is_taken_over(
    client_with_credit, monkeypatch
):
    api = api_as(client_with_credit)
    key = str(uuid.uuid4())
    captured = {}
    from common import idempotency

    real_claim = idempotency.keyed_request_claim

    def claim_and_remember(**kwargs):
        captured["fingerprint"] = kwargs["fingerprint"]
        return real_claim(**kwargs)

    monkeypatch.setattr(idempotency, "keyed_request_claim", claim_and_remember)
    assert _book(api, "probe").status_code == 201
    fingerprint = captured["fingerprint"]
    # Same request, other key: fingerprints include the path and body, not the key.
    row = KeyedRequest.objects.create(
        user=client_with_credit, key=key, fingerprint=fingerprint, started_at=timezone.now()
    )
    busy = _book(api, key)
    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_key_in_use"
    KeyedRequest.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=10))
    assert _book(api, key).status_code == 201
    assert Call.objects.filter(client=client_with_credit).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ"])
def test_a_malformed_key_is_a_400(client_with_credit, key):
    answer = _book(api_as(client_with_credit), key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["errors"]
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_keys_are_kept_a_day_at_least_then_purged(client_with_credit, settings):
    settings.IDEMPOTENCY_KEEP_HOURS = 24
    now = timezone.now()
    for hours, key in ((23, "young"), (25, "old")):
        KeyedRequest.objects.create(
            user=client_with_credit,
            key=key,
            fingerprint="f",
            started_at=now - timedelta(hours=hours),
        )
    assert keyed_requests_purge(now=now) == 1
    assert list(KeyedRequest.objects.values_list("key", flat=True)) == ["young"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_retries_with_one_key_book_once(client_with_credit):
    key = str(uuid.uuid4())
    api = api_as(client_with_credit)
    token = api._credentials["HTTP_AUTHORIZATION"]

    def retry():
        from rest_framework.test import APIClient

        own = APIClient()
        own.credentials(HTTP_AUTHORIZATION=token)
        answer = _book(own, key)
        return answer.status_code, answer.json().get("id")

    results = run_concurrently(*[retry] * 20)
    assert not [r for r in results if isinstance(r, BaseException)], results
    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert len({call_id for status, call_id in results if status == 201}) == 1
    assert Call.objects.filter(client=client_with_credit).count() == 1
    assert client_held(client_with_credit) == Decimal("54.00")
    # Once the first has answered, every repeat gets that answer.
    assert _book(api, key).json()["id"] == next(i for s, i in results if s == 201)


def _kill_this_connection():
    """Terminate this thread's database connection from a second one (the way a
    failover, a restart or an idle-timeout drops it)."""
    import psycopg2
    from django.db import connection

    backend_pid = connection.connection.get_backend_pid()
    killer = psycopg2.connect(**connection.get_connection_params())
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        killer.commit()
    finally:
        killer.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_after_the_booking_committed_still_replays_the_first_call(
    client_with_credit, monkeypatch, settings
):
    """Issue 25 item 2: the booking commits, then the connection dies before the
    answer is kept; a retry (even after IDEMPOTENCY_STALE_SECONDS) must get the
    first call, not book and hold a second one."""
    import time_machine
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from calls import services

    real_create = services.call_request_create

    def create_then_die_after_commit(**kwargs):
        call = real_create(**kwargs)
        # Runs right after the transaction that holds the booking commits.
        transaction.on_commit(_kill_this_connection)
        return call

    monkeypatch.setattr(services, "call_request_create", create_then_die_after_commit)
    token = api_as(client_with_credit)._credentials["HTTP_AUTHORIZATION"]
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=token)
    key = str(uuid.uuid4())
    first = _book(api, key)
    connection.close()  # the test's own connection was the killed one
    monkeypatch.setattr(services, "call_request_create", real_create)
    booked = list(
        Call.objects.filter(client=client_with_credit).values_list("public_id", flat=True)
    )
    assert len(booked) == 1, first.status_code

    for later in (timedelta(seconds=1), timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS + 60)):
        with time_machine.travel(timezone.now() + later, tick=False):
            again = _book(api, key)
        assert again.status_code == 201, again.content
        assert again.json()["id"] == str(booked[0])
        assert again["Idempotent-Replayed"] == "true"
    assert Call.objects.filter(client=client_with_credit).count() == 1
    assert client_held(client_with_credit) == Decimal("54.00")
