"""The client's pages: the dashboard, the balance, ordering, a call, picking a time.

Views are thin: they read through calls.selectors, write through
calls.services, and show a DomainError next to the field it concerns.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from billing import selectors as billing_selectors
from billing.formatting import credits
from billing.models import Outcome
from calls import selectors, services, workflow
from calls.models import Call, CallKind, CallState, CallTransition
from calls.services import MIN_PLANNED_MINUTES
from calls.services.moves import call_move_request, moves_done
from calls.services.slots import call_slot_book, call_slot_days, parse_slot_value
from calls.slot_calendar import slot_calendar
from common.errors import DomainError
from common.forms import add_domain_error

from . import lists, rows
from .forms import CancelForm, OrderForm

PAGE_SIZE = 20
# The dashboard shows two lists (open, done): ten of each keeps it a screenful.
DASHBOARD_PAGE_SIZE = 10


def paginate(request, queryset, param="page"):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


@role_required(Role.CLIENT)
def client_dashboard(request):
    """Balance, then a page of the open calls and a page of the done ones.

    Three queries whatever the number of calls: the session, the user, and
    everything the page shows (client_pages.lists).
    """
    dashboard = lists.client_dashboard(
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
    preview = billing_selectors.booking_preview(
        kind=data["kind"], planned_minutes=data["planned_minutes"], client=user
    )
    return {
        "no_show_fee": preview.no_show_fee,
        "late_cancel_fee": preview.late_cancel_fee,
        "late_cancel_hours": settings.LATE_CANCEL_HOURS,
        "price_per_minute": preview.quote.price_per_minute,
        "minimum_minutes": preview.quote.minimum_minutes,
        "hold": preview.quote.hold_amount,
        "available": preview.balance,
        "short": preview.short,
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
            # A dispute's refund: the cost the client bears now.
            "refunded": billing_selectors.client_call_adjustments(call.pk, call.client),
            "hold": billing_selectors.call_holds([call.pk]).get(call.pk),
            "session": call.active_session,
            "can_cancel": can_cancel,
            "late_fee": late_fee,
            "late_cancel_hours": settings.LATE_CANCEL_HOURS,
            "cancel_form": CancelForm(),
            "proposals": client_proposals(call, request.user, request.GET),
            "move": client_move_box(call, request.user, request.GET),
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
            call.refresh_from_db()
            fee = billing_selectors.call_charges([call.pk]).get(call.pk)
            if fee is not None and fee.client_charge > 0:
                # A late cancellation of a video call costs its prepaid minimum.
                messages.success(
                    request,
                    _(
                        "The call is cancelled. As a late cancellation, %(fee)s was charged; "
                        "the rest of the held credits is released."
                    )
                    % {"fee": credits(fee.client_charge)},
                )
            else:
                messages.success(request, _("The call is cancelled. Held credits are released."))
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("client-call", public_id=call.public_id)


def client_times(call, user, query, *, now=None) -> dict:
    """The calendar of free times on the client's clock (calls.slot_calendar)."""
    found = call_slot_days(call, viewer_zone=user.time_zone, now=now)
    return slot_calendar(
        call, found, viewer_zone=user.time_zone, query=query, viewer="client", now=now
    )


def client_proposals(call, user, query) -> dict | None:
    """What the client may pick from on the call page; None when it is not theirs to pick."""
    if not settings.CLIENT_SELF_SCHEDULING or call.state != CallState.CONFIRMED:
        return None
    return client_times(call, user, query)


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


def client_move_box(call, user, query) -> dict | None:
    """ "Move this call" on a scheduled call: the calendar of free times to
    choose from (outside the late-change window), or only "ask the office"."""
    session = call.active_session
    if call.state != CallState.SCHEDULED or session is None:
        return None
    now = timezone.now()
    left = max(settings.CALL_MOVES_MAX - moves_done(call), 0)
    late = workflow.is_late_change(session, now=now)
    times = None
    if left and not late and settings.CLIENT_SELF_SCHEDULING:
        times = client_times(call, user, query, now=now)
    return {"times": times, "late": late, "left": left, "hours": settings.LATE_CANCEL_HOURS}


@require_POST
@role_required(Role.CLIENT)
def client_call_move(request, public_id):
    """Move to the chosen time, or (no time chosen) ask the office with the reason."""
    call = get_object_or_404(selectors.calls_visible_to(request.user), public_id=public_id)
    try:
        slot = request.POST.get("slot", "")
        starts_at = parse_slot_value(slot)[0] if slot else None
        result = call_move_request(
            call=call,
            actor=request.user,
            starts_at=starts_at,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if result.moved:
            messages.success(request, _("Your call is moved. Everyone is told the new time."))
        else:
            messages.success(
                request, _("The office has your request and will let you know the new time.")
            )
    return redirect("client-call", public_id=call.public_id)
