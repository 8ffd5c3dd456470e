"""The recording's audio: one address for every player (duty desk, dispute, admin,
the interpreter's page). Who may listen is the service's rule; others get a 404."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from .models import Recording
from .serving import serve


@login_required
def recording_audio(request, public_id):
    recording = get_object_or_404(Recording.objects.select_related("session"), public_id=public_id)
    return serve(request, recording, download=request.GET.get("download") == "1")
