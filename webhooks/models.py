"""Webhook endpoints, their outbox (deliveries) and the log of every try.

An endpoint belongs to an agency (it hears about calls with members the
agency placed, and its own statements) or to the office (no agency: it hears
about every call). Its secret is a Standard Webhooks secret (`whsec_…`),
shown once and stored sealed, so we can sign with it but the database alone
does not give it away (webhooks/secrets.py).

A delivery is the outbox row of one event for one endpoint: written in the
transaction of the change that causes it (webhooks/receivers.py), sent after
commit by Celery, claimed under a row lock (webhooks/delivery.py). Its
`message_id` is the `webhook-id` header: the same on every try and replay, so
a receiver can drop a copy it has seen.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CALL_REQUESTED = "call.requested", _("Call requested")
    CALL_CONFIRMED = "call.confirmed", _("Call confirmed by the agency")
    CALL_DECLINED = "call.declined", _("Call declined")
    CALL_CANCELLED = "call.cancelled", _("Call cancelled")
    SESSION_SCHEDULED = "session.scheduled", _("Session scheduled")
    SESSION_MOVED = "session.moved", _("Session moved")
    SESSION_CANCELLED = "session.cancelled", _("Session cancelled")
    SESSION_STARTED = "session.started", _("Session started")
    SESSION_ENDED = "session.ended", _("Session ended")
    CALL_OUTCOME_RECORDED = "call.outcome_recorded", _("Outcome recorded")
    CALL_MISSED = "call.missed", _("Call missed")
    DISPUTE_OPENED = "dispute.opened", _("Dispute opened")
    DISPUTE_DECIDED = "dispute.decided", _("Dispute decided")
    STATEMENT_READY = "statement.ready", _("Monthly statement ready")


# Sent on request ("send a test event"), whatever the endpoint subscribed to.
TEST_EVENT = "webhook.test"


class Endpoint(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty: the office's own systems (every call). Otherwise the agency's.
    agency = models.ForeignKey(
        "agents.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("Endpoint URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event types (Event values) this endpoint wants.
    events = models.JSONField(_("events"), default=list)
    # The `whsec_…` secret, sealed (webhooks/secrets.py); a new one signs from
    # the next delivery on.
    secret_sealed = models.TextField(editable=False)
    # The first characters, so people can tell secrets apart ("whsec_AbCd…").
    secret_hint = models.CharField(_("secret"), max_length=16, editable=False)
    secret_changed_at = models.DateTimeField(_("secret changed at"))
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # When the current run of failed tries began (cleared by any success): an
    # endpoint failing for WEBHOOKS_DISABLE_AFTER_HOURS is disabled.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return event == TEST_EVENT or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Delivered")
    # Tried for WEBHOOKS_RETRY_HOURS without a 2xx, or its endpoint was disabled.
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # The webhook-id header: "msg_" + 32 hex digits, the same on every try.
    message_id = models.CharField(_("message id"), max_length=40, unique=True)
    event = models.CharField(_("event"), max_length=40)
    # The whole JSON body as sent (versioned: "version"; webhooks/payloads.py).
    payload = models.JSONField(_("payload"))
    # The call's public id: deliveries of one call to one endpoint leave in
    # the order they were recorded. Empty for events about no call.
    call_key = models.CharField(_("call"), max_length=36, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # Retries stop this long after it (WEBHOOKS_RETRY_HOURS); a replay starts it anew.
    retry_from = models.DateTimeField(_("tried since"))
    # Set and committed before a worker sends; while in the future, others keep off.
    claimed_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending rows by due time, and nothing else.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_pending_due",
            ),
            # "Is an earlier delivery of this call to this endpoint still pending?"
            models.Index(fields=["endpoint", "call_key", "id"], name="webhook_delivery_call_order"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.get_status_display()})"


class Attempt(models.Model):
    """One try of one delivery: what the receiver answered (an excerpt, scrubbed)."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="tries"
    )
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    # Why it failed without an answer: "timeout", "refused: private address", ...
    error = models.CharField(_("error"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("response (excerpt)"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("took (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
