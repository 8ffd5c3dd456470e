"""Daylight-saving changes found from the zone data, so DST tests work in any year.

`next_change(zone, "spring")` is the next instant (UTC) after which the zone's
clocks jump forward; "autumn", back. From it, `gap_wall` names a wall-clock
time that does not exist and `repeat_wall` one that happens twice.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta


def _offset(zone, moment):
    return moment.astimezone(zone).utcoffset()


def next_change(zone_name: str, season: str, *, after: datetime | None = None) -> datetime:
    """The first instant with the new offset of the next spring/autumn change."""
    zone = zoneinfo.ZoneInfo(zone_name)
    moment = (after or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    moment += timedelta(hours=1)
    for _hour in range(24 * 400):
        following = moment + timedelta(hours=1)
        before, later = _offset(zone, moment), _offset(zone, following)
        if (season == "spring" and later > before) or (season == "autumn" and later < before):
            low, high = moment, following  # the change lies in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            return high
        moment = following
    raise AssertionError(f"no {season} change in {zone_name} within 400 days")


def offsets(zone_name: str, change: datetime) -> tuple[timedelta, timedelta]:
    zone = zoneinfo.ZoneInfo(zone_name)
    return _offset(zone, change - timedelta(minutes=1)), _offset(zone, change)


def gap_wall(zone_name: str, change: datetime) -> datetime:
    """A naive wall-clock time inside the spring gap (30 minutes into it)."""
    old, _new = offsets(zone_name, change)
    return (change + old).replace(tzinfo=None) + timedelta(minutes=30)


def repeat_wall(zone_name: str, change: datetime) -> datetime:
    """A naive wall-clock time the autumn change makes happen twice."""
    _old, new = offsets(zone_name, change)
    return (change + new).replace(tzinfo=None) + timedelta(minutes=30)
