"""The agent's pages (under /agent/)."""

from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("", views.agent_inbox, name="agent-inbox"),
    path("calls/<uuid:public_id>/", views.agent_call, name="agent-call"),
    path(
        "calls/<uuid:public_id>/withdraw/",
        views.agent_call_withdraw,
        name="agent-call-withdraw",
    ),
    path(
        "calls/<uuid:public_id>/move/",
        views.agent_call_move,
        name="agent-call-move",
    ),
    path(
        "calls/<uuid:public_id>/alarm/",
        views.agent_call_alarm,
        name="agent-call-alarm",
    ),
    path("alarm/<str:token>/", views.agent_alarm_link, name="agent-alarm-link"),
    path("statement/", views.agent_statement_page, name="agent-statement"),
    path("statement.csv", views.agent_statement_csv, name="agent-statement-csv"),
    path("link/<str:token>/", views.agent_link, name="agent-link"),
    path("webhooks/", webhooks.agent_webhooks, name="agent-webhooks"),
]
