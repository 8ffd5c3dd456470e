"""What the API says of endpoints and deliveries (no database keys: public ids)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Event
from .selectors import TRIES_SHOWN


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices))
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    secret_hint = serializers.CharField(help_text="The secret's first characters.")
    secret_changed_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…). Shown this once: keep it now."
    )


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown this once.")


class WebhookAttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    response_excerpt = serializers.CharField()
    duration_ms = serializers.IntegerField()


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField(source="message_id", help_text="The webhook-id header.")
    event = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    payload = serializers.JSONField()
    tries = serializers.SerializerMethodField(help_text=f"The newest {TRIES_SHOWN} tries.")

    @extend_schema_field(WebhookAttemptSerializer(many=True))
    def get_tries(self, delivery):
        tries = getattr(delivery, "tries_newest", None)
        if tries is None:
            tries = list(delivery.tries.order_by("-at", "-id"))
        return WebhookAttemptSerializer(tries[:TRIES_SHOWN], many=True).data
