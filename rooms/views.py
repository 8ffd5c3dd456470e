"""The room's doors: the join page, its join credential, the interpreter's End, and
the authenticated endpoint where Janus's event handler posts what it saw."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError

from . import janus, selectors, services
from .models import Party

log = logging.getLogger(__name__)


@never_cache
@require_GET
def room_page(request, token):
    """The room, or a plain page saying it is not open yet or closed (404: not a link of ours)."""
    now = timezone.now()
    checked = selectors.link_check(token, now=now, user=request.user)
    context = {
        "checked": checked,
        "session": checked.session,
        "party": checked.link.party,
        "zone": _zone(checked.session, checked.link.party, request.user),
    }
    if checked.state != "open":
        return render(request, "rooms/closed.html", context)
    context.update(
        party_label=Party(checked.link.party).label,
        rooms_on=janus.enabled(),
        name=services.display_name(checked.session, checked.link.party, request.user),
        is_interpreter=checked.link.party == Party.INTERPRETER,
        strings=page_strings(),
    )
    return render(request, "rooms/room.html", context)


def _zone(session, party: str, user) -> str:
    """The reader's zone: the signed-in person's, else the link's party's."""
    if user.is_authenticated:
        return user.time_zone
    if party == Party.CLIENT:
        return session.call.client.time_zone
    if party == Party.INTERPRETER:
        return session.interpreter.time_zone
    return session.call.member.time_zone


def page_strings() -> dict[str, str]:
    """What the room's script shows, in the reader's language (the page has no inline script)."""
    return {
        "party_client": str(Party.CLIENT.label),
        "party_member": str(Party.MEMBER.label),
        "party_interpreter": str(Party.INTERPRETER.label),
        "party_duty": str(Party.DUTY.label),
        "you": _("you"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "camera_off": _("Camera off"),
        "camera_on": _("Camera on"),
        "muted": _("muted"),
        "quality_good": _("Connection: good"),
        "quality_weak": _("Connection: weak — the picture may freeze"),
        "quality_lost": _("Connection lost — reconnecting…"),
        "no_devices": _(
            "Your camera or microphone can't be used. Allow them in the browser, "
            "or join with sound only."
        ),
        "server_down": _("The video server is not answering. Try again in a minute."),
        "joining": _("Joining…"),
        "left": _("You left the call."),
        "ended": _("The call has ended."),
        "end_confirm": _("End the call for everyone?"),
        "waiting": _("Waiting for the others to join…"),
        "camera_n": _("Camera %(n)s"),
        "microphone_n": _("Microphone %(n)s"),
    }


def _refusal(exc: DomainError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status_code)


@never_cache
@require_POST
def room_join(request, token):
    """The page's short-lived join credential (never in the URL; CSRF-checked)."""
    now = timezone.now()
    checked = selectors.link_check(token, now=now, user=request.user)
    person = request.user if request.user.is_authenticated else None
    try:
        return JsonResponse(services.room_pass_issue(checked=checked, person=person, now=now))
    except DomainError as exc:
        if isinstance(exc, janus.RoomServerDown):
            log.warning("video server: %s", getattr(exc, "detail", exc.code))
        return _refusal(exc)


@never_cache
@require_POST
def room_end(request, token):
    """The interpreter ends the call for everyone."""
    now = timezone.now()
    checked = selectors.link_check(token, now=now, user=request.user)
    try:
        services.room_end_by_interpreter(checked=checked, now=now)
    except DomainError as exc:
        return _refusal(exc)
    return JsonResponse({"ended": True})


def _authorised(request) -> bool:
    """The HTTP Basic credentials of Janus's event handler (deploy/janus/), in constant time."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic ") or not settings.JANUS_EVENTS_PASSWORD:
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    good_user = hmac.compare_digest(user.encode(), settings.JANUS_EVENTS_USER.encode())
    good_password = hmac.compare_digest(password.encode(), settings.JANUS_EVENTS_PASSWORD.encode())
    return good_user and good_password


@csrf_exempt
@require_POST
def janus_events(request):
    """Janus's sample event handler posts an event or an array of them (JSON)."""
    if not _authorised(request):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Basic realm="janus-events"'
        return response
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    events = body if isinstance(body, list) else [body]
    services.room_events_record(events=events)
    return HttpResponse(status=204)
