"""A call's times as the operator's screens show them: each person's wall clock."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common import dates
from scheduling.windows_text import as_text as as_windows_text

# Outside these local hours a start is flagged: nobody should be booked at 03:00 unawares.
WAKING_HOURS = range(8, 21)


def schedule_zone_times(call, starts_at, interpreter) -> list[dict]:
    """The chosen start on the wall clocks of the client, the member and the interpreter."""
    confirmation = getattr(call, "confirmation", None)
    people = [
        (_("Client"), call.client_time_zone or call.client.time_zone),
        (_("Member"), (confirmation and confirmation.member_time_zone) or call.member.time_zone),
    ]
    if interpreter is not None:
        people.append((_("Interpreter"), interpreter.time_zone))
    rows = []
    for label, zone in people:
        local = timezone.localtime(starts_at, zoneinfo.ZoneInfo(zone))
        rows.append(
            {
                "label": label,
                "zone": zone,
                "text": dates.format_datetime(starts_at, tz=zone, weekday=True, zone=False),
                "night": local.hour not in WAKING_HOURS,
            }
        )
    return rows


def times_intro(call) -> list[tuple[str, str]]:
    """When the client and the member can talk, each in their own zone; the old free text too."""
    confirmation = getattr(call, "confirmation", None)
    language = get_language() or "en"

    def one_line(windows) -> str:
        return as_windows_text(windows, language=language).replace("\n", "; ") or "—"

    client_zone = call.client_time_zone or call.client.time_zone
    rows = [(_("Client's times"), f"{one_line(call.client_windows)} ({client_zone})")]
    if call.preferred_times:
        rows.append((_("Client's preferred times"), call.preferred_times))
    if confirmation is not None:
        member_zone = confirmation.member_time_zone or call.member.time_zone
        rows.append(
            (_("Member's times"), f"{one_line(confirmation.member_windows)} ({member_zone})")
        )
        if confirmation.availability:
            rows.append((_("Member's availability"), confirmation.availability))
    return rows
