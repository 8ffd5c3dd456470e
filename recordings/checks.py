"""A process with a missing, malformed or public recording key refuses to start."""

from django.conf import settings
from django.core import checks

from . import keyring


@checks.register(checks.Tags.security)
def check_recording_keys(app_configs=None, **kwargs):
    try:
        ring = keyring.ring()
    except keyring.KeyRingError as exc:
        return [checks.Error(str(exc), id="recordings.E001")]
    if settings.IS_PRODUCTION and any(k.id == keyring.DEV_KEY_ID for k in ring):
        return [
            checks.Error(
                "RECORDING_KEYS holds the public development key; production needs its own.",
                hint="manage.py recordings_newkey prints a new key entry.",
                id="recordings.E002",
            )
        ]
    return []
