"""The operator's admin screens for finding the time: "Find a time" for one call and
the week board. Both call `calls.services.slots`; the client's door is client_pages."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.services.slots import (
    SEARCHABLE_STATES,
    call_slot_book,
    call_slot_days,
    parse_slot_value,
)
from calls.slot_calendar import slot_calendar
from common.errors import DomainError

from .board import board_languages, week_board
from .call_times import times_intro


def admin_find_time_view(model_admin, request, pk):
    """The calendar of free times in the operator's zone: the days of the
    horizon, every free start of the chosen day (`?day=`, or a shortcut
    `?show=`) with each person's clock; one click schedules."""
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
    zone = request.user.time_zone
    found = call_slot_days(call, viewer_zone=zone) if call.state in SEARCHABLE_STATES else None
    times = (
        slot_calendar(call, found, viewer_zone=zone, query=request.GET, viewer="office")
        if found
        else None
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": call,
        "title": _("Find a time for %(call)s") % {"call": call},
        "intro": times_intro(call),
        "times": times,
        "error": error,
        "viewer_zone": request.user.time_zone,
        "can_search": call.state in SEARCHABLE_STATES,
    }
    return TemplateResponse(
        request, "admin/calls/call/find_time.html", context, status=409 if error else 200
    )


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
    languages = board_languages()
    language = request.GET.get("language", "")
    if language not in languages:
        language = ""
    page = request.GET.get("page", "")
    board = week_board(
        viewer_zone=request.user.time_zone,
        week_of=week_of,
        call=call,
        language=language,
        page=int(page) if page.isdigit() and len(page) < 6 else 1,
    )
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
        "languages": languages,
    }
    return TemplateResponse(request, "admin/calls/call/week_board.html", context)
