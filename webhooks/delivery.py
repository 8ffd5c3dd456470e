"""Sending one delivery: claim, commit, send, log and mark. The row is the truth.

As for the notifications outbox (README "Reminders and escalations"), a
task only names the row. `delivery_send` claims it under a row lock (`SKIP
LOCKED`: a second worker at the same moment walks away) and commits the
claim (`claimed_until`), sends with no lock or transaction held, then logs
the try and marks the row in one transaction. A task handed out twice finds
the row claimed or sent; a worker killed between claim and mark leaves the
row pending with a claim that lapses, and the sweep queues it again (the
copy has the same webhook-id, so the receiver can drop it).

Order per call: a delivery waits while an earlier delivery of the same call to
the same endpoint is pending, and the earlier one queues the next when it is
done (delivered, or given up).

Back-off: WEBHOOKS_RETRY_BASE_SECONDS doubled after each failed try, at most
WEBHOOKS_RETRY_MAX_SECONDS, for WEBHOOKS_RETRY_HOURS from when the delivery
was recorded (or replayed); then it fails. An endpoint with no successful try
for WEBHOOKS_DISABLE_AFTER_HOURS while its tries failed is disabled and its
owner told (services.endpoint_disable).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import secrets, sender
from .models import Attempt, Delivery, DeliveryStatus, Endpoint
from .services import deliveries_enqueue, endpoint_disable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    # "sent", "retry", "failed", "waiting" (an earlier one of its call first),
    # "not_due", "busy" (being sent elsewhere), "done" (not pending), "gone"
    outcome: str
    retry_in: int | None = None


def retry_delay(attempts: int) -> int:
    """Seconds to wait after `attempts` failed tries: base, 2x, 4x, ... at most the cap."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS)


def body_of(delivery: Delivery) -> str:
    """The exact text signed and sent (compact JSON, UTF-8)."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))


def claim_seconds() -> int:
    # Longer than the slowest try can take (connect, send, read, each with the timeout).
    return settings.WEBHOOKS_TIMEOUT_SECONDS * 4 + 10


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> Sent:
    now = now or timezone.now()
    claimed = _claim(delivery_id, now=now)
    if isinstance(claimed, Sent):
        return claimed
    delivery, endpoint, secret = claimed
    answer = sender.post(
        url=endpoint.url,
        secret=secret,
        message_id=delivery.message_id,
        at=now,
        body=body_of(delivery),
    )
    return _mark(delivery, endpoint, answer, now=now)


def _claim(delivery_id: int, *, now: datetime):
    with transaction.atomic():
        row = Delivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if row is None:
            return Sent("busy" if Delivery.objects.filter(pk=delivery_id).exists() else "gone")
        if row.status != DeliveryStatus.PENDING:
            return Sent("done")
        if row.claimed_until is not None and row.claimed_until > now:
            return Sent("busy")
        if row.next_attempt_at > now:
            return Sent("not_due", retry_in=int((row.next_attempt_at - now).total_seconds()) + 1)
        endpoint = Endpoint.objects.get(pk=row.endpoint_id)
        if not endpoint.is_active:
            row.status, row.last_error = DeliveryStatus.FAILED, "endpoint disabled"
            row.save(update_fields=["status", "last_error"])
            return Sent("done")
        earlier = _earlier_pending(row)
        if earlier is not None:
            # Comes round again when the earlier one is done (it queues this one)
            # or, at the latest, when the earlier one is due again (the sweep).
            row.next_attempt_at = max(earlier.next_attempt_at, now)
            row.save(update_fields=["next_attempt_at"])
            return Sent("waiting")
        if row.claimed_until is not None:
            logger.warning("webhook delivery %s: a worker died sending it; sending again", row.pk)
        row.attempts += 1
        row.claimed_until = now + timedelta(seconds=claim_seconds())
        row.save(update_fields=["attempts", "claimed_until"])
    return row, endpoint, secrets.unseal(endpoint.secret_sealed)


def _earlier_pending(row: Delivery) -> Delivery | None:
    if not row.call_key:
        return None
    return (
        Delivery.objects.filter(
            endpoint_id=row.endpoint_id,
            call_key=row.call_key,
            status=DeliveryStatus.PENDING,
            pk__lt=row.pk,
        )
        .order_by("pk")
        .first()
    )


def _next_of_call(row: Delivery) -> None:
    """Queue the delivery of the same call that waited for this one."""
    if not row.call_key:
        return
    following = (
        Delivery.objects.filter(
            endpoint_id=row.endpoint_id,
            call_key=row.call_key,
            status=DeliveryStatus.PENDING,
            pk__gt=row.pk,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        Delivery.objects.filter(pk=following).update(next_attempt_at=row.next_attempt_at)
        deliveries_enqueue([following])


def _mark(delivery: Delivery, endpoint: Endpoint, answer: sender.Answer, *, now: datetime) -> Sent:
    error = answer.error or (f"HTTP {answer.status_code}" if not answer.ok else "")
    disable = False
    with transaction.atomic():
        # Locked while logged and marked: an endpoint deleted meanwhile took its
        # deliveries with it, and a delete now waits for this.
        if not Delivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            return Sent("gone")
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=answer.status_code,
            error=answer.error,
            response_excerpt=answer.excerpt,
            duration_ms=answer.duration_ms,
        )
        pending = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        if answer.ok:
            pending.update(
                status=DeliveryStatus.SENT, sent_at=now, claimed_until=None, last_error=""
            )
            Endpoint.objects.filter(pk=endpoint.pk).exclude(failing_since=None).update(
                failing_since=None
            )
            delivery.next_attempt_at = now
            _next_of_call(delivery)
            logger.info("webhook delivery %s sent", delivery.pk)
            return Sent("sent")
        Endpoint.objects.filter(pk=endpoint.pk, failing_since=None).update(failing_since=now)
        failing_since = (
            Endpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True).first()
        )
        disable = failing_since is not None and now - failing_since >= timedelta(
            hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS
        )
        given_up = now - delivery.retry_from >= timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)
        if given_up or disable:
            pending.update(status=DeliveryStatus.FAILED, claimed_until=None, last_error=error)
            delivery.next_attempt_at = now
            _next_of_call(delivery)
            outcome = Sent("failed")
        else:
            delay = retry_delay(delivery.attempts)
            pending.update(
                next_attempt_at=now + timedelta(seconds=delay), claimed_until=None, last_error=error
            )
            outcome = Sent("retry", retry_in=delay)
    if disable:
        hours = settings.WEBHOOKS_DISABLE_AFTER_HOURS
        endpoint_disable(
            endpoint=endpoint,
            reason=f"no successful delivery for {hours} hours (last: {error})",
            now=now,
        )
    logger.info("webhook delivery %s: try %s %s", delivery.pk, delivery.attempts, outcome.outcome)
    return outcome


def deliveries_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Queue the pending deliveries that are due (retries, waiting ones, those a
    lost task or a dead worker left). Rows being claimed right now are skipped."""
    now = now or timezone.now()
    total = 0
    last = 0
    while True:
        ids = list(
            Delivery.objects.filter(
                status=DeliveryStatus.PENDING, next_attempt_at__lte=now, pk__gt=last
            )
            .exclude(claimed_until__gt=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        with transaction.atomic():
            deliveries_enqueue(ids)
        total += len(ids)
        last = ids[-1]
