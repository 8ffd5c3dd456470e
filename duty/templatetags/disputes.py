"""`{% dispute_box call %}`: the dispute form (or its state) on a client's or an
agent's call page. A tag, so the calls pages show it without importing duty."""

from django import template

from billing.models import CallCharge, ChargeStatus

from ..models import Dispute

register = template.Library()


@register.inclusion_tag("duty/_dispute_box.html", takes_context=True)
def dispute_box(context, call):
    settled = CallCharge.objects.filter(call_id=call.pk, status=ChargeStatus.SETTLED).exists()
    disputes = list(Dispute.objects.filter(call=call).order_by("-raised_at")) if settled else []
    return {
        "call": call,
        "settled": settled,
        "disputes": disputes,
        "open_dispute": next((d for d in disputes if d.status == "open"), None),
        # Decided with a refund: the matter is settled, no second dispute.
        "adjusted": any(d.status == "adjusted" for d in disputes),
        "action": context.get("dispute_action", ""),
        "csrf_token": context.get("csrf_token"),
    }
