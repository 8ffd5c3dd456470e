"""Serving a recording over HTTP: one Range (seeking in <audio>), streamed, logged."""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from common.addresses import client_ip
from common.errors import DomainError, NotFound

from . import selectors, services
from .models import Recording

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end) inclusive for one satisfiable range; None to send everything
    (no header, several ranges, a unit we don't know); "unsatisfiable" for 416."""
    match = _RANGE.match((header or "").strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last n bytes
        suffix = int(match[2])
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, min(end, size - 1)


def serve(request, recording: Recording, *, download: bool = False):
    """The recording's audio for this request, 404 for whoever may not listen."""
    size = recording.size_bytes or 0
    asked = parse_range(request.headers.get("Range", ""), size)
    if asked == "unsatisfiable":
        # Checked for the right to listen first: a 416 must not tell a stranger the size.
        if not recording.is_playable or not selectors.may_listen(
            request.user, recording, now=timezone.now()
        ):
            raise Http404
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = asked if asked else (0, None)
    try:
        listening = services.recording_stream(
            recording=recording, user=request.user, ip=client_ip(request), start=start, end=end
        )
    except NotFound:
        raise Http404 from None
    except DomainError:
        return HttpResponse(status=416)
    response = StreamingHttpResponse(
        listening.chunks, status=206 if asked else 200, content_type=recording.content_type
    )
    response["Content-Length"] = str(listening.length)
    response["Accept-Ranges"] = "bytes"
    if asked:
        response["Content-Range"] = f"bytes {listening.start}-{listening.end}/{size}"
    # The file name names the recording by its random id, never the people in it.
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="recording-{recording.public_id}.{recording.container or "bin"}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
