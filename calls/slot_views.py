"""The doors of finding the time: the operator's "Find a time" (admin) and the
client's proposals on the call page. Both call `calls.slots`."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from common.errors import DomainError

from . import selectors
from .board import week_board
from .models import CallState
from .slots import (
    SEARCHABLE_STATES,
    call_slot_book,
    call_slot_search,
    parse_slot_value,
    slot_value,
)

WHEN = "D j M, H:i"


def local_text(moment, zone_name: str) -> str:
    """A UTC instant on the wall clock of `zone_name`, e.g. "Mon 29 Mar, 15:00"."""
    return date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name)), WHEN)


def proposal_rows(call, found, viewer_zone: str) -> list[dict]:
    confirmation = getattr(call, "confirmation", None)
    client_zone = call.client_time_zone or call.client.time_zone
    member_zone = (confirmation and confirmation.member_time_zone) or call.member.time_zone
    rows = []
    for proposal in found.proposals:
        interpreter = proposal.interpreter
        rows.append(
            {
                "value": slot_value(proposal),
                "starts_at": proposal.starts_at,
                "mine": local_text(proposal.starts_at, viewer_zone),
                "ends": date_format(
                    timezone.localtime(proposal.ends_at, zoneinfo.ZoneInfo(viewer_zone)), "H:i"
                ),
                "zones": [
                    (_("client"), client_zone, local_text(proposal.starts_at, client_zone)),
                    (_("member"), member_zone, local_text(proposal.starts_at, member_zone)),
                    (
                        _("interpreter"),
                        interpreter.time_zone,
                        local_text(proposal.starts_at, interpreter.time_zone),
                    ),
                ],
                "interpreter": interpreter.get_full_name() or interpreter.username,
                "interpreter_id": interpreter.pk,
            }
        )
    return rows


def admin_find_time_view(model_admin, request, pk):
    """Proposals in the operator's zone (and each person's); one click schedules."""
    call = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    error = None
    if request.method == "POST":
        try:
            starts_at, interpreter_id = parse_slot_value(request.POST.get("slot", ""))
            call_slot_book(
                call=call, starts_at=starts_at, interpreter_id=interpreter_id, actor=request.user
            )
        except DomainError as exc:
            error = exc.message
        else:
            model_admin.message_user(request, _("The session is scheduled."), messages.SUCCESS)
            return redirect("admin:calls_call_change", call.pk)
        call.refresh_from_db()
    found = call_slot_search(call) if call.state in SEARCHABLE_STATES else None
    from .admin import times_intro  # the admin module imports this one

    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": call,
        "title": _("Find a time for %(call)s") % {"call": call},
        "intro": times_intro(call),
        "rows": proposal_rows(call, found, request.user.time_zone) if found else [],
        "found": found,
        "error": error,
        "viewer_zone": request.user.time_zone,
        "can_search": call.state in SEARCHABLE_STATES,
    }
    return TemplateResponse(
        request, "admin/calls/call/find_time.html", context, status=409 if error else 200
    )


def client_proposals(call, user) -> dict | None:
    """What the client may pick from on the call page; None when it is not theirs to pick."""
    if not settings.CLIENT_SELF_SCHEDULING or call.state != CallState.CONFIRMED:
        return None
    found = call_slot_search(call)
    return {"rows": proposal_rows(call, found, user.time_zone), "message": found.message}


@require_POST
@role_required(Role.CLIENT)
def client_pick_slot(request, public_id):
    call = get_object_or_404(selectors.calls_visible_to(request.user), public_id=public_id)
    try:
        starts_at, _who = parse_slot_value(request.POST.get("slot", ""))
        call_slot_book(call=call, starts_at=starts_at, interpreter_id=None, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your call is scheduled."))
    return redirect("client-call", public_id=call.public_id)


def admin_week_board_view(model_admin, request):
    """The operator's week: interpreters as rows, days as columns, in the operator's zone.

    `?week=YYYY-MM-DD` picks the week; `?call=<id>` of a confirmed or scheduled
    call adds its proposals, which schedule it on a click (through Find a time).
    """
    zone = zoneinfo.ZoneInfo(request.user.time_zone)
    today = timezone.localtime(timezone.now(), zone).date()
    try:
        week_of = (
            date.fromisoformat(request.GET.get("week", "")) if request.GET.get("week") else today
        )
    except ValueError:
        week_of = today
    call = None
    call_id = request.GET.get("call", "")
    if call_id.isdigit():
        call = (
            model_admin.get_queryset(request)
            .filter(pk=int(call_id), state__in=SEARCHABLE_STATES)
            .first()
        )
    board = week_board(viewer_zone=request.user.time_zone, week_of=week_of, call=call)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Week board"),
        "board": board,
        "call": call,
        "today": today,
        "viewer_zone": request.user.time_zone,
        "previous_week": board["monday"] - timedelta(days=7),
        "next_week": board["monday"] + timedelta(days=7),
        "hours": [0, 6, 12, 18],
    }
    return TemplateResponse(request, "admin/calls/call/week_board.html", context)
