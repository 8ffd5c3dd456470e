"""Hourly purge of old Idempotency-Keys (beat: config/settings.py)."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="idempotency.purge", acks_late=True)
def purge() -> int:
    return services.keyed_requests_purge(now=timezone.now())
