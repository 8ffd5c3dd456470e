"""Writes for webhooks: endpoints (register, new secret, disable, enable, delete),
recording events in the outbox, replays and test events.

Recording happens in the transaction of the change (webhooks/receivers.py
calls `events_record` from the workflow's announcements): a delivery exists
exactly when its cause committed, and is queued for sending after commit.
Sending is webhooks/delivery.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import agency_agents
from agents.models import Agency
from common.errors import Conflict, DomainError
from notifications.channels import address_for
from notifications.models import OperatorTaskKind
from notifications.services import (
    operator_task_open,
    outbox_record,
    outbox_row,
    render_message,
)

from . import payloads, secrets
from .guard import url_check
from .models import TEST_EVENT, Delivery, DeliveryStatus, Endpoint, Event

logger = logging.getLogger(__name__)

MAX_ENDPOINTS_PER_OWNER = 10


def message_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


# --- endpoints -------------------------------------------------------------------


def _events_checked(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(event) for event in events or []))
    unknown = [event for event in chosen if event not in Event.values]
    if unknown or not chosen:
        raise DomainError(
            "bad_events",
            _("Choose one or more of the events listed.")
            if not unknown
            else _("Unknown event: %(event)s.") % {"event": unknown[0][:40]},
            field="events",
        )
    # In the documented order, whatever order they came in.
    return [event for event in Event.values if event in chosen]


def _description_checked(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise DomainError(
            "too_long", _("Too long (at most %(max)d characters).") % {"max": 200}, "description"
        )
    return description


def endpoint_create(
    *,
    agency: Agency | None,
    url: str,
    events: Iterable[str],
    description: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> tuple[Endpoint, str]:
    """Register an endpoint of `agency` (None: the office's own). Returns it and
    its secret, which is shown this once and never again."""
    now = now or timezone.now()
    url = url_check(url)
    events = _events_checked(events)
    description = _description_checked(description)
    if Endpoint.objects.filter(agency=agency).count() >= MAX_ENDPOINTS_PER_OWNER:
        raise Conflict(
            "too_many",
            _("At most %(max)d endpoints: delete one first.") % {"max": MAX_ENDPOINTS_PER_OWNER},
        )
    secret = secrets.secret_new()
    endpoint = Endpoint.objects.create(
        agency=agency,
        url=url,
        events=events,
        description=description,
        secret_sealed=secrets.seal(secret),
        secret_hint=secrets.secret_hint(secret),
        secret_changed_at=now,
        created_by=actor,
        created_at=now,
    )
    return endpoint, secret


def endpoint_update(
    *, endpoint: Endpoint, url: str, events: Iterable[str], description: str = ""
) -> Endpoint:
    """Change where and what is sent; the secret stays."""
    endpoint.url = url_check(url)
    endpoint.events = _events_checked(events)
    endpoint.description = _description_checked(description)
    endpoint.save(update_fields=["url", "events", "description"])
    return endpoint


def endpoint_secret_rotate(*, endpoint: Endpoint, now: datetime | None = None) -> str:
    """A new secret, shown once; it signs every try from now on (also retries
    of deliveries recorded before)."""
    now = now or timezone.now()
    secret = secrets.secret_new()
    Endpoint.objects.filter(pk=endpoint.pk).update(
        secret_sealed=secrets.seal(secret),
        secret_hint=secrets.secret_hint(secret),
        secret_changed_at=now,
    )
    endpoint.refresh_from_db()
    return secret


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Gone with its deliveries and their log (tries in flight find no row)."""
    Endpoint.objects.filter(pk=endpoint.pk).delete()


def endpoint_enable(*, endpoint: Endpoint) -> Endpoint:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_reason="", disabled_at=None, failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


def endpoint_disable(*, endpoint: Endpoint, reason: str, now: datetime | None = None) -> bool:
    """Stop sending to the endpoint: its waiting deliveries fail (an operator can
    replay them once it works again), and its owner is told: the agency's
    agents by email through the notifications outbox, the office by an
    operator task. False if it was disabled already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        if locked is None or not locked.is_active:
            return False
        locked.is_active = False
        locked.disabled_reason = reason[:300]
        locked.disabled_at = now
        locked.save(update_fields=["is_active", "disabled_reason", "disabled_at"])
        locked.deliveries.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, claimed_until=None, last_error="endpoint disabled"
        )
        _disabled_tell(locked, now=now)
    endpoint.refresh_from_db()
    logger.warning("webhook endpoint %s disabled", endpoint.pk)
    return True


def _page_url() -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse("agent-webhooks")
    except NoReverseMatch:  # a test URLconf without the pages
        return ""


def _disabled_tell(endpoint: Endpoint, *, now: datetime) -> None:
    scope = f"w{endpoint.pk}.{int(endpoint.disabled_at.timestamp())}"
    if endpoint.agency_id is None:
        with translation.override(settings.LANGUAGE_CODE):
            summary = _(
                "The office's webhook endpoint %(url)s was disabled: %(reason)s. "
                "Fix the receiver, enable it, then replay its deliveries."
            ) % {"url": endpoint.url, "reason": endpoint.disabled_reason}
        operator_task_open(
            kind=OperatorTaskKind.DELIVERY_FAILED,
            key=f"webhook_disabled:{scope}",
            summary=summary,
            now=now,
        )
        return
    rows = []
    for agent in agency_agents(endpoint.agency_id):
        address = address_for(agent, "email")
        if not address:
            continue
        message = render_message(
            template="webhook_endpoint_disabled",
            recipient=agent,
            context={
                "endpoint": endpoint,
                "hours": settings.WEBHOOKS_DISABLE_AFTER_HOURS,
                "webhooks_page": _page_url(),
            },
            now=now,
        )
        rows.append(
            outbox_row(
                kind="webhook_disabled",
                scope=scope,
                channel="email",
                recipient=agent,
                address=address,
                call=None,
                session=None,
                now=now,
                subject=message.subject,
                body=message.body,
                html=message.html,
            )
        )
    outbox_record(rows)


# --- recording events ------------------------------------------------------------


def endpoints_for(event: str, *, agency_id: int | None) -> list[Endpoint]:
    """The active endpoints that want `event` about a call of `agency_id`'s member
    (the agency's own and the office's; None: the office's only)."""
    owners = Q(agency__isnull=True)
    if agency_id is not None:
        owners |= Q(agency_id=agency_id)
    return [
        endpoint
        for endpoint in Endpoint.objects.filter(owners, is_active=True).order_by("pk")
        if endpoint.wants(event)
    ]


def events_record(
    *,
    event: str,
    agency_id: int | None,
    call_key: str,
    at: datetime,
    data_for: Callable[[Endpoint], dict],
    endpoints: list[Endpoint] | None = None,
) -> list[int]:
    """Record `event` for every endpoint that wants it, each with its own data
    (`data_for(endpoint)`), and queue them after commit. Returns the ids."""
    endpoints = endpoints_for(event, agency_id=agency_id) if endpoints is None else endpoints
    rows = []
    for endpoint in endpoints:
        message_id = message_id_new()
        rows.append(
            Delivery(
                endpoint=endpoint,
                message_id=message_id,
                event=event,
                payload=payloads.envelope(
                    event=event, message_id=message_id, at=at, data=data_for(endpoint)
                ),
                call_key=call_key,
                next_attempt_at=at,
                retry_from=at,
                created_at=at,
            )
        )
    return deliveries_insert(rows)


def deliveries_insert(rows: list[Delivery], *, ignore_conflicts: bool = False) -> list[int]:
    if not rows:
        return []
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=ignore_conflicts)
        ids = list(
            Delivery.objects.filter(
                message_id__in=[row.message_id for row in rows], status=DeliveryStatus.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        deliveries_enqueue(ids)
    return ids


def deliveries_enqueue(ids) -> None:
    """Queue sending of these rows once the transaction commits. A broker that
    is down loses nothing: the rows stay pending and the sweep queues them."""
    ids = list(ids)
    if not ids:
        return

    def send():
        from . import tasks  # tasks import the delivery module, which imports this one

        for pk in ids:
            try:
                tasks.deliver.delay(pk)
            except Exception:  # noqa: BLE001 - the sweep queues what was not queued
                logger.exception("could not queue webhook delivery %s; the sweep will", pk)

    transaction.on_commit(send)


def endpoint_test_send(*, endpoint: Endpoint, now: datetime | None = None) -> Delivery:
    """A `webhook.test` event for this endpoint alone, whatever it subscribed to."""
    now = now or timezone.now()
    if not endpoint.is_active:
        raise Conflict("endpoint_disabled", _("This endpoint is disabled: enable it first."))
    ids = events_record(
        event=TEST_EVENT,
        agency_id=endpoint.agency_id,
        call_key="",
        at=now,
        data_for=lambda _endpoint: {"message": "This is a test event."},
        endpoints=[endpoint],
    )
    return Delivery.objects.get(pk=ids[0])


# --- replays ---------------------------------------------------------------------


def delivery_replay(*, delivery: Delivery, now: datetime | None = None) -> bool:
    """Send a delivered or failed delivery again (same webhook-id), with a fresh
    retry window. False if it is still waiting to be sent anyway."""
    return deliveries_replay(Delivery.objects.filter(pk=delivery.pk), now=now) == 1


def deliveries_replay(queryset, *, now: datetime | None = None) -> int:
    """Send these deliveries again, in the order they were recorded. Those of a
    disabled endpoint are refused: enable it first."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = queryset.exclude(status=DeliveryStatus.PENDING).select_related("endpoint")
        if rows.filter(endpoint__is_active=False).exists():
            raise Conflict(
                "endpoint_disabled",
                _("An endpoint of these deliveries is disabled: enable it first."),
            )
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            retry_from=now,
            claimed_until=None,
            sent_at=None,
        )
        deliveries_enqueue(ids)
    return len(ids)


def deliveries_replay_since(
    *, since: datetime, endpoint: Endpoint | None = None, now: datetime | None = None
) -> int:
    """Every delivery recorded since `since` (of one endpoint, or of all active ones)."""
    queryset = Delivery.objects.filter(created_at__gte=since)
    if endpoint is not None:
        queryset = queryset.filter(endpoint=endpoint)
    else:
        queryset = queryset.filter(endpoint__is_active=True)
    return deliveries_replay(queryset, now=now)
