"""Claim a key before the request runs, record its answer after, purge old keys.

One mechanism for every API POST (common.api.ApiView calls it): the first
request with a key claims it (a unique row per person and key, committed
before the view runs); a repeat after the answer gets that answer again; a
repeat while the first still runs gets 409; the same key with a different
request gets 422. A claim whose request died (a killed process) is taken
over after IDEMPOTENCY_STALE_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import Conflict, DomainError

from .models import KeyedRequest


class KeyReused(DomainError):
    """The key was first used for a different request."""

    status_code = 422


@dataclass(frozen=True)
class Claim:
    """`row` is ours to run (replay is None), or holds the first answer (replay is the row)."""

    row: KeyedRequest
    replay: bool


def keyed_request_claim(*, user, key: str, fingerprint: str, now: datetime) -> Claim:
    with transaction.atomic():
        row, created = KeyedRequest.objects.get_or_create(
            user=user, key=key, defaults={"fingerprint": fingerprint, "started_at": now}
        )
    if created:
        return Claim(row=row, replay=False)
    if row.fingerprint != fingerprint:
        raise KeyReused(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request; use a new key."),
        )
    if row.state == KeyedRequest.State.DONE:
        return Claim(row=row, replay=True)
    stale_before = now - timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)
    if row.started_at < stale_before:
        # The first request died without an answer: this one runs instead,
        # unless another repeat took it over a moment ago.
        taken = KeyedRequest.objects.filter(
            pk=row.pk, state=KeyedRequest.State.RUNNING, started_at=row.started_at
        ).update(started_at=now)
        if taken:
            row.started_at = now
            return Claim(row=row, replay=False)
    raise Conflict(
        "idempotency_key_in_use",
        _("A request with this Idempotency-Key is still being handled; retry in a moment."),
    )


def keyed_request_finish(*, row: KeyedRequest, status_code: int, content_type: str, body: bytes):
    """Keep the answer, for repeats of the key."""
    KeyedRequest.objects.filter(pk=row.pk).update(
        state=KeyedRequest.State.DONE,
        status_code=status_code,
        content_type=content_type[:100],
        body=body,
    )


def keyed_request_release(*, row: KeyedRequest) -> None:
    """Forget a claim whose request failed with a server error: a repeat may run it."""
    KeyedRequest.objects.filter(pk=row.pk, state=KeyedRequest.State.RUNNING).delete()


def keyed_requests_purge(*, now: datetime) -> int:
    """Delete keys older than IDEMPOTENCY_KEEP_HOURS; returns how many."""
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _ = KeyedRequest.objects.filter(started_at__lt=cutoff).delete()
    return deleted
