"""The agency's card, under /agent/ beside the agent's other pages."""

from django.urls import path

from .agency_views import agency_card

urlpatterns = [
    path("agency/<int:agency_id>/", agency_card, name="agent-agency-card"),
]
