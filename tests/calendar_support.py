"""Helpers for the calendar tests (not a test module): read .ics as a calendar app would."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar


def parse(ics: str | bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.get("VERSION") == "2.0"
    return calendar


def the_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.events
    return event


def instant(calendar: icalendar.Calendar, event: icalendar.Event, name: str) -> datetime:
    """The UTC instant of DTSTART/DTEND read the way a calendar app that knows
    no zone names reads it: a local value through the VTIMEZONE block itself
    (first occurrence of a repeated hour, RFC 5545), a UTC value as it is."""
    prop = event[name]
    value = prop.dt
    tzid = prop.params.get("TZID")
    if tzid is None:
        assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0, (
            f"{name} is neither TZID nor UTC: {value!r}"
        )
        return value.astimezone(UTC)
    (block,) = [tz for tz in calendar.timezones if tz["TZID"] == tzid]
    zone = block.to_tz(lookup_tzid=False)  # built from the block's rules, not the name
    return value.replace(tzinfo=None).replace(tzinfo=zone, fold=0).astimezone(UTC)
