"""The interpreter's pages (under /interpreter/)."""

from django.urls import path

from . import availability, views

urlpatterns = [
    path(
        "interpreter/availability/",
        availability.interpreter_availability,
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
        views.interpreter_attempt_log,
        name="interpreter-attempt-log",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/outcome/",
        views.interpreter_outcome,
        name="interpreter-outcome",
    ),
    path(
        "interpreter/calls/<uuid:public_id>/recording/download/",
        views.interpreter_recording_download,
        name="interpreter-recording-download",
    ),
]
