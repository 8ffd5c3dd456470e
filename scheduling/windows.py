"""Availability windows and the exact UTC time they cover.

A window is weekly (days of the week, local `HH:MM` to `HH:MM`, `24:00` is the
end of the day) or dated (local `YYYY-MM-DDTHH:MM` to `YYYY-MM-DDTHH:MM`), read
in its owner's time zone. It covers exactly the instants whose local wall time
falls inside it: on a spring-forward day a window loses the skipped hour, on a
fall-back day it gains the repeated one. Windows of one person that touch or
overlap read as one window (09:00-12:00 and 12:00-18:00 is 09:00-18:00).

Time here is whole seconds since the Unix epoch (UTC): the finder works on
integers, never on local datetimes (a timedelta added to a local datetime is
wall-clock arithmetic, which is wrong across a DST change).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 86400
HOUR = 3600
# 1970-01-01 was a Thursday: day number d is weekday (d + 3) % 7, Monday = 0.
EPOCH_WEEKDAY = 3

Interval = tuple[int, int]  # [start, end) in epoch seconds


class WindowError(ValueError):
    """A window that can't be read (the message says which part, in English)."""


@dataclass(frozen=True)
class WeeklyWindow:
    days: frozenset[int]  # 0 = Monday
    start_minute: int  # 0 .. 1439
    end_minute: int  # 1 .. 1440 (24:00)

    def as_dict(self) -> dict:
        return {
            "days": [WEEKDAYS[d] for d in sorted(self.days)],
            "from": format_minute(self.start_minute),
            "to": format_minute(self.end_minute),
        }


@dataclass(frozen=True)
class DatedWindow:
    start: datetime  # naive, local wall time
    end: datetime

    def as_dict(self) -> dict:
        return {
            "from": self.start.strftime("%Y-%m-%dT%H:%M"),
            "to": self.end.strftime("%Y-%m-%dT%H:%M"),
        }


Window = WeeklyWindow | DatedWindow

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_minute(text) -> int:
    match = _HHMM.match(str(text).strip()) if isinstance(text, str) else None
    if not match:
        raise WindowError(f"time {text!r} is not HH:MM")
    minute = int(match[1]) * 60 + int(match[2])
    if minute > 1440:
        raise WindowError(f"time {text!r} is after 24:00")
    return minute


def parse_local(text) -> datetime:
    if not isinstance(text, str) or not _LOCAL.match(text.strip()):
        raise WindowError(f"{text!r} is not a local date and time YYYY-MM-DDTHH:MM")
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise WindowError(f"{text!r} is not a real date and time") from exc


def parse_window(data) -> Window:
    """One window from its JSON form (the scenario file, the API, the stored rows)."""
    if not isinstance(data, dict) or "from" not in data or "to" not in data:
        raise WindowError("a window needs 'from' and 'to'")
    if "days" in data:
        days = data["days"]
        if not isinstance(days, list) or not days:
            raise WindowError("'days' must be a non-empty list of mon..sun")
        numbers = set()
        for day in days:
            if not isinstance(day, str) or day.strip().lower() not in WEEKDAYS:
                raise WindowError(f"unknown day {day!r}; use mon, tue, wed, thu, fri, sat, sun")
            numbers.add(WEEKDAYS.index(day.strip().lower()))
        start, end = parse_minute(data["from"]), parse_minute(data["to"])
        if start == 1440:
            raise WindowError("a window can't start at 24:00")
        if end <= start:
            raise WindowError(f"'to' {data['to']} is not after 'from' {data['from']}")
        return WeeklyWindow(frozenset(numbers), start, end)
    start, end = parse_local(data["from"]), parse_local(data["to"])
    if end <= start:
        raise WindowError(f"'to' {data['to']} is not after 'from' {data['from']}")
    return DatedWindow(start, end)


def parse_windows(items) -> tuple[Window, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise WindowError("windows must be a list")
    return tuple(parse_window(item) for item in items)


def windows_as_data(windows) -> list[dict]:
    return [w.as_dict() for w in windows]


def parse_zone(name) -> zoneinfo.ZoneInfo:
    try:
        if not isinstance(name, str) or not name:
            raise ValueError
        return _zone(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise WindowError(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


# ---- instants and zones -------------------------------------------------------


def to_epoch(moment: datetime) -> int:
    """An aware datetime as whole epoch seconds (sub-second parts are dropped)."""
    if moment.tzinfo is None:
        raise WindowError("a UTC instant needs its zone")
    return int(moment.timestamp() // 1)


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def local_epoch(naive: datetime) -> int:
    """Seconds since 1970-01-01 00:00 on the wall clock (no zone involved)."""
    return int((naive - datetime(1970, 1, 1)).total_seconds())


def _offset(zone: zoneinfo.ZoneInfo, seconds: int) -> int:
    return int(datetime.fromtimestamp(seconds, zone).utcoffset().total_seconds())


@lru_cache(maxsize=4096)
def zone_segments(zone_name: str, lo: int, hi: int) -> tuple[tuple[int, int, int], ...]:
    """The stretches of [lo, hi) with one UTC offset: (start, end, offset seconds).

    Probes every hour and finds each change to the second by bisection, so it
    holds for any zone (half-hour shifts, Lord Howe's 30-minute DST included).
    """
    zone = _zone(zone_name)
    segments = []
    start, offset = lo, _offset(zone, lo)
    probe = lo
    while probe < hi:
        nxt = min(probe + HOUR, hi)
        nxt_offset = _offset(zone, nxt) if nxt < hi else offset
        if nxt_offset != offset:
            left, right = probe, nxt  # offset(left) == offset, offset(right) differs
            while right - left > 1:
                mid = (left + right) // 2
                if _offset(zone, mid) == offset:
                    left = mid
                else:
                    right = mid
            segments.append((start, right, offset))
            start, offset = right, _offset(zone, right)
        probe = nxt
    segments.append((start, hi, offset))
    return tuple(segments)


def local_span_to_utc(segments, local_start: int, local_end: int) -> list[Interval]:
    """The instants whose wall time is in [local_start, local_end) (local epoch seconds)."""
    out = []
    for seg_start, seg_end, offset in segments:
        start = max(seg_start, local_start - offset)
        end = min(seg_end, local_end - offset)
        if start < end:
            out.append((start, end))
    return out


def window_intervals(zone_name: str, windows, lo: int, hi: int) -> list[Interval]:
    """The merged UTC intervals inside [lo, hi) that the windows cover."""
    if not windows:
        return []
    # A day of margin each side: a window is read on the owner's local dates.
    segments = zone_segments(zone_name, lo - DAY, hi + DAY)
    offsets = [s[2] for s in segments]
    pieces: list[Interval] = []
    first_day = (lo + min(offsets)) // DAY - 1
    last_day = (hi + max(offsets)) // DAY + 1
    for window in windows:
        if isinstance(window, WeeklyWindow):
            for day in range(first_day, last_day + 1):
                if (day + EPOCH_WEEKDAY) % 7 in window.days:
                    base = day * DAY
                    pieces += local_span_to_utc(
                        segments, base + window.start_minute * 60, base + window.end_minute * 60
                    )
        else:
            pieces += local_span_to_utc(
                segments, local_epoch(window.start), local_epoch(window.end)
            )
    return clip(merge(pieces), lo, hi)


# ---- interval sets (sorted, merged lists of [start, end)) ---------------------


def merge(pieces) -> list[Interval]:
    out: list[list[int]] = []
    for start, end in sorted(pieces):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def clip(intervals, lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if b > lo and a < hi]


def intersect(left, right) -> list[Interval]:
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(base, removed) -> list[Interval]:
    out = []
    j = 0
    for start, end in base:
        while j < len(removed) and removed[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(removed) and removed[k][0] < end:
            if removed[k][0] > cursor:
                out.append((cursor, removed[k][0]))
            cursor = max(cursor, removed[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out
