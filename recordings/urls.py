from django.urls import path

from . import views

urlpatterns = [
    path("recordings/<uuid:public_id>/audio/", views.recording_audio, name="recording-audio"),
]
