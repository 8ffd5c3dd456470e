"""Endpoint secrets: made, sealed at rest, unsealed to sign.

A secret is a Standard Webhooks secret: `whsec_` and 32 random bytes in
base64 (what `standardwebhooks.Webhook` takes). We must sign with it, so it
can't be hashed like an API token; it is sealed with Fernet (from the
`cryptography` library) under a key derived from the secret key, so a copy of
the database alone does not give it away. Keys in SECRET_KEY_FALLBACKS still
unseal, so the secret key can be rotated.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

PREFIX = "whsec_"
SALT = "webhooks.endpoint-secret"


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_hint(secret: str) -> str:
    return secret[: len(PREFIX) + 4] + "…"


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(f"{SALT}:{key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    return _keys().decrypt(sealed.encode()).decode()
