"""Celery tasks: thin wrappers that take ids and call the services and sweeps."""

from __future__ import annotations

from celery import shared_task

from . import services, sweeps


@shared_task(name="notifications.deliver", acks_late=True, soft_time_limit=120, time_limit=150)
def deliver(notification_id: int) -> str:
    """Send one outbox row. Safe to run twice: the row decides, not the broker."""
    result = services.notification_deliver(notification_id=notification_id)
    if result.retry_in is not None:
        deliver.apply_async(args=[notification_id], countdown=result.retry_in)
    return result.outcome


@shared_task(name="notifications.sweep_due", acks_late=True)
def sweep_due() -> dict:
    return sweeps.sweep_due()


@shared_task(name="notifications.requeue_stuck", acks_late=True)
def requeue_stuck() -> int:
    return sweeps.requeue_stuck()
