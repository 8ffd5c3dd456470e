"""Proposed times of a call as every page shows them: on the viewer's clock, and on
the client's, the member's and the interpreter's (the client's page and the
operator's "Find a time" both show these rows)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .services.slots import slot_value

WHEN = "D j M, H:i"


def local_text(moment, zone_name: str) -> str:
    """A UTC instant on the wall clock of `zone_name`, e.g. "Mon 29 Mar, 15:00"."""
    return date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name)), WHEN)


def proposal_rows(call, found, viewer_zone: str) -> list[dict]:
    return proposal_rows_of(call, found.proposals, viewer_zone)


def proposal_rows_of(call, proposals, viewer_zone: str) -> list[dict]:
    """Each proposal as a row: its form value, the viewer's time, and each
    person's clock (`zones`: label, zone, text; `clocks`: label, whose, zone)."""
    confirmation = getattr(call, "confirmation", None)
    client_zone = call.client_time_zone or call.client.time_zone
    member_zone = (confirmation and confirmation.member_time_zone) or call.member.time_zone
    rows = []
    for proposal in proposals:
        interpreter = proposal.interpreter
        rows.append(
            {
                "value": slot_value(proposal),
                "starts_at": proposal.starts_at,
                "mine": local_text(proposal.starts_at, viewer_zone),
                "ends": date_format(
                    timezone.localtime(proposal.ends_at, zoneinfo.ZoneInfo(viewer_zone)), "H:i"
                ),
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
            }
        )
    return rows
