"""The duty desk, and where clients and agents raise disputes."""

from django.urls import path

from . import views

urlpatterns = [
    path("duty/", views.duty_desk, name="duty-desk"),
    path("duty/calls/<uuid:public_id>/", views.duty_call, name="duty-call"),
    path(
        "duty/calls/<uuid:public_id>/recording/",
        views.duty_recording,
        name="duty-recording",
    ),
    path(
        "duty/calls/<uuid:public_id>/recording/hold/",
        views.duty_recording_hold,
        name="duty-recording-hold",
    ),
    path(
        "duty/calls/<uuid:public_id>/recording/accesses.csv",
        views.duty_recording_accesses_csv,
        name="duty-recording-accesses-csv",
    ),
    path(
        "duty/calls/<uuid:public_id>/disputes/<int:dispute_id>/decide/",
        views.duty_dispute_decide,
        name="duty-dispute-decide",
    ),
    path("client/calls/<uuid:public_id>/dispute/", views.client_dispute, name="client-dispute"),
    path("agent/calls/<uuid:public_id>/dispute/", views.agent_dispute, name="agent-dispute"),
]
