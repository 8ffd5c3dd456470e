"""Writes for calendar feeds: make (or make anew) and revoke a person's feed token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import CalendarFeed


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_make(*, person: User, now: datetime | None = None) -> str:
    """A new secret token for `person`'s feed, returned once (only its digest is
    kept); any earlier token stops working in the same transaction."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            person=person,
            defaults={"digest": token_digest(token), "created_at": now or timezone.now()},
        )
    return token


def calendar_feed_revoke(*, person: User) -> bool:
    """Stop `person`'s feed; True if there was one."""
    deleted, _ = CalendarFeed.objects.filter(person=person).delete()
    return bool(deleted)
