"""The agent's webhooks page (/agent/webhooks/): register an endpoint, see its
secret once, its deliveries and their tries, send a test event, give it a new
secret, enable it again, delete it. The same services as the API and the admin.

A secret is shown in the answer to the request that made it (never through a
redirect, a URL or a stored message), and never again.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import role_required
from accounts.models import Role
from common.errors import DomainError
from common.forms import add_domain_error
from webhooks import selectors, services
from webhooks.forms import EndpointForm

DELIVERIES_SHOWN = 10


def _page(request, *, form=None, secret=None, status=200):
    endpoints = list(selectors.agency_endpoints(request.user.agency_id))
    for endpoint in endpoints:
        endpoint.recent = list(selectors.endpoint_deliveries(endpoint)[:DELIVERIES_SHOWN])
    return render(
        request,
        "agents/webhooks.html",
        {"endpoints": endpoints, "form": form or EndpointForm(), "secret": secret},
        status=status,
    )


def _own(request):
    """The agency's endpoint named in the form, or 404 (another agency's is none)."""
    try:
        public_id = uuid.UUID(str(request.POST.get("endpoint")))
    except ValueError:
        raise Http404 from None
    endpoint = selectors.agency_endpoint(request.user.agency_id, public_id)
    if endpoint is None:
        raise Http404
    return endpoint


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def agent_webhooks(request):
    if request.method == "GET":
        return _page(request)
    action = request.POST.get("action")
    if action in (None, "", "register"):  # the form's own button (Enter in a field)
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.endpoint_create(
                    agency=request.user.agency, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _page(request, secret={"endpoint": endpoint, "value": secret})
        return _page(request, form=form, status=400)
    endpoint = _own(request)
    try:
        if action == "test":
            services.endpoint_test_send(endpoint=endpoint)
            messages.success(request, _("A test event is on its way."))
        elif action == "secret":
            secret = services.endpoint_secret_rotate(endpoint=endpoint)
            return _page(request, secret={"endpoint": endpoint, "value": secret})
        elif action == "enable":
            services.endpoint_enable(endpoint=endpoint)
            messages.success(request, _("The endpoint is enabled again."))
        elif action == "delete":
            services.endpoint_delete(endpoint=endpoint)
            messages.success(request, _("The endpoint is deleted."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("agent-webhooks")
