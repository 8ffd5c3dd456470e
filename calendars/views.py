"""The calendar doors: a person's feed (secret URL), a call's event to download,
and the page where a person makes, remakes or revokes their feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.pages import absolute_url

from . import invites, selectors, services

ICS = "text/calendar; charset=utf-8"


@require_GET
def feed(request, token: str):
    """The person's calendar, for calendar apps that subscribe to it. An unknown or
    revoked token is a 404 (nothing says whether it ever existed). Answers 304 to
    an app that already has this version (ETag, Last-Modified)."""
    owner = selectors.feed_owner(token)
    if owner is None:
        raise Http404
    person = owner.person
    appointments = selectors.feed_appointments(person)
    etag = selectors.feed_version(appointments, reader=person)
    changed = selectors.feed_last_modified(appointments) or owner.created_at
    last_modified = int(changed.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response = not_modified or HttpResponse(
        invites.feed(appointments, reader=person), content_type=ICS
    )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Each app asks again; only this person's app may keep a copy.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    if not_modified is None:
        response["Content-Disposition"] = 'inline; filename="calls.ics"'
    return response


@require_GET
@login_required
def call_ics(request, public_id):
    """One call's event for the signed-in person ("add to calendar"): the same UID
    and SEQUENCE as their invites and feed, so it updates, never duplicates."""
    appointment = selectors.appointment_for_public_id(public_id, request.user)
    if appointment is None:
        raise Http404
    body = invites.feed([appointment], reader=request.user)
    response = HttpResponse(body, content_type=ICS)
    filename = f"{appointment.session.call.number}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    """Make, remake or revoke one's feed. A new URL is shown once, on the answer to
    the POST that made it (only its digest is kept), and never redirected to."""
    person = request.user
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "make":
            token = services.calendar_feed_make(person=person)
            new_url = absolute_url(reverse("calendar-feed", args=[token]))
        elif action == "revoke":
            if services.calendar_feed_revoke(person=person):
                messages.success(request, _("Your calendar link is switched off."))
            return redirect("calendar-page")
        else:
            return redirect("calendar-page")
    feed = selectors.calendar_feed_of(person)
    return render(
        request,
        "calendars/page.html",
        {
            "feed": feed,
            "new_url": new_url,
            "webcal_url": "webcal://" + new_url.split("://", 1)[1] if new_url else "",
            "horizon_days": selectors.horizon_days(),
        },
    )
