"""The office's pages inside the admin: the front page, one-screen booking,
the client search and price preview behind it, and a top-up from a call's page.

Thin: they read through selectors and write through the same services as the
rest of the product (calls.services for booking, billing.services for money).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role, User
from agents.models import Member
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.formatting import credits
from calls import services as call_services
from calls.models import MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES, Call, CallKind
from common.errors import DomainError
from common.forms import add_domain_error

from . import selectors
from .forms import MEMBER_SEPARATOR, OfficeBookingForm, TopUpForm, find_client, members_by_code
from .grouping import grouped_app_list

SEARCH_LIMIT = 10


def _page(site, request, template, context):
    return TemplateResponse(request, template, {**site.each_context(request), **context})


def front_page(site, request):
    """Today at a glance; every row links to where its work is done."""
    board = selectors.front_page()
    return _page(
        site,
        request,
        "office/front.html",
        {
            "title": _("Today"),
            "board": board,
            "groups": grouped_app_list(site.get_app_list(request)),
            "low_balance_below": Decimal(settings.OFFICE_LOW_BALANCE_CREDITS),
            "overdue_minutes": settings.NOTIFY_OVERDUE_AFTER_MINUTES,
        },
    )


def _preview(client: User | None, kind: str, minutes) -> dict | None:
    """What booking would hold and what the client would have left."""
    if kind not in CallKind.values:
        return None
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return None
    if not MIN_PLANNED_MINUTES <= minutes <= MAX_PLANNED_MINUTES:
        return None
    try:
        found = billing_selectors.booking_preview(kind=kind, planned_minutes=minutes, client=client)
    except DomainError:
        return None
    preview = {
        "price_per_minute": credits(found.quote.price_per_minute),
        "minimum_minutes": found.quote.minimum_minutes,
        "hold": credits(found.quote.hold_amount),
    }
    if found.balance is not None:
        preview.update(
            balance=credits(found.balance),
            after=credits(found.after),
            enough=found.enough,
            missing=credits(found.short) if not found.enough else "",
        )
    return preview


def book(site, request):
    """One screen: client, member, kind, length, languages, windows; price, hold and balance."""
    form = OfficeBookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = call_services.call_request_create(
                client=data["client"],
                member=data["member"],
                kind=data["kind"],
                planned_minutes=data["planned_minutes"],
                client_windows=data["client_windows"],
                languages=data["languages"],
                note=data["note"],
                created_by=request.user,
                request_key=data["request_key"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            held = billing_selectors.call_holds([call.pk]).get(call.pk)
            messages.success(
                request,
                _("Call %(number)s is booked; %(held)s are held on the client's balance.")
                % {"number": call.number, "held": credits(held or 0)},
            )
            return redirect("admin:calls_call_change", call.pk)
    client = find_client(form.data.get("client", "")) if form.is_bound else None
    return _page(
        site,
        request,
        "office/book.html",
        {
            "title": _("Book a call"),
            "form": form,
            "client": client,
            "client_balance": billing_selectors.client_balance(client) if client else None,
            "preview": _preview(client, form.data.get("kind"), form.data.get("planned_minutes"))
            if form.is_bound
            else None,
            "member_choices": _member_choices(),
        },
    )


def _member_choices() -> list[str]:
    return [
        f"{m.reference}{MEMBER_SEPARATOR}{m.agency.name}"
        for m in Member.objects.filter(is_active=True)
        .select_related("agency")
        .order_by("reference", "agency__name")[:2000]
    ]


def client_search(site, request):
    """Clients matching what was typed (name, email, user name, phone), as JSON.

    A POST (with the page's CSRF token): what was typed, often a phone number,
    stays out of URLs and so out of access logs (issue 25 item 11)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    text = request.POST.get("q", "").strip()[:100]
    if len(text) < 2:
        return JsonResponse({"results": []})
    words = text.split()
    found = User.objects.filter(role=Role.CLIENT, is_active=True)
    for word in words:
        found = found.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(username__icontains=word)
            | Q(phone__icontains=word.replace(" ", ""))
        )
    results = [
        {
            "id": client.pk,
            "name": client.get_full_name() or client.username,
            "email": client.email,
            "phone": client.phone.as_international if client.phone else "",
            "time_zone": client.time_zone,
            "balance": credits(billing_selectors.client_balance(client)),
        }
        for client in found.order_by("last_name", "first_name", "id")[:SEARCH_LIMIT]
    ]
    return JsonResponse({"results": results})


def quote(site, request):
    """The booking preview for the form (JSON): price, hold, balance before and after."""
    client = find_client(request.GET.get("client", ""))
    member = members_by_code(request.GET.get("member", "")).first()
    preview = _preview(client, request.GET.get("kind"), request.GET.get("minutes"))
    return JsonResponse(
        {
            "preview": preview,
            "member": {
                "name": member.full_name,
                "agency": member.agency.name,
                "languages": member.languages,
                "time_zone": member.time_zone,
            }
            if member
            else None,
        }
    )


def top_up_draft_key(call_pk) -> str:
    return f"office:top_up:{call_pk}"


def top_up(site, request, pk):
    """Credit for the call's client, with a reason, through the ledger service.
    A refused top-up comes back to the call page with what was typed and the
    error under its field (kept in the session for that one page)."""
    call = get_object_or_404(Call.objects.select_related("client"), pk=pk)
    if request.method != "POST":
        return redirect("admin:calls_call_change", call.pk)
    form = TopUpForm(request.POST)
    refused = None
    if form.is_valid():
        try:
            billing_services.client_top_up(
                client=call.client,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            refused = error.message
        else:
            messages.success(
                request,
                _("%(amount)s added to %(client)s's balance.")
                % {"amount": credits(form.cleaned_data["amount"]), "client": call.client},
            )
    else:
        refused = _("The top-up was not posted: see the fields below.")
    if refused:
        messages.error(request, refused)
        request.session[top_up_draft_key(call.pk)] = {
            name: request.POST.get(name, "")[:1000] for name in TopUpForm.base_fields
        }
    return redirect(reverse("admin:calls_call_change", args=[call.pk]) + "#client-panel")
