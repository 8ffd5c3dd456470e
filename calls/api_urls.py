"""API URLs of calls (under /api/v1/). Calls and sessions go by the call's public id."""

from django.urls import path

from . import api

urlpatterns = [
    path("calls/", api.CallListApi.as_view(), name="api-calls"),
    path("calls/<str:public_id>/", api.CallDetailApi.as_view(), name="api-call"),
    path("calls/<str:public_id>/cancel/", api.CallCancelApi.as_view(), name="api-call-cancel"),
    path("agent/requests/", api.AgentRequestListApi.as_view(), name="api-agent-requests"),
    path(
        "agent/requests/<str:public_id>/",
        api.AgentRequestDetailApi.as_view(),
        name="api-agent-request",
    ),
    path(
        "agent/requests/<str:public_id>/confirm/",
        api.AgentRequestConfirmApi.as_view(),
        name="api-agent-request-confirm",
    ),
    path(
        "agent/requests/<str:public_id>/decline/",
        api.AgentRequestDeclineApi.as_view(),
        name="api-agent-request-decline",
    ),
    path("sessions/", api.SessionListApi.as_view(), name="api-sessions"),
    path("sessions/<str:public_id>/", api.SessionDetailApi.as_view(), name="api-session"),
    path(
        "sessions/<str:public_id>/start/",
        api.SessionStartApi.as_view(),
        name="api-session-start",
    ),
    path("sessions/<str:public_id>/end/", api.SessionEndApi.as_view(), name="api-session-end"),
    path(
        "sessions/<str:public_id>/recording/",
        api.SessionRecordingApi.as_view(),
        name="api-session-recording",
    ),
    path(
        "office/calls/<str:public_id>/schedule/",
        api.OfficeCallScheduleApi.as_view(),
        name="api-office-call-schedule",
    ),
]
