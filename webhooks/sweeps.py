"""What beat runs for webhooks: queue due deliveries, record monthly statements.

`statement.ready` has no change to hang on: a month's statement is ready when
the month (UTC, as statements count) is over. Each agency endpoint that wants
it gets one event per month that ended after it was registered, with a
message id derived from the endpoint and the month, so running the sweep
twice (or two at once) records it once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.utils import timezone

from billing.statements import agent_statement

from . import payloads
from .delivery import deliveries_due
from .models import Delivery, Endpoint, Event
from .services import deliveries_insert


def last_closed_month(now: datetime) -> tuple[int, int, datetime]:
    """(year, month, its end) of the latest month over at `now`, in UTC."""
    now = now.astimezone(UTC)
    end = datetime(now.year, now.month, 1, tzinfo=UTC)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return year, month, end


def statement_message_id(endpoint: Endpoint, year: int, month: int) -> str:
    name = f"statement.ready:{endpoint.public_id}:{year:04d}-{month:02d}"
    return f"msg_{uuid.uuid5(uuid.NAMESPACE_URL, name).hex}"


def statements_ready(*, now: datetime | None = None) -> int:
    """Record `statement.ready` for last month where it is not recorded yet."""
    now = now or timezone.now()
    year, month, end = last_closed_month(now)
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(
            is_active=True, agency__isnull=False, created_at__lt=end
        ).order_by("pk")
        if endpoint.wants(Event.STATEMENT_READY)
    ]
    wanted = {statement_message_id(endpoint, year, month): endpoint for endpoint in endpoints}
    known = set(Delivery.objects.filter(message_id__in=wanted).values_list("message_id", flat=True))
    rows = []
    statements = {}
    for message_id, endpoint in wanted.items():
        if message_id in known:
            continue
        if endpoint.agency_id not in statements:
            statements[endpoint.agency_id] = agent_statement(
                agency_id=endpoint.agency_id, year=year, month=month
            )
        statement = statements[endpoint.agency_id]
        data = {
            "month": f"{year:04d}-{month:02d}",
            "calls": statement.calls,
            "member_unreachable": statement.member_unreachable,
            "billed_minutes": statement.billed_minutes,
            "commission": f"{statement.commission:.2f}",
            "adjustments": f"{statement.adjustments:.2f}",
            "total": f"{statement.total:.2f}",
            "currency": "credits",
            "url": payloads.statement_url(year, month),
        }
        rows.append(
            Delivery(
                endpoint=endpoint,
                message_id=message_id,
                event=Event.STATEMENT_READY,
                payload=payloads.envelope(
                    event=Event.STATEMENT_READY, message_id=message_id, at=end, data=data
                ),
                call_key="",
                next_attempt_at=now,
                retry_from=now,
                created_at=now,
            )
        )
    return len(deliveries_insert(rows, ignore_conflicts=True)) if rows else 0


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {"statements": statements_ready(now=now), "queued": deliveries_due(now=now)}
