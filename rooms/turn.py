"""TURN credentials for one participant (coturn's `use-auth-secret`, the TURN REST API).

The username is the expiry time (Unix seconds) and a label; the password is
base64(HMAC-SHA1(shared secret, username)). coturn checks both with the same
secret, so nothing is stored and a credential is useless after its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings


def turn_credentials(*, label: str, now: datetime) -> list[dict]:
    """The `iceServers` entries a browser needs ([] when no TURN server is set)."""
    if not settings.TURN_URLS or not settings.TURN_SECRET:
        return []
    expires = int((now + timedelta(seconds=settings.TURN_CREDENTIAL_SECONDS)).timestamp())
    username = f"{expires}:{label}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return [
        {
            "urls": list(settings.TURN_URLS),
            "username": username,
            "credential": base64.b64encode(digest).decode(),
        }
    ]
