"""Celery tasks: thin wrappers that take ids and call the services and sweeps."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services, sweep_lock, sweeps


@shared_task(name="notifications.deliver", acks_late=True, soft_time_limit=120, time_limit=150)
def deliver(notification_id: int) -> str:
    """Send one outbox row. Safe to run twice: the row decides, not the broker."""
    result = services.notification_deliver(notification_id=notification_id)
    if result.retry_in is not None:
        deliver.apply_async(args=[notification_id], countdown=result.retry_in)
    return result.outcome


@shared_task(name="notifications.sweep_due", acks_late=True)
def sweep_due() -> dict:
    """Once per tick and one at a time, however many beats and workers (sweep_lock)."""
    now = timezone.now()
    if not sweep_lock.first_of_tick("sweep_due", now, settings.NOTIFY_SWEEP_EVERY_SECONDS):
        return {"skipped": "this tick was swept"}
    with sweep_lock.exclusive("sweep_due") as mine:
        if not mine:
            return {"skipped": "another sweep is running"}
        return sweeps.sweep_due(now=now)


@shared_task(name="notifications.requeue_stuck", acks_late=True)
def requeue_stuck() -> int:
    # Safe at once anyway (rows claimed with SKIP LOCKED); the lock saves the work.
    with sweep_lock.exclusive("requeue_stuck") as mine:
        return sweeps.requeue_stuck() if mine else 0
