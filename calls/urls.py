from django.urls import path

from . import availability_views, outcome_views, slot_views, views

urlpatterns = [
    path("client/", views.client_dashboard, name="client-dashboard"),
    path("client/balance/", views.client_balance, name="client-balance"),
    path("client/order/", views.client_order, name="client-order"),
    path("client/calls/<uuid:public_id>/", views.client_call, name="client-call"),
    path(
        "client/calls/<uuid:public_id>/cancel/",
        views.client_call_cancel,
        name="client-call-cancel",
    ),
    path(
        "client/calls/<uuid:public_id>/pick/",
        slot_views.client_pick_slot,
        name="client-call-pick",
    ),
    path(
        "interpreter/availability/",
        availability_views.interpreter_availability,
        name="interpreter-availability",
    ),
    path("interpreter/", views.interpreter_day, name="interpreter-day"),
    path(
        "interpreter/calls/<uuid:public_id>/",
        views.interpreter_session,
        name="interpreter-session",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/start/",
        views.interpreter_session_start,
        name="interpreter-session-start",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/end/",
        views.interpreter_session_end,
        name="interpreter-session-end",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/recording/",
        views.interpreter_recording_attach,
        name="interpreter-recording-attach",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/attempts/",
        outcome_views.interpreter_attempt_log,
        name="interpreter-attempt-log",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/outcome/",
        outcome_views.interpreter_outcome,
        name="interpreter-outcome",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/recording/download/",
        views.interpreter_recording_download,
        name="interpreter-recording-download",
    ),
]
