from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordingsConfig(AppConfig):
    """Sealed storage of call recordings, the listening log and retention.

    The one way in and out of a recording (recordings.services).
    """

    name = "recordings"
    verbose_name = _("Recordings")

    def ready(self):
        from . import checks  # noqa: F401  (registers the key ring's system check)
