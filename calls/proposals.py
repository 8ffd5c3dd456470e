"""Proposed times of a call as every page shows them: on the viewer's clock, and on
the client's, the member's and the interpreter's (the client's page and the
operator's "Find a time" both show these rows)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.formatting import credits
from billing.models import Outcome
from billing.selectors import outcome_price
from common import dates

from .services.slots import slot_value


def local_text(moment, zone_name: str) -> str:
    """A UTC instant on the wall clock of `zone_name`, by the date policy
    (common/dates.py): "Monday, Mar 29, 3:00 PM" / "понедельник, 29 марта, 15:00"
    ("today", "tomorrow" when near). The zone is named beside it by the page."""
    return dates.format_datetime(moment, tz=zone_name, weekday=True, zone=False)


def late_cancel_note(call) -> str:
    """What a time inside the late-cancel window means for the client (SPEC: a
    cancellation less than LATE_CANCEL_HOURS ahead is a late cancellation, and
    costs what its policy says, e.g. a video call's prepaid minimum)."""
    hours = settings.LATE_CANCEL_HOURS
    price = outcome_price(call.pk, Outcome.LATE_CANCEL)
    if price is not None and price.client_charge:
        return _(
            "Less than %(hours)d hours ahead: cancelling it from now on is a late "
            "cancellation and costs %(fee)s."
        ) % {"hours": hours, "fee": credits(price.client_charge)}
    return _(
        "Less than %(hours)d hours ahead: cancelling it from now on is a late cancellation."
    ) % {"hours": hours}


def proposal_rows(call, found, viewer_zone: str, *, now=None) -> list[dict]:
    return proposal_rows_of(call, found.proposals, viewer_zone, now=now)


def proposal_rows_of(call, proposals, viewer_zone: str, *, now=None) -> list[dict]:
    """Each proposal as a row: its form value, the viewer's time, and each
    person's clock (`zones`: label, zone, text; `clocks`: label, whose, zone).
    One inside the late-cancel window says so (`late_note`), since picking it
    leaves no free cancellation."""
    now = now or timezone.now()
    window = timedelta(hours=settings.LATE_CANCEL_HOURS)
    note = None
    confirmation = getattr(call, "confirmation", None)
    client_zone = call.client_time_zone or call.client.time_zone
    member_zone = (confirmation and confirmation.member_time_zone) or call.member.time_zone
    rows = []
    for proposal in proposals:
        interpreter = proposal.interpreter
        late = proposal.starts_at - now < window
        if late and note is None:
            note = late_cancel_note(call)
        rows.append(
            {
                "value": slot_value(proposal),
                "starts_at": proposal.starts_at,
                "mine": local_text(proposal.starts_at, viewer_zone),
                "ends": dates.format_time(proposal.ends_at, tz=viewer_zone),
                "zones": [
                    (_("client"), client_zone, local_text(proposal.starts_at, client_zone)),
                    (_("member"), member_zone, local_text(proposal.starts_at, member_zone)),
                    (
                        _("interpreter"),
                        interpreter.time_zone,
                        local_text(proposal.starts_at, interpreter.time_zone),
                    ),
                ],
                "clocks": [
                    (_("client"), "client", client_zone),
                    (_("member"), "member", member_zone),
                    (_("interpreter"), "interpreter", interpreter.time_zone),
                ],
                "interpreter": interpreter.get_full_name() or interpreter.username,
                "interpreter_id": interpreter.pk,
                "late_note": note if late else "",
            }
        )
    return rows
