"""The API's URLs (under /api/v1/). Calls and sessions go by the call's public id."""

from django.urls import path

from . import (
    accounts,
    agent,
    attempts,
    client,
    interpreter,
    money,
    moves,
    office,
    slots,
    webhooks,
)

urlpatterns = [
    path("auth/token/", accounts.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", accounts.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", accounts.MeApi.as_view(), name="api-me"),
    path("calls/", client.CallListApi.as_view(), name="api-calls"),
    path("calls/<str:public_id>/", client.CallDetailApi.as_view(), name="api-call"),
    path("calls/<str:public_id>/cancel/", client.CallCancelApi.as_view(), name="api-call-cancel"),
    path("calls/<str:public_id>/slots/", slots.CallSlotsApi.as_view(), name="api-call-slots"),
    path("calls/<str:public_id>/move/", moves.CallMoveApi.as_view(), name="api-call-move"),
    path(
        "calls/<str:public_id>/slots/pick/",
        slots.CallSlotPickApi.as_view(),
        name="api-call-slots-pick",
    ),
    path(
        "office/calls/<str:public_id>/slots/",
        slots.OfficeCallSlotsApi.as_view(),
        name="api-office-call-slots",
    ),
    path("balance/", money.BalanceApi.as_view(), name="api-balance"),
    path("ledger/", money.LedgerApi.as_view(), name="api-ledger"),
    path("agent/requests/", agent.AgentRequestListApi.as_view(), name="api-agent-requests"),
    path(
        "agent/requests/<str:public_id>/",
        agent.AgentRequestDetailApi.as_view(),
        name="api-agent-request",
    ),
    path(
        "agent/requests/<str:public_id>/confirm/",
        agent.AgentRequestConfirmApi.as_view(),
        name="api-agent-request-confirm",
    ),
    path(
        "agent/requests/<str:public_id>/decline/",
        agent.AgentRequestDeclineApi.as_view(),
        name="api-agent-request-decline",
    ),
    path(
        "agent/statements/<str:month>/",
        money.StatementApi.as_view(),
        name="api-agent-statement",
    ),
    path("sessions/", interpreter.SessionListApi.as_view(), name="api-sessions"),
    path("sessions/<str:public_id>/", interpreter.SessionDetailApi.as_view(), name="api-session"),
    path(
        "sessions/<str:public_id>/start/",
        interpreter.SessionStartApi.as_view(),
        name="api-session-start",
    ),
    path(
        "sessions/<str:public_id>/end/",
        interpreter.SessionEndApi.as_view(),
        name="api-session-end",
    ),
    path(
        "sessions/<str:public_id>/recording/",
        interpreter.SessionRecordingApi.as_view(),
        name="api-session-recording",
    ),
    path(
        "sessions/<str:public_id>/attempts/",
        attempts.SessionAttemptsApi.as_view(),
        name="api-session-attempts",
    ),
    path(
        "sessions/<str:public_id>/outcome/",
        attempts.SessionOutcomeApi.as_view(),
        name="api-session-outcome",
    ),
    path(
        "office/calls/<str:public_id>/schedule/",
        office.OfficeCallScheduleApi.as_view(),
        name="api-office-call-schedule",
    ),
    path("agent/webhooks/", webhooks.WebhookListApi.as_view(), name="api-agent-webhooks"),
    path(
        "agent/webhooks/<str:public_id>/",
        webhooks.WebhookDetailApi.as_view(),
        name="api-agent-webhook",
    ),
    path(
        "agent/webhooks/<str:public_id>/deliveries/",
        webhooks.WebhookDeliveriesApi.as_view(),
        name="api-agent-webhook-deliveries",
    ),
    path(
        "agent/webhooks/<str:public_id>/test/",
        webhooks.WebhookTestApi.as_view(),
        name="api-agent-webhook-test",
    ),
    path(
        "agent/webhooks/<str:public_id>/secret/",
        webhooks.WebhookSecretApi.as_view(),
        name="api-agent-webhook-secret",
    ),
    path(
        "agent/webhooks/<str:public_id>/enable/",
        webhooks.WebhookEnableApi.as_view(),
        name="api-agent-webhook-enable",
    ),
]
