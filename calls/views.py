"""The client's pages (dashboard, ordering, a call) and the interpreter's day.

Views are thin: they read through calls.selectors, write through
calls.services, and show a DomainError next to the field it concerns.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from billing import selectors as billing_selectors
from billing.models import Outcome
from common.errors import DomainError
from common.forms import add_domain_error
from common.localtime import local_day_start

from . import client_lists, occupancy, outcome_views, rows, selectors, services, workflow
from .forms import CancelForm, EndSessionForm, OrderForm, RecordingForm
from .models import Call, CallKind, CallState, CallTransition, SessionStatus
from .services import MIN_PLANNED_MINUTES
from .slot_views import client_proposals

PAGE_SIZE = 20
# The dashboard shows two lists (open, done): ten of each keeps it a screenful.
DASHBOARD_PAGE_SIZE = 10


def paginate(request, queryset, param="page"):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


# --- client -----------------------------------------------------------------


@role_required(Role.CLIENT)
def client_dashboard(request):
    """Balance, then a page of the open calls and a page of the done ones.

    Three queries whatever the number of calls: the session, the user, and
    everything the page shows (calls.client_lists).
    """
    dashboard = client_lists.client_dashboard(
        request.user,
        open_page=request.GET.get("upcoming"),
        done_page=request.GET.get("page"),
        per_page=DASHBOARD_PAGE_SIZE,
    )
    for page in (dashboard.upcoming, dashboard.past):
        page.object_list = rows.client_rows(page.object_list)
    return render(
        request,
        "client/dashboard.html",
        {
            "upcoming": dashboard.upcoming,
            "past": dashboard.past,
            "balance": dashboard.balance,
            "held": dashboard.held,
        },
    )


@role_required(Role.CLIENT)
def client_balance(request):
    """The client's credit movements, newest first, each with the call it concerns."""
    client = request.user
    entries = paginate(request, billing_selectors.client_entries(client))
    call_ids = {entry.call_id for entry in entries if entry.call_id}
    calls = {
        call.pk: call
        for call in Call.objects.filter(pk__in=call_ids, client=client).select_related("member")
    }
    return render(
        request,
        "client/balance.html",
        {
            "entries": entries,
            "calls": calls,
            "balance": billing_selectors.client_balance(client),
            "held": billing_selectors.client_held(client),
        },
    )


@role_required(Role.CLIENT)
def client_order(request):
    user = request.user
    form = OrderForm(
        request.POST or None, time_zone=user.time_zone, initial={"request_key": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        step = request.POST.get("step", "preview")
        if step == "confirm":
            try:
                call = services.call_request_create(
                    client=user,
                    member=data["member"],
                    kind=data["kind"],
                    planned_minutes=data["planned_minutes"],
                    client_windows=data["client_windows"],
                    languages=data["languages"],
                    note=data["note"],
                    created_by=user,
                    request_key=data.get("request_key"),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("Your call is booked. We have asked the member's agency.")
                )
                return redirect("client-call", public_id=call.public_id)
        elif step == "preview":
            return render(
                request,
                "client/order_confirm.html",
                {
                    "form": form,
                    "quote": _quote(user, data),
                    "kind_label": CallKind(data["kind"]).label,
                },
            )
    return render(
        request,
        "client/order.html",
        {
            "form": form,
            "balance": billing_selectors.client_balance(user),
            "prices": _prices(),
        },
    )


def _prices() -> list[tuple[str, object]]:
    """Each kind of call with its quote for the shortest booking (price and minimum)."""
    return [
        (label, billing_selectors.booking_quote(kind=kind, planned_minutes=MIN_PLANNED_MINUTES))
        for kind, label in CallKind.choices
    ]


def _quote(user, data) -> dict:
    """What the booking will cost and hold, and whether the balance covers it."""
    quote = billing_selectors.booking_quote(
        kind=data["kind"], planned_minutes=data["planned_minutes"]
    )
    available = billing_selectors.client_balance(user)
    return {
        "price_per_minute": quote.price_per_minute,
        "minimum_minutes": quote.minimum_minutes,
        "hold": quote.hold_amount,
        "available": available,
        "short": max(quote.hold_amount - available, 0),
    }


def _client_call(request, public_id):
    calls = selectors.calls_visible_to(request.user).prefetch_related(
        Prefetch("transitions", queryset=CallTransition.objects.order_by("at", "id"))
    )
    return get_object_or_404(calls, public_id=public_id)


@role_required(Role.CLIENT)
def client_call(request, public_id):
    call = _client_call(request, public_id)
    can_cancel = CallState.CANCELLED in workflow.allowed_targets(call, request.user)
    late_fee = None
    if can_cancel and workflow.is_late_cancel(call, now=timezone.now()):
        price = billing_selectors.outcome_price(call.pk, Outcome.LATE_CANCEL)
        late_fee = price if price is not None and price.client_charge else None
    return render(
        request,
        "client/call_detail.html",
        {
            "call": call,
            "charge": billing_selectors.call_charges([call.pk]).get(call.pk),
            "hold": billing_selectors.call_holds([call.pk]).get(call.pk),
            "session": call.active_session,
            "can_cancel": can_cancel,
            "late_fee": late_fee,
            "late_cancel_hours": settings.LATE_CANCEL_HOURS,
            "cancel_form": CancelForm(),
            "proposals": client_proposals(call, request.user),
        },
    )


@role_required(Role.CLIENT)
@require_POST
def client_call_cancel(request, public_id):
    call = _client_call(request, public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.call_cancel(call=call, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The call is cancelled. Held credits are released."))
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("client-call", public_id=call.public_id)


# --- interpreter ------------------------------------------------------------


@role_required(Role.INTERPRETER)
def interpreter_day(request):
    user = request.user
    now = timezone.now()
    # "Today" is the interpreter's own calendar day (DST-correct: 23 or 25 hours).
    today_local = now.astimezone(user.tz).date()
    day_start = local_day_start(today_local, user.tz)
    next_day = local_day_start(today_local + timedelta(days=1), user.tz)
    sessions = selectors.interpreter_sessions(user)
    running = [SessionStatus.IN_PROGRESS, SessionStatus.OVERDUE]
    today = sessions.filter(starts_at__gte=day_start, starts_at__lt=next_day) | sessions.filter(
        status__in=running
    )
    upcoming = paginate(
        request,
        sessions.filter(starts_at__gte=next_day, status=SessionStatus.PLANNED).order_by(
            "starts_at"
        ),
    )
    return render(
        request,
        "interpreter/day.html",
        {"today": today.order_by("starts_at"), "upcoming": upcoming, "now": now},
    )


def _interpreter_session(request, public_id):
    return get_object_or_404(
        selectors.interpreter_sessions(request.user), call__public_id=public_id
    )


def _render_session(request, session, *, end_form=None, recording_form=None, status=200):
    return render(
        request,
        "interpreter/session.html",
        {
            "session": session,
            "call": session.call,
            "confirmation": getattr(session.call, "confirmation", None),
            "has_recording": _has_recording(session),
            # The Start button shows from the start lead before the session's time.
            "startable_from": occupancy.earliest_start(session.starts_at),
            "now": timezone.now(),
            "end_form": end_form or EndSessionForm(),
            "recording_form": recording_form or RecordingForm(),
            **outcome_views.interpreter_context(session, request.user),
        },
        status=status,
    )


def _has_recording(session) -> bool:
    try:
        return session.recording is not None
    except session._meta.model.recording.RelatedObjectDoesNotExist:
        return False


@role_required(Role.INTERPRETER)
def interpreter_session(request, public_id):
    return _render_session(request, _interpreter_session(request, public_id))


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_session_start(request, public_id):
    session = _interpreter_session(request, public_id)
    try:
        services.session_start(session=session, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session has started. The call is being recorded."))
    return redirect("interpreter-session", public_id=public_id)


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_session_end(request, public_id):
    session = _interpreter_session(request, public_id)
    form = EndSessionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if form.cleaned_data["file"]:
                services.recording_attach(
                    session=session, file=form.cleaned_data["file"], actor=request.user
                )
            services.session_end(
                session=session,
                actor=request.user,
                talk_seconds=form.cleaned_data["talk_seconds"],
                talk_reason=form.cleaned_data["talk_reason"],
                no_recording_reason=form.cleaned_data["no_recording_reason"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The session has ended and the call is complete."))
            return redirect("interpreter-session", public_id=public_id)
    session = _interpreter_session(request, public_id)
    return _render_session(request, session, end_form=form, status=400)


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_recording_attach(request, public_id):
    session = _interpreter_session(request, public_id)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.recording_attach(
                session=session, file=form.cleaned_data["file"], actor=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The recording is attached."))
            return redirect("interpreter-session", public_id=public_id)
    return _render_session(request, session, recording_form=form, status=400)


@role_required(Role.INTERPRETER)
def interpreter_recording_download(request, public_id):
    """Recordings are personal data: served only here, to the session's interpreter."""
    session = _interpreter_session(request, public_id)
    if not _has_recording(session):
        raise Http404
    recording = session.recording
    return FileResponse(
        recording.file.open("rb"),
        as_attachment=True,
        filename=f"recording-{session.call.public_id}.{recording.file.name.rsplit('.', 1)[-1]}",
    )
