"""Idempotency-Key on API POSTs: claim a key before the request runs, keep its
answer, replay it, purge old keys.

One mechanism for every API POST (common.api.ApiView calls `claim_for` after
authentication, then runs the handler in one transaction that locks the claim
(`keyed_request_lock`) and keeps the answer (`record`) before it commits): the
first request with a key claims it (a unique row per person and key, committed
before the view runs); a repeat after the answer gets that answer again; a
repeat while the first still runs gets 409; the same key with a different
request (method, path, body) gets 422. The work and the kept answer commit
together, so a connection lost after the commit still leaves the answer for a
repeat; a claim whose request died before committing (a killed process, a lost
connection) did nothing and is taken over after IDEMPOTENCY_STALE_SECONDS.
Rows are kept IDEMPOTENCY_KEEP_HOURS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from .errors import Conflict, DomainError
from .models import KeyedRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


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
        # The first request looks dead. Its answer commits with its work, under
        # this row's lock (`keyed_request_lock`): waiting for the lock, then
        # reading the row again, tells a request that is still committing
        # from one that died (its work rolled back with it).
        with transaction.atomic():
            row = KeyedRequest.objects.select_for_update().get(pk=row.pk)
            if row.state == KeyedRequest.State.DONE:
                return Claim(row=row, replay=True)
            if row.started_at < stale_before:
                row.started_at = now
                row.save(update_fields=["started_at"])
                return Claim(row=row, replay=False)
    raise Conflict(
        "idempotency_key_in_use",
        _("A request with this Idempotency-Key is still being handled; retry in a moment."),
    )


def keyed_request_lock(*, row: KeyedRequest) -> None:
    """Inside the transaction that does the claimed request's work: lock the
    claim, so the work and its kept answer (`keyed_request_finish`) commit
    together, and make sure no repeat took the claim over meanwhile."""
    locked = KeyedRequest.objects.select_for_update().filter(pk=row.pk).first()
    if (
        locked is None
        or locked.state != KeyedRequest.State.RUNNING
        or locked.started_at != row.started_at
    ):
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


# --- the HTTP side -------------------------------------------------------------


class ReplayAnswer(Exception):
    """Raised before the view runs, when the key's first answer is known."""

    def __init__(self, response: HttpResponse):
        super().__init__("replay")
        self.response = response


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]}
        )
    return key


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type.startswith("multipart/"):
        # An upload is streamed, not held whole: fingerprint what it carried.
        data = request.data
        fields = {
            name: [(v.name, v.size) if hasattr(v, "size") else str(v) for v in data.getlist(name)]
            for name in data
        }
        digest.update(json.dumps(fields, sort_keys=True).encode())
    else:
        digest.update(request._request.body)
    return digest.hexdigest()


def claim_for(request):
    """None (no key, or nobody to scope it to), the claim to run, or ReplayAnswer."""
    key = _key(request)
    user = request.user
    if key is None or not (user and user.is_authenticated):
        return None
    claim = keyed_request_claim(
        user=user, key=key, fingerprint=_fingerprint(request), now=timezone.now()
    )
    if claim.replay:
        row = claim.row
        response = HttpResponse(
            bytes(row.body), status=row.status_code, content_type=row.content_type or None
        )
        response[REPLAY_HEADER] = "true"
        raise ReplayAnswer(response)
    return claim


def record(claim, response) -> None:
    """Keep the answer to a claimed request; forget the claim after a server error."""
    if response.status_code >= 500:
        keyed_request_release(row=claim.row)
        return
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    keyed_request_finish(
        row=claim.row,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )
