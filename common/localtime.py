"""Local wall-clock times and exact instants: the one place that converts between them.

Time is stored and computed as aware UTC. People read and type wall-clock
times in their own zone, and a wall-clock time is not always one instant:

- in the spring gap (e.g. 02:30 on 2027-03-28 in Europe/Berlin) it names no
  instant at all: refused, with a message that says why and what to do;
- in the autumn repeat (e.g. 03:30 on 2027-10-31 in Europe/Kyiv) it names
  two instants: **refused** too, with a message naming both offsets, because
  guessing one of them books a call an hour off for somebody. Whoever means
  one of the two gives the time with its offset (API) or in UTC (forms).

Every door (admin forms, pages, API, commands) reads local times through
`local_to_utc`, so the rule and its wording are the same everywhere.

Durations are added to UTC instants (`add`): `timedelta` added to a datetime
in a local zone is wall-clock arithmetic in Python, which makes a 120-minute
session 60 or 180 minutes long across a DST change.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils.translation import gettext as _

from .errors import DomainError

__all__ = [
    "UTC",
    "AmbiguousLocalTime",
    "LocalTimeError",
    "NonExistentLocalTime",
    "add",
    "as_zone",
    "both_instants",
    "offset_text",
    "local_day_start",
    "local_to_utc",
    "to_utc",
]


class LocalTimeError(DomainError):
    """A wall-clock time that does not name exactly one instant in its zone."""


class NonExistentLocalTime(LocalTimeError):
    pass


class AmbiguousLocalTime(LocalTimeError):
    pass


def as_zone(zone: str | tzinfo) -> tzinfo:
    return zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _offset(moment: datetime) -> str:
    """'+03:00' style, as people write it after a time."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def to_utc(moment: datetime) -> datetime:
    """The same instant, in UTC. A naive datetime is a bug here, not user input."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("to_utc() needs an aware datetime")
    return moment.astimezone(UTC)


def add(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta` as elapsed time (in UTC), never as wall-clock time."""
    return to_utc(moment) + delta


def local_to_utc(wall: datetime, zone: str | tzinfo, *, field: str | None = None) -> datetime:
    """The one UTC instant the wall-clock time `wall` names in `zone`.

    `wall` may be naive or carry any tzinfo (it is ignored: only the wall
    clock counts). Raises NonExistentLocalTime in a spring gap and
    AmbiguousLocalTime in an autumn repeat, with translated messages on
    `field`.
    """
    zone = as_zone(zone)
    naive = wall.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        # In a gap zoneinfo gives fold=0 the offset before the change, fold=1
        # the one after: the clocks jump from one to the other.
        before, after = sorted((first, second), key=lambda m: m.utcoffset())
        raise NonExistentLocalTime(
            "nonexistent_local_time",
            _(
                "%(time)s does not exist in %(zone)s: the clocks jump forward that night "
                "(from %(before)s to %(after)s). Choose a time before or after the change."
            )
            % {
                "time": shown,
                "zone": _zone_name(zone),
                "before": _offset(before),
                "after": _offset(after),
            },
            field=field,
        )
    raise AmbiguousLocalTime(
        "ambiguous_local_time",
        _(
            "%(time)s happens twice in %(zone)s: the clocks go back that night, so it is "
            "%(time)s %(first)s and, an hour later, %(time)s %(second)s. Give the time "
            "with its offset, or in UTC."
        )
        % {
            "time": shown,
            "zone": _zone_name(zone),
            "first": _offset(first),
            "second": _offset(second),
        },
        field=field,
    )


def both_instants(wall: datetime, zone: str | tzinfo) -> tuple[datetime, datetime] | None:
    """The two UTC instants a wall-clock time names in an autumn repeat (the
    first, at the summer offset, then an hour later the second); None when it
    names one instant or none. For a door that lets the person choose."""
    zone = as_zone(zone)
    naive = wall.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None  # a spring gap: no instant at all
    return first.astimezone(UTC), second.astimezone(UTC)


def offset_text(moment: datetime, zone: str | tzinfo) -> str:
    """The zone's offset at that instant, as people write it after a time: "+03:00"."""
    return _offset(moment.astimezone(as_zone(zone)))


def local_day_start(day: date, zone: str | tzinfo) -> datetime:
    """The first instant (UTC) of the calendar day `day` in `zone`.

    Usually local midnight; where the clocks jump at midnight (some zones do),
    the day starts at the first wall-clock time that exists.
    """
    zone = as_zone(zone)
    wall = datetime.combine(day, time(0, 0))
    for _step in range(0, 24 * 4):
        try:
            return local_to_utc(wall, zone)
        except NonExistentLocalTime:
            wall += timedelta(minutes=15)
        except AmbiguousLocalTime:
            # Midnight twice: the day begins at the first one.
            return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    raise ValueError(f"no instant starts {day} in {zone}")  # pragma: no cover
