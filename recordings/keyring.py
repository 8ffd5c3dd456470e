"""The key ring of key-encryption keys (RECORDING_KEYS), newest first.

`RECORDING_KEYS` is a comma-separated list of `id:key` pairs, the key being 32
random bytes in URL-safe base64 (`manage.py recordings_newkey` prints one).
The first is the newest: new data keys are wrapped with it; the others only
unwrap what was wrapped before a rotation, until `recordings_rekey` has
rewrapped everything and they can be removed.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

from django.conf import settings

KEY_BYTES = 32
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# The development default (config/settings.py): public, so production refuses it.
DEV_KEY_ID = "dev-not-secret"


class KeyRingError(ValueError):
    """RECORDING_KEYS is missing or malformed (the message never shows a key)."""


@dataclass(frozen=True)
class Kek:
    id: str
    key: bytes

    def __repr__(self) -> str:  # never print the key itself
        return f"Kek({self.id!r})"


def parse(value: str) -> list[Kek]:
    ring: list[Kek] = []
    for part in filter(None, (p.strip() for p in (value or "").split(","))):
        key_id, sep, encoded = part.partition(":")
        if not sep or not _ID.match(key_id):
            raise KeyRingError(
                "RECORDING_KEYS: each entry is id:base64key (id: letters, digits, . _ -)."
            )
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise KeyRingError(f"RECORDING_KEYS: key {key_id!r} is not base64.") from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"RECORDING_KEYS: key {key_id!r} must be {KEY_BYTES} bytes.")
        if any(k.id == key_id for k in ring):
            raise KeyRingError(f"RECORDING_KEYS: key id {key_id!r} appears twice.")
        ring.append(Kek(key_id, key))
    if not ring:
        raise KeyRingError("RECORDING_KEYS is empty: recordings can't be sealed without a key.")
    return ring


def ring() -> list[Kek]:
    """Read on each use (not cached), so a test's settings override and a rotation apply."""
    return parse(settings.RECORDING_KEYS)


def newest() -> Kek:
    return ring()[0]


def by_id(key_id: str) -> Kek:
    for kek in ring():
        if kek.id == key_id:
            return kek
    raise KeyRingError(
        f"RECORDING_KEYS has no key {key_id!r}: it was removed before recordings_rekey ran."
    )


def new_entry(key_id: str) -> str:
    """A fresh `id:key` entry to put first in RECORDING_KEYS."""
    if not _ID.match(key_id):
        raise KeyRingError("A key id is letters, digits, . _ - (at most 32).")
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip('=')}"
