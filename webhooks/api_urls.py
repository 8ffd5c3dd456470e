"""API URLs of webhooks (under /api/v1/). Endpoints go by their public id."""

from django.urls import path

from . import api

urlpatterns = [
    path("agent/webhooks/", api.WebhookListApi.as_view(), name="api-agent-webhooks"),
    path(
        "agent/webhooks/<str:public_id>/",
        api.WebhookDetailApi.as_view(),
        name="api-agent-webhook",
    ),
    path(
        "agent/webhooks/<str:public_id>/deliveries/",
        api.WebhookDeliveriesApi.as_view(),
        name="api-agent-webhook-deliveries",
    ),
    path(
        "agent/webhooks/<str:public_id>/test/",
        api.WebhookTestApi.as_view(),
        name="api-agent-webhook-test",
    ),
    path(
        "agent/webhooks/<str:public_id>/secret/",
        api.WebhookSecretApi.as_view(),
        name="api-agent-webhook-secret",
    ),
    path(
        "agent/webhooks/<str:public_id>/enable/",
        api.WebhookEnableApi.as_view(),
        name="api-agent-webhook-enable",
    ),
]
