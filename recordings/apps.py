from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordingsConfig(AppConfig):
    """Sealed storage of call recordings, the listening log, retention: the one way in and out."""

    name = "recordings"
    verbose_name = _("Recordings")
