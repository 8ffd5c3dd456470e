"""Celery tasks: thin wrappers that take ids and call the delivery and sweeps."""

from __future__ import annotations

from celery import shared_task

from . import delivery, sweeps

# Kept well under Redis's visibility timeout (an hour): a task waiting longer
# for its countdown would be handed out a second time (celery issue 5935).
# Longer waits are the sweep's, which queues what is due each minute.
MAX_COUNTDOWN = 30 * 60


@shared_task(name="webhooks.deliver", acks_late=True, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> str:
    """Send one delivery. Safe to run twice: the row decides, not the broker."""
    result = delivery.delivery_send(delivery_id=delivery_id)
    # Only the try that failed queues the next one: a copy that found the row
    # not yet due leaves it to the sweep, so copies don't multiply.
    if result.outcome == "retry" and result.retry_in <= MAX_COUNTDOWN:
        deliver.apply_async(args=[delivery_id], countdown=result.retry_in)
    return result.outcome


@shared_task(name="webhooks.sweep", acks_late=True)
def sweep() -> dict:
    return sweeps.sweep()
