"""Hourly purge of old Idempotency-Keys (beat: config/settings.py)."""

from celery import shared_task
from django.utils import timezone

from . import idempotency


@shared_task(name="idempotency.purge", acks_late=True)
def purge_idempotency_keys() -> int:
    return idempotency.keyed_requests_purge(now=timezone.now())
