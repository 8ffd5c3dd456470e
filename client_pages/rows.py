"""A row of the client's lists of calls, formatted once in Python.

The dashboard shows twenty of them; read through template lookups and filters
(`{{ call.starts_at|when }}`, `{% url %}`, `{% blocktranslate %}`), a row cost
twice what the same formatting costs here. The words and formats are the same
ones (common.dates, billing.formatting, the calls' labels), so a row reads as
every other page does.
"""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils.translation import gettext as _

from billing.formatting import credits
from common import dates


def client_rows(calls) -> list[dict]:
    """What client/_call_rows.html shows of each call of client_pages.lists."""
    link = _link_maker("client-call")
    return [_client_row(call, link) for call in calls]


def _link_maker(name: str):
    """`reverse(name, args=[public_id])` for a list: the links differ only in
    the call's id, so resolve once and put each id in its place."""
    marker = uuid.UUID(int=0)
    before, _marker, after = reverse(name, args=[marker]).partition(str(marker))
    return lambda public_id: f"{before}{public_id}{after}"


def _client_row(call, link) -> dict:
    if call.starts_at:
        when = dates.format_datetime(call.starts_at)
    else:
        # "booked yesterday", "booked Nov 3": the year only when it is not this one.
        when = _("booked %(when)s") % {"when": dates.format_day(call.created_at)}
    return {
        "url": link(call.public_id),
        "number": call.number,
        "member": call.member_reference,
        "kind": call.get_kind_display(),
        "state": call.state,
        "state_label": call.get_state_display(),
        "when": when,
        "charge": credits(call.charge) if call.charge is not None else "",
        "held": _("%(amount)s held") % {"amount": credits(call.held)} if call.held else "",
    }
