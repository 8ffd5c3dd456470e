"""The rooms' addresses: join links, and the media server's event endpoint."""

from django.urls import path

from . import views

urlpatterns = [
    path("room/<str:token>/", views.room_page, name="room"),
    path("room/<str:token>/join/", views.room_join, name="room-join"),
    path("room/<str:token>/end/", views.room_end, name="room-end"),
    path("rooms/janus-events/", views.janus_events, name="room-janus-events"),
]
