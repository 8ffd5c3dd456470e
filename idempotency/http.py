"""The Idempotency-Key header on API requests: read it, fingerprint the
request, replay a stored answer (used by common.api.ApiView for every POST)."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from . import services

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


class ReplayAnswer(Exception):
    """Raised before the view runs, when the key's first answer is known."""

    def __init__(self, response: HttpResponse):
        super().__init__("replay")
        self.response = response


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]}
        )
    return key


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type.startswith("multipart/"):
        # An upload is streamed, not held whole: fingerprint what it carried.
        data = request.data
        fields = {
            name: [(v.name, v.size) if hasattr(v, "size") else str(v) for v in data.getlist(name)]
            for name in data
        }
        digest.update(json.dumps(fields, sort_keys=True).encode())
    else:
        digest.update(request._request.body)
    return digest.hexdigest()


def claim_for(request):
    """None (no key, or nobody to scope it to), the claim to run, or ReplayAnswer."""
    key = _key(request)
    user = request.user
    if key is None or not (user and user.is_authenticated):
        return None
    claim = services.keyed_request_claim(
        user=user, key=key, fingerprint=_fingerprint(request), now=timezone.now()
    )
    if claim.replay:
        row = claim.row
        response = HttpResponse(
            bytes(row.body), status=row.status_code, content_type=row.content_type or None
        )
        response[REPLAY_HEADER] = "true"
        raise ReplayAnswer(response)
    return claim


def record(claim, response) -> None:
    """Keep the answer to a claimed request; forget the claim after a server error."""
    if response.status_code >= 500:
        services.keyed_request_release(row=claim.row)
        return
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    services.keyed_request_finish(
        row=claim.row,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )
