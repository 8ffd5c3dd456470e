from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    """Video rooms on the WebRTC server: join links, the media clock, server-side recording."""

    name = "rooms"
    verbose_name = _("Video rooms")
