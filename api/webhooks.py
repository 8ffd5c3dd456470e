"""The agency's webhooks in the API (under /api/v1/agent/webhooks/).

An agent manages the agency's own endpoints: list and register (the secret is
in the answer to the registration, and nowhere else, ever), read, delete,
enable again, give a new secret, see the deliveries with their tries, send a
test event. Another agency's endpoint is a 404, like anything not one's own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.permissions import IsAgent
from common.api import (
    PAGE_PARAMETERS,
    ApiView,
    ErrorSerializer,
    paginated,
    paginated_response,
    parse_public_id,
)
from webhooks import selectors, services
from webhooks.models import DeliveryStatus, Event
from webhooks.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
    WebhookSecretSerializer,
)

ENDPOINT_ID = OpenApiParameter(
    "public_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The endpoint's id."
)
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}


def own_endpoint(request, public_id):
    endpoint = selectors.agency_endpoint(request.user.agency_id, parse_public_id(public_id))
    if endpoint is None:
        raise exceptions.NotFound(_("Not found."))
    return endpoint


def with_secret(endpoint, secret: str) -> dict:
    return {**WebhookEndpointSerializer(endpoint).data, "secret": secret}


class WebhookListApi(ApiView):
    """The agency's endpoints; register one."""

    permission_classes = [IsAgent]

    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=500, help_text="https:// address to POST to.")
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=Event.choices),
            min_length=1,
            max_length=len(Event.values),
        )
        description = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )

    @extend_schema(
        operation_id="agent_webhooks_list",
        responses={200: WebhookEndpointSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        endpoints = selectors.agency_endpoints(request.user.agency_id)
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        operation_id="agent_webhooks_create",
        request=InputSerializer,
        responses={201: WebhookEndpointWithSecretSerializer, **ERRORS},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            agency=request.user.agency, actor=request.user, **data.validated_data
        )
        return Response(with_secret(endpoint, secret), status=status.HTTP_201_CREATED)


class WebhookDetailApi(ApiView):
    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="agent_webhooks_retrieve",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookEndpointSerializer, **READ_ERRORS},
    )
    def get(self, request, public_id):
        return Response(WebhookEndpointSerializer(own_endpoint(request, public_id)).data)

    @extend_schema(
        operation_id="agent_webhooks_destroy",
        parameters=[ENDPOINT_ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, public_id):
        services.endpoint_delete(endpoint=own_endpoint(request, public_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesApi(ApiView):
    """The endpoint's deliveries, newest first, each with its latest tries."""

    permission_classes = [IsAgent]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)

    @extend_schema(
        operation_id="agent_webhooks_deliveries",
        parameters=[
            ENDPOINT_ID,
            OpenApiParameter("status", OpenApiTypes.STR, enum=DeliveryStatus.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(WebhookDeliverySerializer), **READ_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request, public_id):
        endpoint = own_endpoint(request, public_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        deliveries = selectors.endpoint_deliveries(endpoint)
        if filters.validated_data.get("status"):
            deliveries = deliveries.filter(status=filters.validated_data["status"])
        return paginated_response(
            serializer_class=WebhookDeliverySerializer,
            queryset=deliveries,
            request=request,
            view=self,
        )


class WebhookTestApi(ApiView):
    """Send a `webhook.test` event to this endpoint now."""

    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="agent_webhooks_test",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={202: WebhookDeliverySerializer, **ERRORS},
    )
    def post(self, request, public_id):
        delivery = services.endpoint_test_send(endpoint=own_endpoint(request, public_id))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookSecretApi(ApiView):
    """A new secret for this endpoint; it signs from the next delivery on."""

    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="agent_webhooks_secret",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookSecretSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        secret = services.endpoint_secret_rotate(endpoint=own_endpoint(request, public_id))
        return Response({"secret": secret})


class WebhookEnableApi(ApiView):
    """Send to a disabled endpoint again (its failed deliveries: replay them by test or
    ask the office; new events go from now on)."""

    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="agent_webhooks_enable",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookEndpointSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        endpoint = services.endpoint_enable(endpoint=own_endpoint(request, public_id))
        return Response(WebhookEndpointSerializer(endpoint).data)
