"""The call page's side panel (templates/admin/calls/call/change_form.html):
the client's contact and balance, a top-up, and the agent's answer taken by phone."""

from django import template

from billing import selectors as billing_selectors
from calls.models import CallState

from ..forms import TopUpForm
from ..views import top_up_draft_key

register = template.Library()


@register.simple_tag(takes_context=True)
def call_panel(context, call):
    if call is None:
        return None
    client = call.client
    request = context.get("request")
    # A refused top-up: show what was typed, with its errors (office.views.top_up).
    draft = request.session.pop(top_up_draft_key(call.pk), None) if request else None
    return {
        "client": client,
        "balance": billing_selectors.client_balance(client),
        "held_for_call": billing_selectors.call_holds([call.pk]).get(call.pk),
        "top_up_form": TopUpForm(draft) if draft else TopUpForm(),
        "awaiting_answer": call.state in (CallState.REQUESTED, CallState.AWAITING_AGENT),
    }
