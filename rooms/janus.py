"""The product's side of the media server: Janus's HTTP API and its VideoRoom plugin.

Only what the product needs: create a session's room (recorded, PIN, secret,
an ACL of join tokens) on first join, add a join token, destroy the room when
the session ends. Each call opens a Janus session, attaches the plugin, sends
one synchronous request and lets the session go. Errors become
`RoomServerDown`, a readable refusal, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import DomainError

PLUGIN = "janus.plugin.videoroom"
TIMEOUT_SECONDS = 5
# A room's limits: three parties and a listening duty manager, with room to reload.
PUBLISHERS = 6
BITRATE = 512_000


class RoomServerDown(DomainError):
    status_code = 503


def _down(detail: str) -> RoomServerDown:
    exc = RoomServerDown(
        "room_server_down",
        _("The video server is not answering. Try again in a minute, or use the phone."),
    )
    exc.detail = detail  # for the log: no personal data in it
    return exc


def enabled() -> bool:
    """A media server is configured and the page's client libraries are installed."""
    return bool(settings.JANUS_URL) and settings.ROOMS_CLIENT_JS_READY


def _post(path: str, body: dict) -> dict:
    body = {**body, "transaction": secrets.token_hex(8)}
    if not settings.JANUS_URL.startswith(("http://", "https://")):
        raise _down("JANUS_URL is not http(s)")
    request = urllib.request.Request(  # noqa: S310 -- http(s) only, checked above
        settings.JANUS_URL.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            data = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _down(type(exc).__name__) from None
    if data.get("janus") == "error":
        raise _down(str(data.get("error", {}).get("code")))
    return data


def info() -> dict:
    try:
        url = settings.JANUS_URL.rstrip("/") + "/info"
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _down(type(exc).__name__) from None


# VideoRoom's error codes the product expects and takes in its stride.
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427


def videoroom(request: dict, *, tolerate: tuple[int, ...] = ()) -> dict:
    """Send one synchronous VideoRoom request; its answer's `data`."""
    session_id = _post("", {"janus": "create"})["data"]["id"]
    try:
        handle_id = _post(f"/{session_id}", {"janus": "attach", "plugin": PLUGIN})["data"]["id"]
        answer = _post(f"/{session_id}/{handle_id}", {"janus": "message", "body": request})
    finally:
        with contextlib.suppress(RoomServerDown):  # it times out by itself
            _post(f"/{session_id}", {"janus": "destroy"})
    data = answer.get("plugindata", {}).get("data", {})
    if data.get("error_code") and data["error_code"] not in tolerate:
        raise _down(f"videoroom {data.get('error_code')}")
    return data


def room_exists(janus_id: int) -> bool:
    return bool(videoroom({"request": "exists", "room": janus_id}).get("exists"))


def room_create(*, janus_id: int, pin: str, secret: str, rec_dir: str, tokens: list[str]) -> None:
    videoroom(
        {
            "request": "create",
            "admin_key": settings.JANUS_ADMIN_KEY,
            "room": janus_id,
            "description": f"session room {janus_id}",
            "secret": secret,
            "pin": pin,
            "is_private": True,
            "publishers": PUBLISHERS,
            "bitrate": BITRATE,
            "audiocodec": "opus",
            "videocodec": "vp8",
            "record": True,
            "rec_dir": rec_dir,
            "lock_record": True,
            "notify_joining": True,
            "allowed": tokens,
        },
        tolerate=(ROOM_EXISTS,),  # two first joins at once: one creates it
    )


def room_allow(*, janus_id: int, secret: str, tokens: list[str]) -> None:
    videoroom(
        {
            "request": "allowed",
            "room": janus_id,
            "secret": secret,
            "action": "add",
            "allowed": tokens,
        }
    )


def room_destroy(*, janus_id: int, secret: str) -> None:
    """Close the room: everyone in it is told, and its recordings are closed."""
    videoroom({"request": "destroy", "room": janus_id, "secret": secret}, tolerate=(NO_SUCH_ROOM,))
