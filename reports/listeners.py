"""Records what the reports need as it happens (connected in ReportsConfig.ready)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from .models import UNMET_REASONS, UnmetSearch

logger = logging.getLogger(__name__)


def record_unmet_search(sender, *, call_id: int, languages, reason: str, at, **kwargs) -> None:
    """One row per call, language and reason; a repeated search moves `last_at` only.

    A search is a read: failing to record it must never fail the search, so
    the write has its own savepoint and a failure is logged (no personal data).
    """
    if reason not in UNMET_REASONS:
        return
    rows = [
        UnmetSearch(call_id=call_id, language=code, reason=reason, first_at=at, last_at=at)
        for code in (sorted(set(languages)) or [""])
    ]
    try:
        with transaction.atomic():
            UnmetSearch.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["call_id", "language", "reason"],
                update_fields=["last_at"],
            )
    except DatabaseError:
        logger.exception("could not record an unmet slot search for call %s", call_id)
