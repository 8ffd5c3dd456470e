"""Celery tasks: thin doors into the retention purge."""

from __future__ import annotations

from celery import shared_task

from . import retention


@shared_task(name="recordings.purge", acks_late=True)
def purge() -> int:
    """Shred what has outlived its retention (daily, from beat). Safe to run twice."""
    return len(retention.recordings_purge().purged)
