"""The agent's webhooks page (under /agent/webhooks/)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.agent_webhooks, name="agent-webhooks")]
