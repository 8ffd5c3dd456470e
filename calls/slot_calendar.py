"""The calendar of free times as the client's picker and the office's "Find a
time" show it (both doors read it from here; doors do not import each other).

From `services.slots.call_slot_days` (every free start of the horizon by the
viewer's days) and the page's query (`?day=YYYY-MM-DD` or
`?show=earliest|week|evenings`), it builds the month around the chosen day (on
a phone only its week is shown), the days with free times marked and linked,
and the times to choose from, each on the viewer's clock with the other
people's clocks beside it. Plain links with query parameters: it works
without JavaScript.

The shortcuts: "earliest" is the first day with a free time; "this week" every
free time from today to Sunday; "evenings for me" every free time that lies
within 17:00-22:00 on the viewer's clock (EVENING).
"""

from __future__ import annotations

import zoneinfo
from calendar import Calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.dates import format_date, format_time

from .proposals import proposal_rows_of

EVENING = (time(17, 0), time(22, 0))
SHOWS = ("earliest", "week", "evenings")


def slot_calendar(
    call, found, *, viewer_zone: str, query, viewer: str, now: datetime | None = None
) -> dict:
    """What the templates draw (see the module doc). `viewer` is "client" or
    "office": whose clocks are "the others" beside each time."""
    zone = zoneinfo.ZoneInfo(viewer_zone)
    today = timezone.localtime(now or timezone.now(), zone).date()
    by_day = {day.day: day for day in found.days}
    free_days = sorted(by_day)
    show = query.get("show", "")
    show = show if show in SHOWS else ""
    chosen = _day(query.get("day", ""), found.first_day, found.last_day)
    if show == "earliest" or (chosen is None and not show):
        chosen = free_days[0] if free_days else None

    if show == "week":
        sunday = today + timedelta(days=6 - today.weekday())
        picked = [by_day[d] for d in free_days if d <= sunday]
        sections = [_section(call, d, viewer_zone, viewer) for d in picked]
        empty = _("No free times left this week.")
    elif show == "evenings":
        sections = [
            _section(call, by_day[d], viewer_zone, viewer, only=_in_evening(zone))
            for d in free_days
        ]
        sections = [s for s in sections if s["times"]]
        empty = _("No free times between %(start)s and %(end)s on your clock.") % {
            "start": time_format(EVENING[0]),
            "end": time_format(EVENING[1]),
        }
    elif chosen is not None and chosen in by_day:
        sections = [_section(call, by_day[chosen], viewer_zone, viewer)]
        empty = ""
    else:
        sections = []
        empty = _("No free times on this day. Choose a day marked in the calendar.")
    number = 0
    for section in sections:
        for row in section["times"]:
            number += 1
            row["n"] = number  # one count across the days (test ids, "Schedule" buttons)
    selected = chosen if show in ("", "earliest") else None
    focus = selected or (sections[0]["day"] if sections else None) or next(iter(free_days), today)
    return {
        "any": bool(free_days),
        "message": found.message,
        "show": show,
        "chosen": selected,
        "shortcuts": [
            {"key": key, "label": label, "href": f"?show={key}", "current": show == key}
            for key, label in (
                ("earliest", _("Earliest")),
                ("week", _("This week")),
                ("evenings", _("Evenings for me")),
            )
        ],
        **_month(focus, found, by_day, selected, today),
        "sections": sections,
        "empty": empty if not sections else "",
        "count": sum(len(s["times"]) for s in sections),
    }


def _day(text: str, first: date, last: date) -> date | None:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
    return day if day is not None and first <= day <= last else None


def _in_evening(zone):
    """Whether a proposal lies within the evening (EVENING) on the viewer's clock."""
    start, end = EVENING

    def inside(proposal) -> bool:
        begins = timezone.localtime(proposal.starts_at, zone)
        ends = timezone.localtime(proposal.ends_at, zone)
        return begins.date() == ends.date() and start <= begins.time() and ends.time() <= end

    return inside


def _section(call, day, viewer_zone: str, viewer: str, only=None) -> dict:
    proposals = [p for p in day.proposals if only is None or only(p)]
    rows = proposal_rows_of(call, proposals, viewer_zone)
    zone = zoneinfo.ZoneInfo(viewer_zone)
    for row, proposal in zip(rows, proposals, strict=True):
        mine = timezone.localtime(proposal.starts_at, zone)
        row["time"] = format_time(proposal.starts_at, tz=zone)
        row["until"] = format_time(proposal.ends_at, tz=zone)
        others = []
        for who, key, other_zone in row["clocks"]:
            if key == viewer:
                continue
            theirs = timezone.localtime(proposal.starts_at, zoneinfo.ZoneInfo(other_zone))
            text = format_time(proposal.starts_at, tz=other_zone)
            if theirs.date() != mine.date():
                text = f"{date_format(theirs, 'D')} {text}"
            others.append({"who": who, "zone": other_zone, "text": text})
        row["others_text"] = "; ".join(f"{o['who']}: {o['text']} ({o['zone']})" for o in others)
        row["others"] = _same_clocks_together(others)
    return {
        "day": day.day,
        "heading": format_date(day.day, weekday=True),
        "times": rows,
        "more": day.more,
        # Said once a day, beside the times it concerns (each marked ⚠).
        "late_note": next((row["late_note"] for row in rows if row["late_note"]), ""),
    }


def _same_clocks_together(others: list[dict]) -> list[dict]:
    """People whose clocks read the same, on one line ("member, interpreter 4:00 PM")."""
    lines: dict[str, list[str]] = {}
    for other in others:
        lines.setdefault(other["text"], []).append(other["who"])
    return [{"who": ", ".join(who), "text": text} for text, who in lines.items()]


def _month(focus: date, found, by_day: dict, chosen: date | None, today: date) -> dict:
    """The month of `focus` as weeks of days (Monday first), each day marked
    with its free times and linked when it has any; links to the months and
    weeks around it that the horizon reaches."""
    first, last = found.first_day, found.last_day
    weeks = []
    for week in Calendar(firstweekday=0).monthdatescalendar(focus.year, focus.month):
        days = []
        for day in week:
            count = len(by_day[day].proposals) + by_day[day].more if day in by_day else 0
            in_horizon = first <= day <= last
            label = format_date(day, weekday=True)
            days.append(
                {
                    "date": day,
                    "number": day.day,
                    "in_month": day.month == focus.month,
                    "in_horizon": in_horizon,
                    "count": count,
                    "href": f"?day={day.isoformat()}" if count else "",
                    "chosen": day == chosen,
                    "today": day == today,
                    "aria": (
                        ngettext(
                            "%(day)s: %(count)d free time",
                            "%(day)s: %(count)d free times",
                            count,
                        )
                        % {"day": label, "count": count}
                        if count
                        else _("%(day)s: no free time") % {"day": label}
                    ),
                }
            )
        weeks.append({"days": days, "current": focus in week})
    month_start = focus.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    monday = focus - timedelta(days=focus.weekday())
    return {
        "month_label": date_format(month_start, "F Y"),
        "weekdays": [date_format(monday + timedelta(days=k), "D") for k in range(7)],
        "weeks": weeks,
        "previous_month": _link_into(
            by_day, max(first, (month_start - timedelta(days=1)).replace(day=1)), month_start
        )
        if first < month_start
        else "",
        "next_month": _link_into(
            by_day,
            month_end + timedelta(days=1),
            (month_end + timedelta(days=32)).replace(day=1),
        )
        if last > month_end
        else "",
        "previous_week": _link_into(by_day, max(first, monday - timedelta(days=7)), monday)
        if first < monday
        else "",
        "next_week": _link_into(by_day, monday + timedelta(days=7), monday + timedelta(days=14))
        if last >= monday + timedelta(days=7)
        else "",
    }


def _link_into(by_day: dict, start: date, end: date) -> str:
    """A link to the first day with free times in [start, end), else to `start`."""
    for day in sorted(by_day):
        if start <= day < end:
            return f"?day={day.isoformat()}"
    return f"?day={start.isoformat()}"
